package telegramtest

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// allowedTags are the tags Telegram's HTML parse mode understands
// (https://core.telegram.org/bots/api#html-style). Anything else makes
// sendMessage fail with "can't parse entities".
var allowedTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "a": true, "code": true, "pre": true,
	"span": true, "tg-spoiler": true, "tg-emoji": true, "blockquote": true,
}

// namedEntities are the only named entities Telegram accepts.
var namedEntities = map[string]string{"lt": "<", "gt": ">", "amp": "&", "quot": `"`}

// CheckHTML parses s the way Telegram's HTML parse mode does, strictly: only
// the allowed tags, balanced and properly nested, <a> only with an href,
// only &lt; &gt; &amp; &quot; and numeric entities, no bare '<', '>' or '&',
// valid UTF-8. It returns the visible text (tags removed, entities decoded),
// whose length in UTF-16 units is what Telegram limits to 4096.
func CheckHTML(s string) (visible string, err error) {
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("text is not valid UTF-8")
	}
	var out strings.Builder
	var stack []string
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return "", fmt.Errorf("offset %d: unclosed tag", i)
			}
			tag := s[i+1 : i+end]
			if strings.ContainsRune(tag, '<') {
				return "", fmt.Errorf("offset %d: '<' inside a tag", i)
			}
			if strings.HasPrefix(tag, "/") {
				name := strings.ToLower(strings.TrimSpace(tag[1:]))
				if len(stack) == 0 || stack[len(stack)-1] != name {
					return "", fmt.Errorf("offset %d: unexpected end tag </%s> (open: %v)", i, name, stack)
				}
				stack = stack[:len(stack)-1]
			} else {
				name, attrs, err := parseTag(tag)
				if err != nil {
					return "", fmt.Errorf("offset %d: %w", i, err)
				}
				if !allowedTags[name] {
					return "", fmt.Errorf("offset %d: unsupported tag <%s>", i, name)
				}
				if name == "a" {
					if _, ok := attrs["href"]; !ok {
						return "", fmt.Errorf("offset %d: <a> without href", i)
					}
					for _, open := range stack {
						if open == "a" {
							return "", fmt.Errorf("offset %d: nested <a>", i)
						}
					}
				}
				stack = append(stack, name)
			}
			i += end + 1
		case '>':
			return "", fmt.Errorf("offset %d: bare '>'", i)
		case '&':
			end := strings.IndexByte(s[i:], ';')
			if end < 0 || end > 12 {
				return "", fmt.Errorf("offset %d: bare '&'", i)
			}
			dec, err := decodeEntity(s[i+1 : i+end])
			if err != nil {
				return "", fmt.Errorf("offset %d: %w", i, err)
			}
			out.WriteString(dec)
			i += end + 1
		default:
			out.WriteByte(c)
			i++
		}
	}
	if len(stack) > 0 {
		return "", fmt.Errorf("unclosed tags %v", stack)
	}
	return out.String(), nil
}

func parseTag(tag string) (name string, attrs map[string]string, err error) {
	name, rest, _ := strings.Cut(tag, " ")
	name = strings.ToLower(name)
	attrs = map[string]string{}
	rest = strings.TrimSpace(rest)
	for rest != "" {
		key, after, ok := strings.Cut(rest, "=")
		if !ok {
			return "", nil, fmt.Errorf("attribute %q without value", rest)
		}
		key = strings.ToLower(strings.TrimSpace(key))
		after = strings.TrimSpace(after)
		if after == "" || (after[0] != '"' && after[0] != '\'') {
			return "", nil, fmt.Errorf("attribute %s: value not quoted", key)
		}
		q := after[0]
		end := strings.IndexByte(after[1:], q)
		if end < 0 {
			return "", nil, fmt.Errorf("attribute %s: unterminated value", key)
		}
		raw := after[1 : 1+end]
		val, err := decodeAttr(raw)
		if err != nil {
			return "", nil, fmt.Errorf("attribute %s: %w", key, err)
		}
		attrs[key] = val
		rest = strings.TrimSpace(after[2+end:])
	}
	return name, attrs, nil
}

func decodeAttr(raw string) (string, error) {
	var sb strings.Builder
	for i := 0; i < len(raw); {
		if raw[i] != '&' {
			sb.WriteByte(raw[i])
			i++
			continue
		}
		end := strings.IndexByte(raw[i:], ';')
		if end < 0 {
			return "", fmt.Errorf("bare '&'")
		}
		dec, err := decodeEntity(raw[i+1 : i+end])
		if err != nil {
			return "", err
		}
		sb.WriteString(dec)
		i += end + 1
	}
	return sb.String(), nil
}

func decodeEntity(name string) (string, error) {
	if v, ok := namedEntities[name]; ok {
		return v, nil
	}
	if strings.HasPrefix(name, "#") {
		num := name[1:]
		base := 10
		if strings.HasPrefix(num, "x") || strings.HasPrefix(num, "X") {
			num, base = num[1:], 16
		}
		n, err := strconv.ParseUint(num, base, 32)
		if err != nil || n == 0 || n > utf8.MaxRune {
			return "", fmt.Errorf("bad numeric entity &%s;", name)
		}
		return string(rune(n)), nil
	}
	return "", fmt.Errorf("unsupported entity &%s;", name)
}

// UTF16Len is the length of s in UTF-16 code units, the unit of Telegram's
// message limits and entity offsets.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n += len(utf16.Encode([]rune{r}))
	}
	return n
}
