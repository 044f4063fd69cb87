package faq

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ErrPhrasingExists is returned by AddPhrasing when the list already holds
// the phrasing (compared as the matcher compares phrasings).
var ErrPhrasingExists = errors.New("faq: the phrasing is already there")

// AddPhrasing returns the FAQ file data with text added as one more
// alternate of the entry entryID, or, with negative, as one more of the
// top-level negatives. Everything else in the file stays byte for byte:
// comments, key order, quoting, indentation. The YAML node tree says where
// the list is; the new item is inserted as text at that place, because
// re-encoding the tree would not keep the layout. In the usual case (a block
// list) the change is one added line; a one-line flow list ([a, b]) gets the
// item on its line, and a missing list is added as one line
// (alternates: [text]). name is the file's name for messages. The result is
// not validated: parse and compile it before writing it.
func AddPhrasing(data []byte, name, entryID, text string, negative bool) ([]byte, error) {
	text = strings.TrimSpace(text)
	if text == "" || strings.ContainsAny(text, "\n\r") {
		return nil, fmt.Errorf("faq: edit %s: the phrasing must be one non-empty line", name)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("faq: edit %s: %w", name, err)
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("faq: edit %s: the top level is not a mapping", name)
	}
	doc := root.Content[0]
	e := &editor{lines: splitLines(data), name: name}
	listKey := "alternates"
	parent := doc
	if negative {
		listKey = "negatives"
	} else {
		parent = findEntry(doc, entryID)
		if parent == nil {
			return nil, fmt.Errorf("faq: edit %s: no entry with id %q", name, entryID)
		}
	}
	key, list := lookup(parent, listKey)
	if list != nil {
		for _, item := range list.Content {
			if item.Kind == yaml.ScalarNode && phrasingKey(item.Value) == phrasingKey(text) {
				return nil, fmt.Errorf("%w: %s:%d: %q", ErrPhrasingExists, name, item.Line, item.Value)
			}
		}
	}
	item := quoteScalar(text)
	switch {
	case list == nil || (list.Kind == yaml.ScalarNode && list.Tag == "!!null"):
		if err := e.addList(parent, key, listKey, item); err != nil {
			return nil, err
		}
	case list.Kind != yaml.SequenceNode:
		return nil, fmt.Errorf("faq: edit %s:%d: %s is not a list", name, list.Line, listKey)
	case list.Style&yaml.FlowStyle != 0:
		if err := e.addFlow(list, item); err != nil {
			return nil, err
		}
	case len(list.Content) == 0:
		return nil, fmt.Errorf("faq: edit %s:%d: %s is an empty block list", name, list.Line, listKey)
	default:
		e.addBlock(list, item)
	}
	return e.bytes(), nil
}

// findEntry returns the mapping of the entry with the given id.
func findEntry(doc *yaml.Node, id string) *yaml.Node {
	_, entries := lookup(doc, "entries")
	if entries == nil || entries.Kind != yaml.SequenceNode {
		return nil
	}
	for _, item := range entries.Content {
		if item.Kind != yaml.MappingNode {
			continue
		}
		if _, v := lookup(item, "id"); v != nil && v.Kind == yaml.ScalarNode && v.Value == id {
			return item
		}
	}
	return nil
}

// lookup finds a key in a mapping: the key node and its value.
func lookup(m *yaml.Node, key string) (k, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// plainSafe is what may be written without quotes and reads back as the
// same string.
var plainSafe = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N} ,.'’?!()/&+-]*$`)

// quoteScalar writes text as a YAML scalar: plain when that reads back as
// the same string, double-quoted (JSON's escapes are YAML's) otherwise.
func quoteScalar(text string) string {
	if plainSafe.MatchString(text) && !strings.Contains(text, ": ") && !strings.HasSuffix(text, ":") {
		var back []any
		if err := yaml.Unmarshal([]byte("- "+text), &back); err == nil && len(back) == 1 {
			if s, ok := back[0].(string); ok && s == text {
				return text
			}
		}
	}
	b, _ := json.Marshal(text) // a string always marshals
	return string(b)
}

// editor inserts text into a file's lines.
type editor struct {
	lines []string // each with its line ending, the last maybe without
	name  string
}

func splitLines(data []byte) []string {
	var out []string
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			out = append(out, string(data))
			break
		}
		out = append(out, string(data[:i+1]))
		data = data[i+1:]
	}
	return out
}

func (e *editor) bytes() []byte { return []byte(strings.Join(e.lines, "")) }

// eol is the file's line ending.
func (e *editor) eol() string {
	for _, l := range e.lines {
		if strings.HasSuffix(l, "\r\n") {
			return "\r\n"
		}
	}
	return "\n"
}

// insert puts a new line before line index i (0-based).
func (e *editor) insert(i int, line string) {
	if i > 0 && i == len(e.lines) && !strings.HasSuffix(e.lines[i-1], "\n") {
		e.lines[i-1] += e.eol()
	}
	e.lines = append(e.lines[:i], append([]string{line + e.eol()}, e.lines[i:]...)...)
}

// indentOf is the number of leading spaces of a line.
func indentOf(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }

func blankOrComment(l string) bool {
	t := strings.TrimSpace(l)
	return t == "" || strings.HasPrefix(t, "#")
}

// endOf returns the index of the line after the node that starts on line
// (1-based) at column col: the following lines indented deeper than
// indent belong to it.
func (e *editor) endOf(line, indent int) int {
	i := line // the line after the node's first, 0-based
	for i < len(e.lines) {
		l := e.lines[i]
		if blankOrComment(l) || indentOf(l) <= indent {
			break
		}
		i++
	}
	return i
}

// addBlock appends an item to a block list, after its last item, with the
// same prefix ("    - ") as that item.
func (e *editor) addBlock(list *yaml.Node, item string) {
	last := list.Content[len(list.Content)-1]
	l := strings.TrimRight(e.lines[last.Line-1], "\r\n")
	prefix := ""
	if last.Column-1 <= len(l) {
		prefix = l[:last.Column-1]
	}
	dash := strings.LastIndexByte(prefix, '-')
	if dash < 0 || strings.TrimLeft(prefix[:dash], " ") != "" {
		// "- - x" or an odd layout: rebuild the prefix from the dash
		// column of the first item
		dash = max(0, list.Column-1)
		prefix = strings.Repeat(" ", dash) + "- "
	} else {
		prefix = strings.Repeat(" ", dash) + prefix[dash:]
	}
	e.insert(e.endOf(last.Line, dash), prefix+item)
}

// addFlow adds an item inside a one-line flow list, before its "]".
func (e *editor) addFlow(list *yaml.Node, item string) error {
	i := list.Line - 1
	l := e.lines[i]
	start := list.Column - 1 // the "["
	end := closingBracket(l, start)
	if end < 0 {
		return fmt.Errorf("faq: edit %s:%d: the list spans several lines; write it as a block list (one \"- item\" per line) and promote again", e.name, list.Line)
	}
	sep := ", "
	if len(list.Content) == 0 {
		sep = ""
	}
	inner := strings.TrimRight(l[start+1:end], " ")
	e.lines[i] = l[:start+1] + inner + sep + item + l[end:]
	return nil
}

// closingBracket finds the "]" that closes the flow list opening at
// l[open], skipping quoted strings, or -1 when it is not on this line.
func closingBracket(l string, open int) int {
	depth := 0
	for i := open; i < len(l); i++ {
		switch l[i] {
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return i
			}
		case '"':
			for i++; i < len(l) && l[i] != '"'; i++ {
				if l[i] == '\\' {
					i++
				}
			}
		case '\'':
			for i++; i < len(l); i++ {
				if l[i] == '\'' {
					if i+1 < len(l) && l[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
		case '#':
			if i > 0 && l[i-1] == ' ' {
				return -1
			}
		}
	}
	return -1
}

// addList adds "KEY: [item]" to a mapping that lacks the list (or has it
// empty, "KEY:"): for an entry, after its question; for the top level, at
// the end of the file.
func (e *editor) addList(m, key *yaml.Node, listKey, item string) error {
	if key != nil {
		// "alternates:" with nothing: put the list on its line
		i := key.Line - 1
		l := strings.TrimRight(e.lines[i], "\r\n")
		colon := strings.Index(l[key.Column-1:], ":")
		if colon < 0 {
			return fmt.Errorf("faq: edit %s:%d: cannot find %s's colon", e.name, key.Line, listKey)
		}
		at := key.Column - 1 + colon + 1
		rest := l[at:]
		if t := strings.TrimSpace(rest); t != "" && t != "~" && t != "null" && !strings.HasPrefix(t, "#") {
			return fmt.Errorf("faq: edit %s:%d: unexpected %s value", e.name, key.Line, listKey)
		}
		comment := ""
		if h := strings.Index(rest, "#"); h >= 0 {
			comment = " " + rest[h:]
		}
		e.lines[i] = l[:at] + " [" + item + "]" + comment + e.eol()
		if i == len(e.lines)-1 && !strings.HasSuffix(string(e.bytes()), "\n") {
			e.lines[i] = strings.TrimSuffix(e.lines[i], e.eol())
		}
		return nil
	}
	indent := 0
	if len(m.Content) > 0 {
		indent = m.Content[0].Column - 1
	}
	line := strings.Repeat(" ", indent) + listKey + ": [" + item + "]"
	if listKey == "negatives" {
		e.insert(len(e.lines), line)
		return nil
	}
	qk, qv := lookup(m, "question")
	if qk == nil {
		qk, qv = lookup(m, "id")
	}
	if qk == nil {
		return fmt.Errorf("faq: edit %s:%d: the entry has neither id nor question", e.name, m.Line)
	}
	after := e.endOf(qv.Line, indent)
	// the next key's comments stay with it: insert above them
	for after > qv.Line && after <= len(e.lines) && blankOrComment(e.lines[after-1]) {
		after--
	}
	e.insert(after, line)
	return nil
}
