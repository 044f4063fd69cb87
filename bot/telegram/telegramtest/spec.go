package telegramtest

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// Spec is the Telegram Bot API's machine-readable description
// (SpecFile, a copy of ../shared/specs/telegram-bot-api.json: every
// method's parameters with their types and whether they are required, every
// type's fields). The fake checks every request against it, so a parameter
// Telegram has removed, renamed or never had fails the test instead of being
// silently ignored as Telegram would ignore it.
type Spec struct {
	// Version is the Bot API version the file describes ("Bot API 10.1").
	Version string
	methods map[string]specObject
	types   map[string]specObject
}

type specObject struct {
	Name      string      `json:"name"`
	Fields    []specField `json:"fields"`
	Subtypes  []string    `json:"subtypes"`
	SubtypeOf []string    `json:"subtype_of"`
}

type specField struct {
	Name        string   `json:"name"`
	Types       []string `json:"types"`
	Required    bool     `json:"required"`
	Description string   `json:"description"`
}

// SpecFile is the Bot API description (github.com/PaulSonOfLars/telegram-bot-api-spec,
// MIT: spec/telegram-bot-api.LICENSE), a copy of ../shared/specs/ embedded
// in the fake so that its checks never depend on where the module is
// checked out. TestSpecIsTheSharedOne keeps the copy equal to the shared one.
const SpecFile = "spec/telegram-bot-api.json"

//go:embed spec/telegram-bot-api.json
var specJSON []byte

var (
	specOnce   sync.Once
	loadedSpec *Spec
	specErr    error
)

// LoadSpec parses the embedded spec once per process.
func LoadSpec() (*Spec, error) {
	specOnce.Do(func() { loadedSpec, specErr = parseSpec(specJSON) })
	return loadedSpec, specErr
}

// RequireSpec returns the spec for a test that is about the spec; the spec
// is embedded, so an error means the copy is broken and fails the test.
func RequireSpec(tb testing.TB) *Spec {
	tb.Helper()
	s, err := LoadSpec()
	if err != nil {
		tb.Fatalf("%v", err)
	}
	return s
}

func parseSpec(b []byte) (*Spec, error) {
	var raw struct {
		Version string                `json:"version"`
		Methods map[string]specObject `json:"methods"`
		Types   map[string]specObject `json:"types"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("telegramtest: the spec does not parse: %w", err)
	}
	if len(raw.Methods) == 0 || len(raw.Types) == 0 {
		return nil, errors.New("telegramtest: the spec has no methods or no types")
	}
	return &Spec{Version: raw.Version, methods: raw.Methods, types: raw.Types}, nil
}

// HasMethod reports whether the Bot API has the method.
func (s *Spec) HasMethod(method string) bool {
	_, ok := s.methods[method]
	return ok
}

// CheckRequest checks one call's form parameters against the method's
// description: the method exists, every parameter is one the method has,
// every required one is there, and every value has one of the declared
// types. JSON-serialized parameters (reply_markup, link_preview_options,
// results, ...) are decoded and checked field by field against their types,
// recursively. It returns every problem found, each naming the method and
// the parameter or field path; nil means the request is as documented.
func (s *Spec) CheckRequest(method string, form url.Values) []string {
	m, ok := s.methods[method]
	if !ok {
		return []string{fmt.Sprintf("%s: no such method in %s", method, s.Version)}
	}
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, method+": "+fmt.Sprintf(format, args...))
	}
	known := map[string]specField{}
	for _, f := range m.Fields {
		known[f.Name] = f
	}
	names := make([]string, 0, len(form))
	for name := range form {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f, ok := known[name]
		if !ok {
			add("unknown parameter %q", name)
			continue
		}
		if len(form[name]) != 1 {
			add("parameter %q given %d times", name, len(form[name]))
		}
		for _, p := range s.checkParam(name, form.Get(name), f.Types) {
			add("%s", p)
		}
	}
	for _, f := range m.Fields {
		if f.Required && !form.Has(f.Name) {
			add("required parameter %q missing", f.Name)
		}
	}
	return problems
}

// checkParam checks a form value: scalars are plain strings, everything
// else a JSON serialization.
func (s *Spec) checkParam(name, value string, types []string) []string {
	var best []string
	for _, t := range types {
		var problems []string
		switch t {
		case "Integer":
			if _, err := strconv.ParseInt(value, 10, 64); err != nil {
				problems = []string{fmt.Sprintf("%s: %q is not an Integer", name, value)}
			}
		case "Float":
			if _, err := strconv.ParseFloat(value, 64); err != nil {
				problems = []string{fmt.Sprintf("%s: %q is not a Float", name, value)}
			}
		case "Boolean":
			if value != "true" && value != "false" {
				problems = []string{fmt.Sprintf("%s: %q is not a Boolean", name, value)}
			}
		case "String", "InputFile":
			if !utf8.ValidString(value) {
				problems = []string{name + ": not valid UTF-8"}
			}
		default:
			var v any
			if err := json.Unmarshal([]byte(value), &v); err != nil {
				problems = []string{fmt.Sprintf("%s: not a JSON-serialized %s: %v", name, t, err)}
			} else {
				problems = s.checkValue(name, v, t)
			}
		}
		if len(problems) == 0 {
			return nil
		}
		if best == nil || len(problems) < len(best) {
			best = problems
		}
	}
	return best
}

// checkValue checks a decoded JSON value against a type ("Integer",
// "Array of String", "InlineKeyboardMarkup", ...).
func (s *Spec) checkValue(path string, v any, typ string) []string {
	if v == nil {
		// Optional fields are left out, never null: Telegram documents no
		// null anywhere in what a bot sends.
		return []string{fmt.Sprintf("%s: null where %s is expected", path, article(typ))}
	}
	if elem, ok := strings.CutPrefix(typ, "Array of "); ok {
		arr, ok := v.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %s where %s is expected", path, jsonKind(v), article(typ))}
		}
		var problems []string
		for i, x := range arr {
			problems = append(problems, s.checkValue(fmt.Sprintf("%s[%d]", path, i), x, elem)...)
		}
		return problems
	}
	switch typ {
	case "Integer":
		if n, ok := v.(float64); !ok || n != float64(int64(n)) {
			return []string{fmt.Sprintf("%s: %s where an Integer is expected", path, jsonKind(v))}
		}
		return nil
	case "Float":
		if _, ok := v.(float64); !ok {
			return []string{fmt.Sprintf("%s: %s where a Float is expected", path, jsonKind(v))}
		}
		return nil
	case "Boolean", "True":
		if _, ok := v.(bool); !ok {
			return []string{fmt.Sprintf("%s: %s where a Boolean is expected", path, jsonKind(v))}
		}
		return nil
	case "String", "InputFile":
		if _, ok := v.(string); !ok {
			return []string{fmt.Sprintf("%s: %s where a String is expected", path, jsonKind(v))}
		}
		return nil
	}
	t, ok := s.types[typ]
	if !ok {
		return []string{fmt.Sprintf("%s: type %s is not in the spec", path, typ)}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("%s: %s where a %s object is expected", path, jsonKind(v), typ)}
	}
	if len(t.Subtypes) > 0 {
		return s.checkUnion(path, obj, t)
	}
	return s.checkObject(path, obj, t)
}

// checkUnion checks an object against a type that is one of several (an
// InlineQueryResult, an InputMessageContent): the subtype its "type" field
// names, or else the subtype it fits best.
func (s *Spec) checkUnion(path string, obj map[string]any, t specObject) []string {
	if tag, ok := obj["type"].(string); ok {
		for _, name := range t.Subtypes {
			if discriminator(s.types[name]) == tag {
				return s.checkObject(path, obj, s.types[name])
			}
		}
	}
	var best []string
	for _, name := range t.Subtypes {
		sub, ok := s.types[name]
		if !ok {
			continue
		}
		if discriminator(sub) != "" {
			continue // would have matched by its type field
		}
		problems := s.checkObject(path, obj, sub)
		if len(problems) == 0 {
			return nil
		}
		if best == nil || len(problems) < len(best) {
			best = problems
		}
	}
	if best == nil {
		return []string{fmt.Sprintf("%s: fits none of the kinds of %s (%s)", path, t.Name, strings.Join(t.Subtypes, ", "))}
	}
	return best
}

var discriminatorPattern = regexp.MustCompile(`(?:must be|always) "?([a-z_]+)"?`)

// discriminator is the value a subtype's "type" field must have ("article"
// for InlineQueryResultArticle), "" when it has none.
func discriminator(t specObject) string {
	for _, f := range t.Fields {
		if f.Name == "type" {
			if m := discriminatorPattern.FindStringSubmatch(f.Description); m != nil {
				return m[1]
			}
		}
	}
	return ""
}

func (s *Spec) checkObject(path string, obj map[string]any, t specObject) []string {
	var problems []string
	known := map[string]specField{}
	for _, f := range t.Fields {
		known[f.Name] = f
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f, ok := known[k]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: %s has no field %q", path, t.Name, k))
			continue
		}
		var best []string
		for _, typ := range f.Types {
			p := s.checkValue(path+"."+k, obj[k], typ)
			if len(p) == 0 {
				best = nil
				break
			}
			if best == nil || len(p) < len(best) {
				best = p
			}
		}
		problems = append(problems, best...)
	}
	for _, f := range t.Fields {
		if _, ok := obj[f.Name]; f.Required && !ok {
			problems = append(problems, fmt.Sprintf("%s: %s requires field %q", path, t.Name, f.Name))
		}
	}
	if tag := discriminator(t); tag != "" {
		if got, _ := obj["type"].(string); got != tag {
			problems = append(problems, fmt.Sprintf("%s: %s must have type %q, not %q", path, t.Name, tag, got))
		}
	}
	return problems
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a Boolean"
	case float64:
		return "a number"
	case string:
		return "a String"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// article puts "a" or "an" before a type name.
func article(typ string) string {
	if strings.ContainsRune("AEIOU", rune(typ[0])) {
		return "an " + typ
	}
	return "a " + typ
}
