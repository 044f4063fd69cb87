package faq

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Limits that bound the work of loading whatever bytes arrive.
const (
	// MaxFileSize is the largest FAQ file Parse accepts, in bytes. Callers
	// that receive FAQ files (an upload, say) can stop reading past it.
	MaxFileSize = 8 << 20

	// maxNodes caps the YAML nodes the walk visits. An alias is counted
	// every time it is followed, so a file that fans one anchor out to
	// millions of uses (the "billion laughs") stops here instead of
	// eating the machine. A 150-entry x 100-phrasing FAQ visits ~16,000.
	maxNodes = 1 << 20

	// maxProblems caps the problems kept for one file: past it a report
	// stops being read, and a hostile file could otherwise make one error
	// per byte.
	maxProblems = 1000

	// MaxText caps the text a file decodes to, in bytes, counting a string
	// again at every use of an alias to it: what Compile must read. A file
	// without aliases decodes to less than its size.
	MaxText = 2 * MaxFileSize

	// MaxPhrasings caps the questions, alternates and negatives of one
	// FAQ, which Compile trains on one by one.
	MaxPhrasings = 100_000

	// MaxPhrasingRunes caps one phrasing: the matcher reads a question's
	// first maxClassifiedRunes characters only, so a longer phrasing is a
	// mistake (or an attack), not a way people ask.
	MaxPhrasingRunes = maxClassifiedRunes

	// MaxFeatures caps the (estimated) features Compile extracts from all
	// phrasings before it trains: the bulk of its memory.
	MaxFeatures = 30_000_000
)

// ValidationError lists every problem found in an FAQ file that failed to
// load: errors and warnings, sorted by line and column. It always holds at
// least one error (a Problem with Warning false).
type ValidationError struct {
	Problems []Problem
}

// Error returns one Problem.String() per line.
func (e *ValidationError) Error() string {
	var sb strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			sb.WriteByte('\n')
		}
		sb.WriteString(p.String())
	}
	return sb.String()
}

// Parse decodes and validates an FAQ; name is used in problems and becomes
// FAQ.File. On success the FAQ's Warnings hold the non-fatal problems. On
// failure the FAQ is nil and the error is a *ValidationError holding every
// problem found, errors and warnings alike. Parse never panics, whatever
// the bytes, and bounds its work (MaxFileSize, a cap on YAML nodes).
func Parse(name string, data []byte) (*Document, error) {
	ps := &problems{file: name, spell: spellBudget}
	f := parse(data, ps)
	if f == nil || ps.failed {
		return nil, &ValidationError{Problems: ps.sorted()}
	}
	f.File = name
	f.Warnings = ps.sorted()
	return f, nil
}

// Load reads the FAQ file at path and parses it with Parse, naming problems
// after path. A file that cannot be read gives an error wrapping the os
// error (which names the path), or ErrNotRegular; a file that does not
// validate gives a *ValidationError. Load never blocks on a FIFO or a
// device and never reads more than MaxFileSize+1 bytes.
func Load(path string) (*Document, error) {
	data, err := ReadFile(path)
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return nil, err
		}
		return nil, fmt.Errorf("load faq: %w", err)
	}
	return Parse(path, data)
}

// ErrNotRegular is wrapped by the errors of ReadFile and Load for a path
// that is not a regular file (a FIFO, a device, a directory), which an FAQ
// is never read from: a FIFO would block, /dev/zero never ends.
var ErrNotRegular = errors.New("not a regular file")

// ReadFile reads the FAQ file at path, following symlinks, without
// blocking: it opens with O_NONBLOCK, refuses what is not a regular file
// (ErrNotRegular), refuses a file over MaxFileSize by its size alone (a
// *ValidationError at 1:1), and stops reading past the cap whatever the
// size said.
func ReadFile(path string) ([]byte, error) {
	data, _, err := readFile(path, nil)
	return data, err
}

// readFile is ReadFile; inspect, if not nil, sees the open file and its
// stat before anything is read, and stops the read with its error.
func readFile(path string, inspect func(*os.File, os.FileInfo) error) ([]byte, os.FileInfo, error) {
	file, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, info, fmt.Errorf("%s: %w (%s)", path, ErrNotRegular, describeMode(info.Mode()))
	}
	if info.Size() > MaxFileSize {
		return nil, info, tooBig(path)
	}
	if inspect != nil {
		if err := inspect(file, info); err != nil {
			return nil, info, err
		}
	}
	// Read one byte past the limit so "too big" is told from "just fits",
	// even when the file grew after the stat.
	data, err := io.ReadAll(io.LimitReader(file, MaxFileSize+1))
	if err != nil {
		return nil, info, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, info, tooBig(path)
	}
	return data, info, nil
}

func tooBig(name string) error {
	ps := &problems{file: name}
	ps.errorf(mark{line: 1, col: 1}, "the file is over the %d MiB limit", MaxFileSize>>20)
	return &ValidationError{Problems: ps.sorted()}
}

// describeMode names a file type for ErrNotRegular.
func describeMode(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a directory"
	}
	return "mode " + m.String()
}

// parse runs the three stages (YAML syntax, schema walk, validation) and
// returns the decoded FAQ, which is meaningful only if ps has no errors.
func parse(data []byte, ps *problems) *Document {
	start := mark{line: 1, col: 1}
	if len(data) > MaxFileSize {
		ps.errorf(start, "the file is over the %d MiB limit", MaxFileSize>>20)
		return nil
	}
	root, ok := parseYAML(data, ps)
	if !ok {
		return nil
	}
	w := &walker{ps: ps}
	f, lay, ok := w.file(root)
	if !ok || w.tooComplex {
		return nil
	}
	if w.features > MaxFeatures {
		// Known only once every phrasing is counted; still before any
		// of validation's or Compile's work on them.
		ps.errorf(lay.root, "the file has too much to learn: about %d features from %d phrasings, over the limit of %d; split long phrasings or drop some",
			w.features, w.nPhrasings, MaxFeatures)
		return nil
	}
	validate(f, lay, ps)
	return f
}

// parseYAML turns data into the root node of its single document, reporting
// syntax errors, an empty file and extra documents.
func parseYAML(data []byte, ps *problems) (root *yaml.Node, ok bool) {
	start := mark{line: 1, col: 1}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	err := decodeSafely(dec, &doc)
	switch {
	case errors.Is(err, io.EOF):
		ps.errorf(start, "the file is empty: want a mapping with version and entries")
		return nil, false
	case err != nil:
		ps.add(syntaxProblem(err, data))
		return nil, false
	}
	var next yaml.Node
	switch err := decodeSafely(dec, &next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		ps.add(syntaxProblem(err, data))
		return nil, false
	default:
		// Reported, and the first document is still checked, so every
		// problem shows at once.
		ps.errorf(nodeMark(&next), "only one YAML document is allowed per file")
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		ps.errorf(start, "the file is empty: want a mapping with version and entries")
		return nil, false
	}
	return doc.Content[0], true
}

// decodeSafely decodes the next document, turning a panic inside the YAML
// library into an error: Parse must not panic on any input.
func decodeSafely(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: internal error: %v", r)
		}
	}()
	return dec.Decode(n)
}

var syntaxLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
var unknownAnchor = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)

// syntaxProblem locates a YAML library error. The library gives a line for
// most errors but never a column, and omits the line when it is the first
// one or when the bytes themselves are bad (invalid UTF-8, control
// characters); those we find ourselves.
func syntaxProblem(err error, data []byte) Problem {
	msg := err.Error()
	at := mark{line: 1, col: 1}
	if m := syntaxLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		msg = m[2]
		at = locateSyntax(msg, n, data)
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
		if m := unknownAnchor.FindStringSubmatch(err.Error()); m != nil {
			if l, ok := findAlias(data, m[1]); ok {
				at = l
			}
		} else if l, ok := findBadByte(data); ok {
			at = l
		} else {
			at = locateSyntax(msg, 0, data)
		}
	}
	return Problem{Line: at.line, Col: at.col, Msg: "YAML syntax error: " + msg}
}

// findAlias finds the first use of the alias *name in data.
func findAlias(data []byte, name string) (mark, bool) {
	needle := []byte("*" + name)
	for off := 0; ; {
		i := bytes.Index(data[off:], needle)
		if i < 0 {
			return mark{}, false
		}
		end := off + i + len(needle)
		if end == len(data) || bytes.IndexByte([]byte(" \t\r\n,]}"), data[end]) >= 0 {
			return markAt(data, off+i), true
		}
		off += i + 1
	}
}

// findBadByte finds the first byte YAML refuses: invalid UTF-8 or a control
// character other than tab, newline and carriage return.
func findBadByte(data []byte) (mark, bool) {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		bad := r == utf8.RuneError && size == 1 ||
			r < 0x20 && r != '\t' && r != '\n' && r != '\r' ||
			r >= 0x7f && r <= 0x9f && r != 0x85 ||
			r == 0xfffe || r == 0xffff
		if bad {
			return markAt(data, i), true
		}
		i += size
	}
	return mark{}, false
}

// markAt converts a byte offset into a 1-based line and a 1-based column
// counted in characters, as the YAML library counts them.
func markAt(data []byte, off int) mark {
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return mark{line: line, col: utf8.RuneCount(before[lineStart:]) + 1}
}

// mark is where a value sits in the file. The zero mark means the value was
// not in the file; bad means it was, but the walk already reported it as
// the wrong kind or type, so validation leaves it alone.
type mark struct {
	line, col int
	bad       bool
}

func (m mark) absent() bool { return m.line == 0 }

// ok reports whether the value is present and of the right shape, that is
// worth validating.
func (m mark) ok() bool { return m.line != 0 && !m.bad }

func nodeMark(n *yaml.Node) mark { return mark{line: n.Line, col: n.Column} }

// problems collects what is wrong with one file. It keeps at most
// maxProblems and remembers whether any of them was an error.
type problems struct {
	file    string
	list    []Problem
	dropped int
	failed  bool
	// spell is what is left of the work budget for did-you-mean hints.
	spell int
}

func (ps *problems) add(p Problem) {
	if ps.full(p.Warning) {
		return
	}
	p.File = ps.file
	ps.list = append(ps.list, p)
}

// full records one more problem and reports whether there is no room left
// to keep it, so that callers need not even format it.
func (ps *problems) full(warning bool) bool {
	if !warning {
		ps.failed = true
	}
	if len(ps.list) >= maxProblems {
		ps.dropped++
		return true
	}
	return false
}

func (ps *problems) errorf(at mark, format string, args ...any) {
	if !ps.full(false) {
		ps.list = append(ps.list, Problem{File: ps.file, Line: at.line, Col: at.col, Msg: fmt.Sprintf(format, args...)})
	}
}

func (ps *problems) warnf(at mark, format string, args ...any) {
	if !ps.full(true) {
		ps.list = append(ps.list, Problem{File: ps.file, Line: at.line, Col: at.col, Msg: fmt.Sprintf(format, args...), Warning: true})
	}
}

// sorted returns the problems in file order, without the repeats an anchor
// used twice produces, and a closing note if some were dropped.
func (ps *problems) sorted() []Problem {
	list := append([]Problem(nil), ps.list...)
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Line != list[j].Line {
			return list[i].Line < list[j].Line
		}
		return list[i].Col < list[j].Col
	})
	out := list[:0]
	for i, p := range list {
		if i > 0 && p == list[i-1] {
			continue
		}
		out = append(out, p)
	}
	if ps.dropped > 0 && len(out) > 0 {
		last := out[len(out)-1]
		last.Msg = fmt.Sprintf("too many problems: %d more not shown", ps.dropped)
		last.Warning = false
		out = append(out, last)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// layout records where each value of a decoded FAQ sits in the file,
// index for index with the FAQ's slices, so validation can point at it.
type layout struct {
	root       mark
	version    mark
	entries    mark // the entries list itself
	entryItems int  // items in the entries list, well-formed or not
	answer     mark // thresholds.answer
	clarify    mark // thresholds.clarify
	sourceAt   []sourceLayout
	entryAt    []entryLayout
	synonymAt  []groupLayout
	negatives  []mark
}

type sourceLayout struct {
	at                              mark
	id, publisher, title, date, url mark
}

type entryLayout struct {
	at                   mark
	id, question, answer mark
	alternates           []mark
	citations            []citationLayout
	followUps            []mark
}

type citationLayout struct {
	at            mark
	source, quote mark
}

type groupLayout struct {
	at    mark
	words []mark
}

// walker walks a yaml.Node tree against the FAQ schema. It reports the
// shape problems (unknown or duplicate keys, wrong kinds, wrong scalar
// types) and leaves the meaning (required values, references, duplicates)
// to validate. Values of the wrong shape are left out of the FAQ.
type walker struct {
	ps         *problems
	nodes      int
	tooComplex bool
	// text is the bytes of strings decoded so far, each use of an alias
	// counted again; phrasings and features count what Compile will
	// train on. All three stop or refuse the file at their caps.
	text       int
	nPhrasings int
	features   int
	tooLong    map[*yaml.Node]bool // phrasings reported as too long
	// via is the alias being walked through, if any: problems inside an
	// aliased value are reported where it is used, since the anchor's own
	// place is already reported when the anchor itself is walked.
	via mark
}

// at is where to report a problem with n.
func (w *walker) at(n *yaml.Node) mark {
	if !w.via.absent() {
		return w.via
	}
	return nodeMark(n)
}

// enter starts walking n's children. If n is an alias, problems found
// until the returned function runs are reported at the alias.
func (w *walker) enter(n *yaml.Node) (leave func()) {
	if n.Kind != yaml.AliasNode || !w.via.absent() {
		return func() {}
	}
	w.via = nodeMark(n)
	return func() { w.via = mark{} }
}

// schemaField is one known key of a mapping and what to do with its value.
type schemaField struct {
	key    string
	decode func(val *yaml.Node)
}

// file walks the document's root. It reports whether the root was a
// mapping: anything else has nothing worth validating.
func (w *walker) file(n *yaml.Node) (*Document, *layout, bool) {
	f := &Document{}
	lay := &layout{root: w.at(n)}
	if n = w.resolve(n); n == nil {
		return f, lay, false
	}
	if n.Kind != yaml.MappingNode {
		w.ps.errorf(w.at(n), "the top level must be a mapping with version and entries (got %s)", describeNode(n))
		return f, lay, false
	}
	w.mapping(n, "the top level", []schemaField{
		{"version", func(v *yaml.Node) { lay.version = w.integer(v, "version", &f.Version) }},
		{"about", func(v *yaml.Node) { w.str(v, "about", &f.About) }},
		{"sources", func(v *yaml.Node) { w.sources(v, f, lay) }},
		{"entries", func(v *yaml.Node) { w.entries(v, f, lay) }},
		{"synonyms", func(v *yaml.Node) { w.synonyms(v, f, lay) }},
		{"negatives", func(v *yaml.Node) { lay.negatives = w.phrasings(v, "negatives", "negative", &f.Negatives) }},
		{"thresholds", func(v *yaml.Node) { w.thresholds(v, f, lay) }},
	})
	return f, lay, true
}

func (w *walker) sources(n *yaml.Node, f *Document, lay *layout) {
	w.list(n, "sources", func(item *yaml.Node) {
		var s Source
		l := sourceLayout{at: w.at(item)}
		ok := w.mapping(item, "each source", []schemaField{
			{"id", func(v *yaml.Node) { l.id = w.str(v, "id", &s.ID) }},
			{"publisher", func(v *yaml.Node) { l.publisher = w.str(v, "publisher", &s.Publisher) }},
			{"title", func(v *yaml.Node) { l.title = w.str(v, "title", &s.Title) }},
			{"date", func(v *yaml.Node) { l.date = w.str(v, "date", &s.Date) }},
			{"url", func(v *yaml.Node) { l.url = w.str(v, "url", &s.URL) }},
			{"date_approx", func(v *yaml.Node) { w.boolean(v, "date_approx", &s.DateApprox) }},
		})
		if ok {
			f.Sources = append(f.Sources, s)
			lay.sourceAt = append(lay.sourceAt, l)
		}
	})
}

func (w *walker) entries(n *yaml.Node, f *Document, lay *layout) {
	lay.entries = w.list(n, "entries", func(item *yaml.Node) {
		lay.entryItems++
		var e Entry
		l := entryLayout{at: w.at(item)}
		ok := w.mapping(item, "each entry", []schemaField{
			{"id", func(v *yaml.Node) { l.id = w.str(v, "id", &e.ID) }},
			{"question", func(v *yaml.Node) { l.question = w.phrasing(v, "question", &e.Question) }},
			{"alternates", func(v *yaml.Node) { l.alternates = w.phrasings(v, "alternates", "alternate", &e.Alternates) }},
			{"answer", func(v *yaml.Node) { l.answer = w.str(v, "answer", &e.Answer) }},
			{"citations", func(v *yaml.Node) { w.citations(v, &e, &l) }},
			{"tags", func(v *yaml.Node) { w.strings(v, "tags", "tag", &e.Tags) }},
			{"follow_ups", func(v *yaml.Node) { l.followUps = w.strings(v, "follow_ups", "follow-up", &e.FollowUps) }},
		})
		if ok {
			f.Entries = append(f.Entries, e)
			lay.entryAt = append(lay.entryAt, l)
		}
	})
}

func (w *walker) citations(n *yaml.Node, e *Entry, el *entryLayout) {
	w.list(n, "citations", func(item *yaml.Node) {
		var c Citation
		l := citationLayout{at: w.at(item)}
		ok := w.mapping(item, "each citation", []schemaField{
			{"source", func(v *yaml.Node) { l.source = w.str(v, "source", &c.Source) }},
			{"quote", func(v *yaml.Node) { l.quote = w.str(v, "quote", &c.Quote) }},
		})
		if ok {
			e.Citations = append(e.Citations, c)
			el.citations = append(el.citations, l)
		}
	})
}

func (w *walker) synonyms(n *yaml.Node, f *Document, lay *layout) {
	w.list(n, "synonyms", func(item *yaml.Node) {
		var words []string
		g := groupLayout{at: w.at(item)}
		if g.words = w.strings(item, "each synonym group", "synonym", &words); g.words != nil {
			f.Synonyms = append(f.Synonyms, words)
			lay.synonymAt = append(lay.synonymAt, g)
		}
	})
}

// thresholds decodes the thresholds mapping; null means "not set".
func (w *walker) thresholds(n *yaml.Node, f *Document, lay *layout) {
	if isNullNode(w.resolve(n)) {
		return
	}
	th := &Thresholds{}
	ok := w.mapping(n, "thresholds", []schemaField{
		{"answer", func(v *yaml.Node) { lay.answer = w.float(v, "thresholds.answer", &th.Answer) }},
		{"clarify", func(v *yaml.Node) { lay.clarify = w.float(v, "thresholds.clarify", &th.Clarify) }},
	})
	if ok {
		f.Thresholds = th
	}
}

// resolve follows aliases and counts the node against the work cap. It
// returns nil once the cap is hit (after reporting it once), which every
// caller treats as "stop here".
func (w *walker) resolve(n *yaml.Node) *yaml.Node {
	if w.tooComplex {
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
	w.nodes++
	if w.nodes > maxNodes {
		w.tooComplex = true
		w.ps.errorf(w.at(n), "the file is too complex: over %d YAML values, counting each use of an alias", maxNodes)
		return nil
	}
	return n
}

// mapping checks that n is a mapping and hands each known key's value to
// its schemaField, reporting unknown, duplicate and non-string keys. It reports
// whether n was a mapping.
func (w *walker) mapping(n *yaml.Node, what string, fields []schemaField) bool {
	at := w.at(n)
	defer w.enter(n)()
	if n = w.resolve(n); n == nil {
		return false
	}
	if n.Kind != yaml.MappingNode {
		w.ps.errorf(at, "%s must be a mapping (got %s)", what, describeNode(n))
		return false
	}
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := w.resolve(n.Content[i])
		if key == nil {
			return true
		}
		keyAt := w.at(n.Content[i])
		if key.Kind != yaml.ScalarNode || isNullNode(key) {
			w.ps.errorf(keyAt, "keys must be plain names (got %s)", describeNode(key))
			continue
		}
		if key.Tag == "!!merge" {
			w.ps.errorf(keyAt, "merge keys (<<) are not supported: write the keys out, or alias the whole value")
			continue
		}
		if first, dup := seen[key.Value]; dup {
			w.ps.errorf(keyAt, "duplicate key %q (first at line %d)", key.Value, first)
			continue
		}
		seen[key.Value] = keyAt.line
		fl, ok := findField(fields, key.Value)
		if !ok {
			w.ps.errorf(keyAt, "unknown key %q %s", key.Value, w.knownKeysHint(key.Value, fields))
			continue
		}
		fl.decode(n.Content[i+1])
	}
	return true
}

func findField(fields []schemaField, key string) (schemaField, bool) {
	for _, f := range fields {
		if f.key == key {
			return f, true
		}
	}
	return schemaField{}, false
}

// knownKeysHint suggests the key that was probably meant, or lists them all.
func (w *walker) knownKeysHint(key string, fields []schemaField) string {
	keys := make([]string, len(fields))
	for i, f := range fields {
		keys[i] = f.key
	}
	if best, ok := w.ps.closest(key, keys); ok {
		return fmt.Sprintf("(did you mean %q?)", best)
	}
	return "(known keys: " + strings.Join(keys, ", ") + ")"
}

// list checks that n is a list (null counts as empty) and hands each item
// to each. It returns n's mark, bad if n was not a list.
func (w *walker) list(n *yaml.Node, what string, each func(*yaml.Node)) mark {
	at := w.at(n)
	defer w.enter(n)()
	if n = w.resolve(n); n == nil {
		return at
	}
	if isNullNode(n) {
		return at
	}
	if n.Kind != yaml.SequenceNode {
		w.ps.errorf(at, "%s must be a list (got %s)", what, describeNode(n))
		at.bad = true
		return at
	}
	for _, c := range n.Content {
		if w.tooComplex {
			break
		}
		each(c)
	}
	return at
}

// strings decodes a list of strings, leaving out (and reporting) items that
// are not strings. It returns the marks of the items kept, nil if n was not
// a list.
func (w *walker) strings(n *yaml.Node, what, item string, dst *[]string) []mark {
	return w.stringList(n, what, item, dst, w.str)
}

// phrasings is strings for a list of phrasings, each counted and capped
// as phrasing does.
func (w *walker) phrasings(n *yaml.Node, what, item string, dst *[]string) []mark {
	return w.stringList(n, what, item, dst, w.phrasing)
}

func (w *walker) stringList(n *yaml.Node, what, item string, dst *[]string, str func(*yaml.Node, string, *string) mark) []mark {
	var marks []mark
	at := w.list(n, what, func(c *yaml.Node) {
		var s string
		if m := str(c, "each "+item, &s); m.ok() {
			*dst = append(*dst, s)
			marks = append(marks, m)
		}
	})
	if at.bad {
		return nil
	}
	if marks == nil {
		marks = []mark{}
	}
	return marks
}

// str decodes a string. Any scalar is accepted as written (tags: [2026] is
// the string "2026"); null is the empty string, which validation reports
// where a value is required.
func (w *walker) str(n *yaml.Node, what string, dst *string) mark {
	at := w.at(n)
	if n = w.resolve(n); n == nil {
		at.bad = true
		return at
	}
	if n.Kind != yaml.ScalarNode {
		w.ps.errorf(at, "%s must be a string (got %s)", what, describeNode(n))
		at.bad = true
		return at
	}
	if !isNullNode(n) {
		w.text += len(n.Value)
		if w.text > MaxText {
			w.tooComplex = true
			w.ps.errorf(at, "the file is too big once its aliases are expanded: over %d MiB of text, counting each use of an alias", MaxText>>20)
			at.bad = true
			return at
		}
		*dst = n.Value
	}
	return at
}

// phrasing decodes a question, alternate or negative: a string that
// Compile trains on. It counts it against MaxPhrasings and MaxFeatures,
// and refuses one over MaxPhrasingRunes, before anything reads it twice.
func (w *walker) phrasing(n *yaml.Node, what string, dst *string) mark {
	var s string
	at := w.str(n, what, &s)
	if !at.ok() {
		return at
	}
	if w.nPhrasings++; w.nPhrasings > MaxPhrasings {
		w.tooComplex = true
		w.ps.errorf(at, "the file has too many phrasings: over %d questions, alternates and negatives, counting each use of an alias", MaxPhrasings)
		at.bad = true
		return at
	}
	if len(s) > MaxPhrasingRunes && utf8.RuneCountInString(s) > MaxPhrasingRunes {
		// Reported at its first use only: an alias used a thousand times
		// is one mistake.
		target := n
		for hops := 0; target.Kind == yaml.AliasNode && target.Alias != nil && hops < 8; hops++ {
			target = target.Alias
		}
		if !w.tooLong[target] {
			if w.tooLong == nil {
				w.tooLong = make(map[*yaml.Node]bool)
			}
			w.tooLong[target] = true
			w.ps.errorf(at, "%s is over %d characters: a phrasing is a way to ask, the answer goes under answer",
				strings.TrimPrefix(what, "each "), MaxPhrasingRunes)
		}
		at.bad = true
		return at
	}
	w.features += estimateFeatures(s)
	*dst = s
	return at
}

// estimateFeatures bounds from above what extract makes of a phrasing of
// this length: per word a word and a pair feature, per character (spaces
// around words included) one character n-gram of each length.
func estimateFeatures(s string) int {
	words := strings.Count(s, " ") + 1
	return 2*words + (maxGram-minGram+1)*(len(s)+2*words)
}

func (w *walker) integer(n *yaml.Node, what string, dst *int) mark {
	at := w.at(n)
	if n = w.resolve(n); n == nil {
		at.bad = true
		return at
	}
	var v int
	err := errors.New("not an integer")
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		err = n.Decode(&v)
	}
	if err != nil {
		w.ps.errorf(at, "%s must be an integer (got %s)", what, describeNode(n))
		at.bad = true
		return at
	}
	*dst = v
	return at
}

func (w *walker) float(n *yaml.Node, what string, dst *float64) mark {
	at := w.at(n)
	if n = w.resolve(n); n == nil {
		at.bad = true
		return at
	}
	var v float64
	err := errors.New("not a number")
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!float" || n.Tag == "!!int") {
		err = n.Decode(&v)
	}
	if err != nil {
		w.ps.errorf(at, "%s must be a number (got %s)", what, describeNode(n))
		at.bad = true
		return at
	}
	*dst = v
	return at
}

func (w *walker) boolean(n *yaml.Node, what string, dst *bool) mark {
	at := w.at(n)
	if n = w.resolve(n); n == nil {
		at.bad = true
		return at
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(dst) != nil {
		w.ps.errorf(at, "%s must be true or false (got %s)", what, describeNode(n))
		at.bad = true
	}
	return at
}

func isNullNode(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// describeNode names what a node is, for "must be X (got Y)" messages.
func describeNode(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case isNullNode(n):
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
