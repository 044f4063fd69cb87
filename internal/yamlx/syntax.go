package yamlx

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// The YAML library reports a syntax error at its "context" (where the
// construct that failed began), never at the problem itself, with no column,
// and for parser errors (as opposed to scanner errors) on the line before
// the context. locateSyntax turns that into the place an operator has to
// edit, by looking at the lines themselves for what the message is about.

// parserErrors are the messages the library's parser (not its scanner)
// gives; their line is the 0-based line of the context.
var parserErrors = []string{
	"did not find expected node content",
	"did not find expected key",
	"did not find expected '-' indicator",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"did not find expected <document start>",
	"found incompatible YAML document",
	"found duplicate %YAML directive",
}

// locateSyntax finds where the problem msg, reported by the library at
// line (1-based as printed, 0 when it gave none), is in data.
func locateSyntax(msg string, line int, data []byte) Pos {
	lines := bytes.Split(data, []byte("\n"))
	ctx := line
	for _, p := range parserErrors {
		if strings.HasPrefix(msg, p) {
			ctx++
			break
		}
	}
	ctx = max(1, min(ctx, len(lines)))
	first := func(l int) Pos { return Pos{Line: l, Col: firstNonSpace(lines[l-1])} }
	switch {
	case strings.Contains(msg, "tab character") || strings.HasPrefix(msg, "found character that cannot start any token"):
		// A tab where indentation was expected, at or after the context.
		for l := max(1, line); l <= len(lines); l++ {
			if i := indentTab(lines[l-1]); i >= 0 {
				return Pos{Line: l, Col: runeCol(lines[l-1], i)}
			}
		}
		return first(ctx)
	case strings.HasPrefix(msg, "mapping values are not allowed"):
		if i := colonAt(lines[ctx-1]); i >= 0 {
			return Pos{Line: ctx, Col: runeCol(lines[ctx-1], i)}
		}
		return first(ctx)
	case strings.HasPrefix(msg, "did not find expected '-' indicator"), strings.HasPrefix(msg, "did not find expected key"):
		return misindented(lines, ctx)
	case strings.HasPrefix(msg, "did not find expected ',' or ']'"):
		return charOn(lines, ctx, "[")
	case strings.HasPrefix(msg, "did not find expected ',' or '}'"):
		return charOn(lines, ctx, "{")
	case strings.HasPrefix(msg, "found unexpected end of stream"):
		// An unterminated quoted string: point at its opening quote.
		return charOn(lines, ctx, `"'`)
	}
	return first(ctx)
}

// misindented finds, in the block that starts on line start, the first line
// whose indentation fits neither the block nor its items.
func misindented(lines [][]byte, start int) Pos {
	head := lines[start-1]
	indent := firstNonSpace(head) - 1
	if indent >= len(head) {
		return Pos{Line: start, Col: 1}
	}
	seq := bytes.HasPrefix(head[indent:], []byte("- ")) || bytes.Equal(head[indent:], []byte("-"))
	content := indent + 2 // where an item's mapping keys sit: after "- "
	for l := start + 1; l <= len(lines); l++ {
		text := lines[l-1]
		trimmed := bytes.TrimSpace(text)
		if len(trimmed) == 0 || trimmed[0] == '#' {
			continue
		}
		in := firstNonSpace(text) - 1
		switch {
		case in < indent:
			return Pos{Line: start, Col: indent + 1}
		case in == indent && seq != (trimmed[0] == '-'):
			return Pos{Line: l, Col: in + 1}
		case seq && in > indent && in < content:
			return Pos{Line: l, Col: in + 1}
		}
	}
	return Pos{Line: start, Col: indent + 1}
}

// charOn is the first of chars on line l, or its first non-space character.
func charOn(lines [][]byte, l int, chars string) Pos {
	text := lines[l-1]
	if i := bytes.IndexAny(text, chars); i >= 0 {
		return Pos{Line: l, Col: runeCol(text, i)}
	}
	return Pos{Line: l, Col: firstNonSpace(text)}
}

// firstNonSpace is the 1-based column of the first character of line that
// is not a space, or 1.
func firstNonSpace(line []byte) int {
	for i, c := range line {
		if c != ' ' {
			return runeCol(line, i)
		}
	}
	return 1
}

// indentTab is the byte offset of a tab in line's leading whitespace, or -1.
func indentTab(line []byte) int {
	for i, c := range line {
		switch c {
		case ' ', '-':
		case '\t':
			return i
		default:
			return -1
		}
	}
	return -1
}

// colonAt is the byte offset of the mapping indicator (": ", or a final
// ':') that YAML refuses on line: the second on the line, or the only one
// (a line that continues the value above).
func colonAt(line []byte) int {
	line = bytes.TrimRight(line, " \r")
	found := -1
	for i, c := range line {
		if c == ':' && (i+1 == len(line) || line[i+1] == ' ') {
			if found >= 0 {
				return i
			}
			found = i
		}
	}
	return found
}

// runeCol is the 1-based column, in characters, of byte offset i of line.
func runeCol(line []byte, i int) int { return utf8.RuneCount(line[:i]) + 1 }
