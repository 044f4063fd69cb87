// Package yamlx is travelbot's one strict YAML decoder: it reads a single
// document into yaml.v3's node tree and decodes that tree into Go structs by
// their yaml tags, so that a file format's schema is written once, as the
// struct. Every problem is located by line and column: syntax errors,
// unknown keys (with a "did you mean"), duplicate keys, merge keys (refused),
// values of the wrong kind, and the work budgets that stop alias bombs.
//
// It is a leaf: it imports nothing of travelbot, so the domain packages
// (faq, config) may use it and still import nothing else of ours. A Decoder
// is for one document at a time; it is not safe for concurrent use.
package yamlx

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Pos is where a value sits in the file: a 1-based line and column, zero
// when the value was not in the file.
type Pos struct {
	Line, Col int
	// Bad means the value was in the file but of the wrong shape, and that
	// was already reported: checks of its meaning should leave it alone.
	Bad bool
	// Items is, for a list, the number of its items, well-formed or not.
	Items int
}

// Absent reports whether the value was not in the file.
func (p Pos) Absent() bool { return p.Line == 0 }

// OK reports whether the value is present and of the right shape.
func (p Pos) OK() bool { return p.Line != 0 && !p.Bad }

// NodePos is where n starts.
func NodePos(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

// Problem is one thing wrong with a document.
type Problem struct {
	Pos Pos
	// Path names the value: "entries[3].question", "telegram.admins"; ""
	// for the document as a whole.
	Path string
	Msg  string
}

// String is "PATH: MSG", or MSG for the document as a whole.
func (p Problem) String() string {
	if p.Path == "" {
		return p.Msg
	}
	return p.Path + ": " + p.Msg
}

// Positions maps each decoded value, by its address, to where it was in the
// file. It stays valid while the decoded value is not copied or resliced.
type Positions struct {
	m map[posKey]Pos
}

type posKey struct {
	addr uintptr
	t    reflect.Type
}

// Of is the position of the value ptr points to (a field or an item of the
// decoded value): the zero Pos if it was not in the file.
func (p *Positions) Of(ptr any) Pos {
	v := reflect.ValueOf(ptr)
	if p == nil || v.Kind() != reflect.Pointer || v.IsNil() {
		return Pos{}
	}
	return p.m[posKey{v.Pointer(), v.Type().Elem()}]
}

// Check looks at a string once it is decoded (a field tagged check:"NAME"
// names Decoder.Checks[NAME]; on a list of strings it sees each item).
// target is the node the string came from, aliases followed. It reports
// whether the value is kept; a check that refuses one reports why itself.
type Check func(d *Decoder, target *yaml.Node, at Pos, path, s string) bool

// TypeDecoder decodes a value of one Go type itself (a duration written as
// "10s", a secret that must not be in a file). n has its aliases followed;
// it reports whether the value had the right shape.
type TypeDecoder func(d *Decoder, n *yaml.Node, at Pos, path string, v reflect.Value) bool

// Decoder decodes a node tree into a struct by its yaml tags. The zero value
// decodes without budgets and reports nothing; set Report to see problems.
type Decoder struct {
	// MaxNodes caps the nodes visited, counting a node again at every use
	// of an alias to it, so a file that fans one anchor out to millions of
	// uses stops here. Zero means no cap.
	MaxNodes int
	// MaxText caps the bytes of strings decoded, each alias use counted
	// again. Zero means no cap.
	MaxText int
	// Checks, by the name in a field's check tag.
	Checks map[string]Check
	// Types decode values of their type instead of the reflection rules.
	Types map[reflect.Type]TypeDecoder
	// Report receives every problem, in walk order.
	Report func(Problem)
	// Suggest finds the key probably meant by an unknown one; nil uses
	// Closest without a budget.
	Suggest func(key string, known []string) (string, bool)

	nodes, text int
	stopped     bool
	// via is the alias being walked through, if any: problems inside an
	// aliased value are reported where it is used, since the anchor's own
	// place is reported when the anchor itself is walked.
	via Pos
	pos *Positions
}

// Errorf reports a problem at at.
func (d *Decoder) Errorf(at Pos, path, format string, args ...any) {
	if d.Report != nil {
		d.Report(Problem{Pos: at, Path: path, Msg: fmt.Sprintf(format, args...)})
	}
}

// Stop ends the walk: nothing more is decoded or reported. A Check calls
// it when a budget of its own is spent.
func (d *Decoder) Stop() { d.stopped = true }

// Stopped reports whether a budget (or Stop) ended the walk early: what
// was decoded is then incomplete.
func (d *Decoder) Stopped() bool { return d.stopped }

// Decode decodes root into dst, a pointer to a struct, and returns where
// each decoded value was. A value of the wrong shape is reported and left
// out (an item) or left at its zero value (a field).
func (d *Decoder) Decode(root *yaml.Node, dst any) *Positions {
	d.pos = &Positions{m: make(map[posKey]Pos)}
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		panic("yamlx: Decode needs a non-nil pointer")
	}
	d.value(root, v.Elem(), "", "", false)
	return d.pos
}

// at is where to report a problem with n.
func (d *Decoder) at(n *yaml.Node) Pos {
	if !d.via.Absent() {
		return d.via
	}
	return NodePos(n)
}

// resolve follows aliases and counts the node against MaxNodes. It returns
// nil once the walk is stopped, which every caller treats as "stop here".
func (d *Decoder) resolve(n *yaml.Node) *yaml.Node {
	if d.stopped {
		return nil
	}
	// YAML cannot alias an alias, but a hand-built tree could: bound it.
	for hops := 0; n != nil && n.Kind == yaml.AliasNode; hops++ {
		if hops > 8 {
			return nil
		}
		n = n.Alias
	}
	if n == nil {
		return nil
	}
	d.nodes++
	if d.MaxNodes > 0 && d.nodes > d.MaxNodes {
		d.Errorf(d.at(n), "", "the file is too complex: over %d YAML values, counting each use of an alias", d.MaxNodes)
		d.stopped = true
		return nil
	}
	return n
}

// record notes where v's value was and returns the position.
func (d *Decoder) record(v reflect.Value, at Pos, ok bool) Pos {
	at.Bad = !ok
	if v.CanAddr() {
		d.pos.m[posKey{v.Addr().Pointer(), v.Type()}] = at
	}
	return at
}

// value decodes n into v and reports whether n had v's shape.
// item marks a list item: null is then no value at all, where a field's
// null means "not set".
func (d *Decoder) value(n *yaml.Node, v reflect.Value, path, check string, item bool) bool {
	at := d.at(n)
	if n.Kind == yaml.AliasNode && d.via.Absent() {
		d.via = at
		defer func() { d.via = Pos{} }()
	}
	if n = d.resolve(n); n == nil {
		d.record(v, at, false)
		return false
	}
	var ok bool
	if item && IsNull(n) && v.Kind() == reflect.Struct {
		d.Errorf(at, path, "must be a mapping (got nothing)")
	} else {
		ok = d.decode(n, at, v, path, check)
	}
	if n.Kind == yaml.SequenceNode {
		at.Items = len(n.Content)
	}
	d.record(v, at, ok)
	return ok
}

func (d *Decoder) decode(n *yaml.Node, at Pos, v reflect.Value, path, check string) bool {
	if td, ok := d.Types[v.Type()]; ok {
		return td(d, n, at, path, v)
	}
	switch v.Kind() {
	case reflect.Struct:
		if IsNull(n) {
			return true
		}
		return d.mapping(n, at, v, path)
	case reflect.Pointer:
		if IsNull(n) {
			return true
		}
		elem := reflect.New(v.Type().Elem())
		if !d.decode(n, at, elem.Elem(), path, check) {
			return false
		}
		v.Set(elem)
		return true
	case reflect.Slice:
		return d.list(n, at, v, path, check)
	case reflect.String:
		return d.str(n, at, v, path, check)
	case reflect.Int, reflect.Int64, reflect.Int32:
		var i int64
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&i) != nil || v.OverflowInt(i) {
			d.Errorf(at, path, "must be an integer (got %s)", Describe(n))
			return false
		}
		v.SetInt(i)
		return true
	case reflect.Float64:
		var f float64
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!float" && n.Tag != "!!int") || n.Decode(&f) != nil {
			d.Errorf(at, path, "must be a number (got %s)", Describe(n))
			return false
		}
		v.SetFloat(f)
		return true
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&b) != nil {
			d.Errorf(at, path, "must be true or false (got %s)", Describe(n))
			return false
		}
		v.SetBool(b)
		return true
	}
	panic("yamlx: cannot decode into " + v.Type().String())
}

// str decodes a string. Any scalar is accepted as written (tags: [2026] is
// the string "2026"); null is the empty string.
func (d *Decoder) str(n *yaml.Node, at Pos, v reflect.Value, path, check string) bool {
	if n.Kind != yaml.ScalarNode {
		d.Errorf(at, path, "must be a string (got %s)", Describe(n))
		return false
	}
	if IsNull(n) {
		return true
	}
	d.text += len(n.Value)
	if d.MaxText > 0 && d.text > d.MaxText {
		d.Errorf(at, "", "the file is too big once its aliases are expanded: over %d MiB of text, counting each use of an alias", d.MaxText>>20)
		d.stopped = true
		return false
	}
	if check != "" {
		c, ok := d.Checks[check]
		if !ok {
			panic("yamlx: no check named " + check)
		}
		if !c(d, n, at, path, n.Value) {
			return false
		}
	}
	v.SetString(n.Value)
	return true
}

// list decodes a list (null is an empty one) into the slice v, leaving out
// the items of the wrong shape. A list replaces what v held; an empty one
// is nil. Items decode in place, so their positions stay valid.
func (d *Decoder) list(n *yaml.Node, at Pos, v reflect.Value, path, check string) bool {
	if IsNull(n) {
		return true
	}
	if n.Kind != yaml.SequenceNode {
		d.Errorf(at, path, "must be a list (got %s)", Describe(n))
		return false
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	kept := 0
	for i, item := range n.Content {
		if d.stopped {
			break
		}
		slot := s.Index(kept)
		slot.SetZero()
		if d.value(item, slot, path+"["+strconv.Itoa(i)+"]", check, true) {
			kept++
		}
	}
	if kept > 0 {
		v.Set(s.Slice(0, kept))
	} else {
		v.SetZero()
	}
	return true
}

// mapping decodes a mapping into the struct v by its fields' yaml tags,
// reporting unknown, duplicate, merge and non-string keys.
func (d *Decoder) mapping(n *yaml.Node, at Pos, v reflect.Value, path string) bool {
	if n.Kind != yaml.MappingNode {
		d.Errorf(at, path, "must be a mapping (got %s)", Describe(n))
		return false
	}
	fields := fieldsOf(v.Type())
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := d.resolve(n.Content[i])
		if key == nil {
			return true
		}
		keyAt := d.at(n.Content[i])
		if key.Kind != yaml.ScalarNode || IsNull(key) {
			d.Errorf(keyAt, path, "keys must be plain names (got %s)", Describe(key))
			continue
		}
		if key.Tag == "!!merge" {
			d.Errorf(keyAt, path, "merge keys (<<) are not supported: write the keys out, or alias the whole value")
			continue
		}
		if first, dup := seen[key.Value]; dup {
			d.Errorf(keyAt, path, "duplicate key %q (first at line %d)", key.Value, first)
			continue
		}
		seen[key.Value] = keyAt.Line
		f, ok := fields.byKey[key.Value]
		if !ok {
			if now, renamed := fields.renamed[key.Value]; renamed {
				d.Errorf(keyAt, path, "key %q is now %q: rename it", key.Value, now)
			} else {
				d.Errorf(keyAt, path, "unknown key %q %s", key.Value, d.hint(key.Value, fields.keys))
			}
			continue
		}
		d.value(n.Content[i+1], v.FieldByIndex(f.index), join(path, f.key), f.check, false)
	}
	return true
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// hint suggests the key that was probably meant, or lists them all.
func (d *Decoder) hint(key string, keys []string) string {
	suggest := d.Suggest
	if suggest == nil {
		suggest = func(key string, known []string) (string, bool) { return Closest(key, known, nil) }
	}
	if best, ok := suggest(key, keys); ok {
		return fmt.Sprintf("(did you mean %q?)", best)
	}
	return "(known keys: " + strings.Join(keys, ", ") + ")"
}

// field is one yaml-tagged field of a struct.
type field struct {
	key   string
	index []int
	check string
}

type structFields struct {
	keys    []string // in declaration order
	byKey   map[string]field
	renamed map[string]string // a former key -> the key it is now
}

var fieldCache sync.Map // reflect.Type -> *structFields

// fieldsOf reads t's yaml tags: `yaml:"key"` names a field's key,
// `yaml:"-"` and untagged fields are not in the file, `check:"NAME"`
// runs Decoder.Checks[NAME] on its strings, and `was:"old,older"` lists the
// keys the field had before a rename: a file that still uses one is told
// the new name, where a plain unknown key could only get a guess.
func fieldsOf(t reflect.Type) *structFields {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.(*structFields)
	}
	fs := &structFields{byKey: make(map[string]field), renamed: make(map[string]string)}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !sf.IsExported() {
			continue
		}
		fs.keys = append(fs.keys, name)
		fs.byKey[name] = field{key: name, index: sf.Index, check: sf.Tag.Get("check")}
		for old := range strings.SplitSeq(sf.Tag.Get("was"), ",") {
			if old != "" {
				fs.renamed[old] = name
			}
		}
	}
	fieldCache.Store(t, fs)
	return fs
}

// Keys lists the yaml keys of the struct type t, in declaration order.
func Keys(t reflect.Type) []string {
	return append([]string(nil), fieldsOf(t).keys...)
}

// IsNull reports whether n is a YAML null.
func IsNull(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// Describe names what a node is, for "must be X (got Y)" messages.
func Describe(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case IsNull(n):
		return "nothing"
	case n.Kind == yaml.ScalarNode:
		v := n.Value
		if utf8.RuneCountInString(v) > 40 {
			v = string([]rune(v)[:40]) + "..."
		}
		return strconv.Quote(v)
	}
	return "an unknown YAML node"
}

// Closest is the candidate name is probably a typo of, compared without
// case: within 1+len/3 edits. budget, if not nil, is the work left (one
// unit a candidate, one a compared character pair); Closest gives up
// (false) once it is spent, so a hostile file cannot make it quadratic.
func Closest(name string, candidates []string, budget *int) (string, bool) {
	const longest = 64 // names longer than this are not typos of ids
	a := []rune(strings.ToLower(name))
	if len(a) > longest {
		return "", false
	}
	spend := func(n int) bool {
		if budget == nil {
			return true
		}
		if *budget -= n; *budget < 0 {
			return false
		}
		return true
	}
	best, bestDist := "", -1
	for _, c := range candidates {
		if !spend(1) {
			return "", false
		}
		if n := utf8.RuneCountInString(c); n == 0 || n > longest || len(a)-n > 1+n/3 || n-len(a) > 1+n/3 {
			continue
		}
		b := []rune(strings.ToLower(c))
		limit := 1 + len(b)/3
		cost := len(a) * len(b)
		if budget != nil && cost > *budget {
			return "", false
		}
		spend(cost)
		if d := distance(a, b); d <= limit && d < len(b) && (bestDist < 0 || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best, bestDist >= 0
}

// distance is the Levenshtein distance between a and b.
func distance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
