package discordtest

import (
	"bytes"
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// SpecFile is Discord's OpenAPI description (github.com/discord/discord-api-spec,
// MIT: spec/discord-openapi.LICENSE), a copy of ../shared/specs/ embedded
// in the fake so that its checks never depend on where the module is
// checked out. TestSpecIsTheSharedOne keeps the copy equal to the shared one.
const SpecFile = "spec/discord-openapi.json"

//go:embed spec/discord-openapi.json
var specJSON []byte

// specURL names the spec document inside the schema compiler.
const specURL = "file:///discord-openapi.json"

// Spec validates request bodies against Discord's OpenAPI description. It
// is safe for concurrent use; schemas are compiled on first use per route.
type Spec struct {
	doc    any
	routes []route

	mu       sync.Mutex
	compiled map[string]*jsonschema.Schema // by "METHOD template"
}

// route is one path template of the spec, split into segments; a segment
// "{x}" matches any one segment.
type route struct {
	template string
	segments []string
	methods  map[string]string // method -> JSON pointer to the request body schema
}

var (
	specOnce sync.Once
	spec     *Spec
	specErr  error
)

// LoadSpec indexes the embedded spec once per test binary.
func LoadSpec() (*Spec, error) {
	specOnce.Do(func() { spec, specErr = parseSpec(SpecFile, specJSON) })
	return spec, specErr
}

// RequireSpec returns the spec or fails the test: the spec is embedded, so
// an error means the copy is broken.
func RequireSpec(t testing.TB) *Spec {
	t.Helper()
	sp, err := LoadSpec()
	if err != nil {
		t.Fatalf("discordtest: Discord's OpenAPI spec: %v", err)
	}
	return sp
}

func parseSpec(path string, raw []byte) (*Spec, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("discordtest: %s: %w", path, err)
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("discordtest: %s is not an OpenAPI document", path)
	}
	paths, _ := root["paths"].(map[string]any)
	if len(paths) == 0 {
		return nil, fmt.Errorf("discordtest: %s has no paths", path)
	}
	closeObjects(root["components"])
	sp := &Spec{doc: doc, compiled: make(map[string]*jsonschema.Schema)}
	for tmpl, item := range paths {
		ops, _ := item.(map[string]any)
		r := route{template: tmpl, segments: strings.Split(strings.Trim(tmpl, "/"), "/"), methods: map[string]string{}}
		for method, v := range ops {
			op, isOp := v.(map[string]any)
			if !isOp || method == "parameters" {
				continue
			}
			body, _ := op["requestBody"].(map[string]any)
			content, _ := body["content"].(map[string]any)
			r.methods[strings.ToUpper(method)] = ""
			if _, ok := content["application/json"]; ok {
				r.methods[strings.ToUpper(method)] = "#/paths/" + pointerEscape(tmpl) + "/" + method + "/requestBody/content/application~1json/schema"
			}
		}
		sp.routes = append(sp.routes, r)
	}
	// Literal segments beat parameters: /messages/@original before
	// /messages/{message_id}.
	sort.Slice(sp.routes, func(i, j int) bool {
		return literals(sp.routes[i].segments) > literals(sp.routes[j].segments)
	})
	return sp, nil
}

// closeObjects makes every object schema with declared properties refuse
// the ones it does not declare (unevaluatedProperties: false, which looks
// through allOf/oneOf/anyOf). Discord's spec leaves objects open, so
// without this a misspelt or removed field would pass unseen; Discord
// itself ignores unknown fields, which is exactly how such a bug hides.
func closeObjects(v any) {
	switch x := v.(type) {
	case map[string]any:
		for _, c := range x {
			closeObjects(c)
		}
		if _, ok := x["properties"].(map[string]any); ok {
			if _, set := x["additionalProperties"]; !set {
				x["unevaluatedProperties"] = false
			}
		}
	case []any:
		for _, c := range x {
			closeObjects(c)
		}
	}
}

func literals(segs []string) int {
	n := 0
	for _, s := range segs {
		if !strings.HasPrefix(s, "{") {
			n++
		}
	}
	return n
}

func pointerEscape(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// match finds the route template of a concrete path (without /api/vN).
func (sp *Spec) match(path string) (route, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for _, r := range sp.routes {
		if len(r.segments) != len(segs) {
			continue
		}
		ok := true
		for i, s := range r.segments {
			if !strings.HasPrefix(s, "{") && s != segs[i] {
				ok = false
				break
			}
		}
		if ok {
			return r, true
		}
	}
	return route{}, false
}

func (sp *Spec) schema(method string, r route) (*jsonschema.Schema, error) {
	key := method + " " + r.template
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if s, ok := sp.compiled[key]; ok {
		return s, nil
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(specURL, sp.doc); err != nil {
		return nil, err
	}
	s, err := c.Compile(specURL + r.methods[method])
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", key, err)
	}
	sp.compiled[key] = s
	return s, nil
}

var printer = message.NewPrinter(language.English)

// Check validates one request against the spec: the route and method must
// exist, and a JSON body must match the route's request schema. Each
// problem names the route and the offending field. path is the URL path
// with or without the /api/v9 prefix.
func (sp *Spec) Check(method, path string, body []byte) []string {
	path = trimVersion(path)
	r, ok := sp.match(path)
	if !ok {
		return []string{fmt.Sprintf("%s %s: no such route in Discord's API", method, path)}
	}
	ptr, ok := r.methods[method]
	if !ok {
		return []string{fmt.Sprintf("%s %s: the route does not take %s", method, r.template, method)}
	}
	if ptr == "" {
		if len(bytes.TrimSpace(body)) > 0 {
			return []string{fmt.Sprintf("%s %s: takes no body", method, r.template)}
		}
		return nil
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return []string{fmt.Sprintf("%s %s: body is not JSON: %v", method, r.template, err)}
	}
	s, err := sp.schema(method, r)
	if err != nil {
		return []string{fmt.Sprintf("%s %s: %v", method, r.template, err)}
	}
	err = s.Validate(inst)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return []string{fmt.Sprintf("%s %s: %v", method, r.template, err)}
	}
	var out []string
	seen := map[string]bool{}
	for _, leaf := range leaves(ve) {
		p := fmt.Sprintf("%s %s: field /%s: %s", method, r.template, strings.Join(leaf.InstanceLocation, "/"), describe(leaf))
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// leaves returns the failures that say what is wrong. In a oneOf or anyOf
// over component or callback types every other branch fails too ("type
// must be 8", "want null"); the branch that got deepest into the body, then
// the one with the fewest failures, is the one the body meant, so only its
// failures are reported.
func leaves(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	var branches [][]*jsonschema.ValidationError
	for _, c := range e.Causes {
		branches = append(branches, leaves(c))
	}
	switch e.ErrorKind.(type) {
	case *kind.OneOf, *kind.AnyOf:
		if k, ok := e.ErrorKind.(*kind.OneOf); ok && len(k.Subschemas) > 1 {
			break // several matched: that is the failure itself
		}
		var best []*jsonschema.ValidationError
		for _, b := range branches {
			if best == nil || better(b, best) {
				best = b
			}
		}
		return best
	}
	var out []*jsonschema.ValidationError
	for _, b := range branches {
		out = append(out, b...)
	}
	return out
}

// better says whether branch a explains a failure better than branch b:
// a branch whose "type" discriminator does not match is never the one the
// body meant; then the deeper, then the fewer failures win.
func better(a, b []*jsonschema.ValidationError) bool {
	if wa, wb := wrongType(a), wrongType(b); wa != wb {
		return wb
	}
	if da, db := depth(a), depth(b); da != db {
		return da > db
	}
	return len(a) < len(b)
}

// wrongType reports whether a branch failed on a "type" value: the
// discriminator of Discord's unions (component, callback, option types).
func wrongType(es []*jsonschema.ValidationError) bool {
	for _, e := range es {
		switch e.ErrorKind.(type) {
		case *kind.Enum, *kind.Const:
			if n := len(e.InstanceLocation); n > 0 && e.InstanceLocation[n-1] == "type" {
				return true
			}
		}
	}
	return false
}

func depth(es []*jsonschema.ValidationError) int {
	d := 0
	for _, e := range es {
		d = max(d, len(e.InstanceLocation))
	}
	return d
}

// describe says one failure in words, naming an undeclared field as such.
func describe(e *jsonschema.ValidationError) string {
	if _, ok := e.ErrorKind.(*kind.FalseSchema); ok {
		return "not a field of this request in Discord's API"
	}
	return e.ErrorKind.LocalizedString(printer)
}

func trimVersion(path string) string {
	rest, ok := strings.CutPrefix(path, "/api/v")
	if !ok {
		return path
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[i:]
	}
	return "/"
}
