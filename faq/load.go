package faq

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"syscall"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"travelbot/internal/yamlx"
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

// parse runs the three stages (YAML syntax, schema decoding, validation)
// and returns the decoded Document, which is meaningful only if ps has no
// errors. The schema is the Document struct itself: yamlx decodes by its
// yaml tags, and a check:"phrasing" tag counts and caps what Compile trains
// on.
func parse(data []byte, ps *problems) *Document {
	root := parseRoot(data, ps, "the top level is a mapping with version and entries")
	if root == nil {
		return nil
	}
	budget := &phrasingBudget{ps: ps}
	dec := &yamlx.Decoder{
		MaxNodes: maxNodes,
		MaxText:  MaxText,
		Checks:   map[string]yamlx.Check{"phrasing": budget.check},
		Report:   ps.yaml,
		Suggest:  ps.closest,
	}
	f := &Document{}
	pos := dec.Decode(root, f)
	if dec.Stopped() {
		return nil
	}
	if budget.features > MaxFeatures {
		// Known only once every phrasing is counted; still before any
		// of validation's or Compile's work on them.
		ps.errorf(nodeMark(root), "the file has too much to learn: about %d features from %d phrasings, over the limit of %d; split long phrasings or drop some",
			budget.features, budget.n, MaxFeatures)
		return nil
	}
	validate(f, &layout{root: nodeMark(root), pos: pos}, ps)
	return f
}

// mark is where a value sits in the file. The zero mark means the value was
// not in the file; bad means it was, but the walk already reported it as
// the wrong kind or type, so validation leaves it alone.
type mark struct {
	line, col int
	bad       bool
	items     int // for a list: its items, well-formed or not
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

// yaml records a problem found by the YAML decoder.
func (ps *problems) yaml(p yamlx.Problem) {
	ps.errorf(mark{line: p.Pos.Line, col: p.Pos.Col}, "%s", p.String())
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

// layout is where each value of a decoded Document sits in the file, so
// validation can point at it.
type layout struct {
	root mark
	pos  *yamlx.Positions
}

// at is where the value ptr points to (a field or an item of the Document
// being validated) was in the file.
func (l *layout) at(ptr any) mark {
	p := l.pos.Of(ptr)
	return mark{line: p.Line, col: p.Col, bad: p.Bad, items: p.Items}
}

// phrasingBudget counts the questions, alternates and negatives of one file
// as they are decoded: what Compile will train on.
type phrasingBudget struct {
	ps          *problems
	n, features int
	tooLong     map[*yaml.Node]bool // phrasings reported as too long
}

// check counts a phrasing against MaxPhrasings and MaxFeatures, and refuses
// one over MaxPhrasingRunes, before anything reads it twice.
func (b *phrasingBudget) check(d *yamlx.Decoder, target *yaml.Node, at yamlx.Pos, path, s string) bool {
	if b.n++; b.n > MaxPhrasings {
		d.Stop()
		d.Errorf(at, "", "the file has too many phrasings: over %d questions, alternates and negatives, counting each use of an alias", MaxPhrasings)
		return false
	}
	if len(s) > MaxPhrasingRunes && utf8.RuneCountInString(s) > MaxPhrasingRunes {
		// Reported at its first use only: an alias used a thousand times
		// is one mistake.
		if !b.tooLong[target] {
			if b.tooLong == nil {
				b.tooLong = make(map[*yaml.Node]bool)
			}
			b.tooLong[target] = true
			d.Errorf(at, path, "is over %d characters: a phrasing is a way to ask, the answer goes under answer", MaxPhrasingRunes)
		}
		return false
	}
	b.features += estimateFeatures(s)
	return true
}

// estimateFeatures bounds from above what extract makes of a phrasing of
// this length: per word a word and a pair feature, per character (spaces
// around words included) one character n-gram of each length.
func estimateFeatures(s string) int {
	words := strings.Count(s, " ") + 1
	return 2*words + (maxGram-minGram+1)*(len(s)+2*words)
}

// parseRoot parses a file of one of faq's formats (the FAQ, a cases file)
// into its top-level mapping, or reports why it is not one: over the size
// cap, a YAML syntax error, empty, or not a mapping (shape says what the
// top level must be). It returns nil when it reported a problem.
func parseRoot(data []byte, ps *problems, shape string) *yaml.Node {
	start := mark{line: 1, col: 1}
	if len(data) > MaxFileSize {
		ps.errorf(start, "the file is over the %d MiB limit", MaxFileSize>>20)
		return nil
	}
	root, syntax := yamlx.Parse(data)
	for _, p := range syntax {
		ps.yaml(p)
	}
	if root == nil {
		if !ps.failed {
			ps.errorf(start, "the file is empty: %s", shape)
		}
		return nil
	}
	if root.Kind != yaml.MappingNode {
		ps.errorf(nodeMark(root), "%s (got %s)", shape, yamlx.Describe(root))
		return nil
	}
	return root
}
