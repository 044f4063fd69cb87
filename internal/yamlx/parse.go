package yamlx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Parse reads data as a single YAML document and returns its root node. An
// empty document (nothing, or only comments) gives a nil root and no
// problem: whether that is an error is the caller's call. A syntax error
// gives a nil root and one problem, located where the operator has to edit;
// a second document is a problem, and the first one is still returned so
// that every problem shows at once. Parse never panics, whatever the bytes.
func Parse(data []byte) (*yaml.Node, []Problem) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	switch err := decodeSafely(dec, &doc); {
	case errors.Is(err, io.EOF):
		return nil, nil
	case err != nil:
		return nil, []Problem{syntaxProblem(err, data)}
	}
	var problems []Problem
	var next yaml.Node
	switch err := decodeSafely(dec, &next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, []Problem{syntaxProblem(err, data)}
	default:
		problems = append(problems, Problem{Pos: NodePos(&next), Msg: "only one YAML document is allowed per file"})
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, problems
	}
	return doc.Content[0], problems
}

// decodeSafely decodes the next document, turning a panic inside the YAML
// library into an error.
func decodeSafely(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: internal error: %v", r)
		}
	}()
	return dec.Decode(n)
}

// syntaxProblem locates a YAML library error. yaml.v3 has no typed syntax
// error: its message is "yaml: line N: what" (N is missing when it is the
// first line or the bytes themselves are bad), and never has a column. The
// line is read from that fixed prefix, and the place is then found in the
// bytes themselves (locateSyntax, findBadByte, findAlias).
func syntaxProblem(err error, data []byte) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	at := Pos{Line: 1, Col: 1}
	if line, rest, ok := lineOf(msg); ok {
		msg = rest
		at = locateSyntax(msg, line, data)
	} else if name, ok := unknownAnchor(msg); ok {
		if l, ok := findAlias(data, name); ok {
			at = l
		}
	} else if l, ok := findBadByte(data); ok {
		at = l
	} else {
		at = locateSyntax(msg, 0, data)
	}
	return Problem{Pos: at, Msg: "YAML syntax error: " + msg}
}

// lineOf splits "line N: what" into N and what.
func lineOf(msg string) (int, string, bool) {
	rest, ok := strings.CutPrefix(msg, "line ")
	if !ok {
		return 0, "", false
	}
	num, what, ok := strings.Cut(rest, ": ")
	n, err := strconv.Atoi(num)
	if !ok || err != nil {
		return 0, "", false
	}
	return n, what, true
}

// unknownAnchor reads the name out of "unknown anchor 'NAME' referenced".
func unknownAnchor(msg string) (string, bool) {
	rest, ok := strings.CutPrefix(msg, "unknown anchor '")
	if !ok {
		return "", false
	}
	return strings.CutSuffix(rest, "' referenced")
}

// findAlias finds the first use of the alias *name in data.
func findAlias(data []byte, name string) (Pos, bool) {
	needle := []byte("*" + name)
	for off := 0; ; {
		i := bytes.Index(data[off:], needle)
		if i < 0 {
			return Pos{}, false
		}
		end := off + i + len(needle)
		if end == len(data) || bytes.IndexByte([]byte(" \t\r\n,]}"), data[end]) >= 0 {
			return At(data, off+i), true
		}
		off += i + 1
	}
}

// findBadByte finds the first byte YAML refuses: invalid UTF-8 or a control
// character other than tab, newline and carriage return.
func findBadByte(data []byte) (Pos, bool) {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		bad := r == utf8.RuneError && size == 1 ||
			r < 0x20 && r != '\t' && r != '\n' && r != '\r' ||
			r >= 0x7f && r <= 0x9f && r != 0x85 ||
			r == 0xfffe || r == 0xffff
		if bad {
			return At(data, i), true
		}
		i += size
	}
	return Pos{}, false
}

// At converts a byte offset of data into a 1-based line and a 1-based
// column counted in characters, as the YAML library counts them.
func At(data []byte, off int) Pos {
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return Pos{Line: line, Col: utf8.RuneCount(before[lineStart:]) + 1}
}
