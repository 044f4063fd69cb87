package yamlx

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

type item struct {
	Name  string   `yaml:"name" check:"short"`
	Tags  []string `yaml:"tags"`
	Count int      `yaml:"count"`
}

type doc struct {
	Version int           `yaml:"version"`
	Ratio   float64       `yaml:"ratio"`
	On      bool          `yaml:"on"`
	Wait    time.Duration `yaml:"wait"`
	Items   []item        `yaml:"items"`
	Nested  *struct {
		Deep string `yaml:"deep"`
	} `yaml:"nested"`
	Skipped string `yaml:"-"`
}

// decode parses and decodes src into a doc, returning the problems as
// "LINE:COL: TEXT".
func decode(t *testing.T, src string, d *Decoder) (*doc, *Positions, []string) {
	t.Helper()
	var got []string
	d.Report = func(p Problem) { got = append(got, fmtProblem(p)) }
	if d.Checks == nil {
		d.Checks = map[string]Check{"short": func(d *Decoder, _ *yaml.Node, at Pos, path, s string) bool {
			if len(s) > 5 {
				d.Errorf(at, path, "is too long")
				return false
			}
			return true
		}}
	}
	d.Types = map[reflect.Type]TypeDecoder{reflect.TypeFor[time.Duration](): func(d *Decoder, n *yaml.Node, at Pos, path string, v reflect.Value) bool {
		dur, err := time.ParseDuration(n.Value)
		if n.Kind != yaml.ScalarNode || err != nil {
			d.Errorf(at, path, "must be a duration (got %s)", Describe(n))
			return false
		}
		v.SetInt(int64(dur))
		return true
	}}
	root, syntax := Parse([]byte(src))
	for _, p := range syntax {
		got = append(got, fmtProblem(p))
	}
	if root == nil {
		return nil, nil, got
	}
	var out doc
	pos := d.Decode(root, &out)
	return &out, pos, got
}

func fmtProblem(p Problem) string {
	return fmt.Sprintf("%02d:%02d: %s", p.Pos.Line, p.Pos.Col, p.String())
}

func TestDecodeProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"clean", "version: 1\nitems:\n  - name: a\n", nil},
		{"unknown key with a hint", "verison: 1\n", []string{`01:01: unknown key "verison" (did you mean "version"?)`}},
		{"unknown key without one", "zzz: 1\n", []string{`01:01: unknown key "zzz" (known keys: version, ratio, on, wait, items, nested)`}},
		{"duplicate key", "version: 1\nversion: 2\n", []string{`02:01: duplicate key "version" (first at line 1)`}},
		{"merge key refused", "a: &a {name: x}\n", []string{`01:01: unknown key "a" (known keys: version, ratio, on, wait, items, nested)`}},
		{"merge key in an item", "items:\n  - &i {name: x}\n  - <<: *i\n", []string{`03:05: items[1]: merge keys (<<) are not supported: write the keys out, or alias the whole value`}},
		{"kinds", "version: x\nratio: [1]\non: yes\nitems: {a: 1}\n", []string{
			`01:10: version: must be an integer (got "x")`,
			`02:08: ratio: must be a number (got a list)`,
			`03:05: on: must be true or false (got "yes")`,
			`04:08: items: must be a list (got a mapping)`,
		}},
		{"null item", "items:\n  -\n  - name: a\n", []string{`02:04: items[0]: must be a mapping (got nothing)`}},
		{"check", "items:\n  - name: toolong\n", []string{`02:11: items[0].name: is too long`}},
		{"type decoder", "wait: soon\n", []string{`01:07: wait: must be a duration (got "soon")`}},
		{"nested", "nested: {deep: [x]}\n", []string{`01:16: nested.deep: must be a string (got a list)`}},
		{"syntax", "version: 1\n  bad: [\n", []string{`02:06: YAML syntax error: mapping values are not allowed in this context`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, got := decode(t, tt.src, &Decoder{})
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestDecodeRenamedKey: a key listed in a field's was tag is named with the
// key it became, and its value is not taken, so an old file fails loudly
// instead of silently losing the setting.
func TestDecodeRenamedKey(t *testing.T) {
	var out struct {
		Telegram struct {
			APIBase string `yaml:"api_base" was:"api_endpoint,endpoint"`
			Admins  string `yaml:"admins"`
		} `yaml:"telegram"`
	}
	root, _ := Parse([]byte("telegram:\n  api_endpoint: http://a\n  endpoint: http://b\n  admns: x\n"))
	var got []string
	(&Decoder{Report: func(p Problem) { got = append(got, fmtProblem(p)) }}).Decode(root, &out)
	want := []string{
		`02:03: telegram: key "api_endpoint" is now "api_base": rename it`,
		`03:03: telegram: key "endpoint" is now "api_base": rename it`,
		`04:03: telegram: unknown key "admns" (did you mean "admins"?)`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if out.Telegram.APIBase != "" {
		t.Errorf("the old key's value was decoded: %q", out.Telegram.APIBase)
	}
}

func TestDecodeValuesAndPositions(t *testing.T) {
	src := "version: 3\nratio: 0.5\nwait: 2s\nitems:\n  - name: a\n    tags: [x, y]\n  - 7\n  - name: b\n    count: 2\nnested: {deep: z}\n"
	d, pos, problems := decode(t, src, &Decoder{})
	if len(problems) != 1 {
		t.Fatalf("problems %v, want the one bad item", problems)
	}
	if d.Version != 3 || d.Ratio != 0.5 || d.Wait != 2*time.Second || d.Nested == nil || d.Nested.Deep != "z" {
		t.Errorf("decoded %+v", d)
	}
	if len(d.Items) != 2 || d.Items[0].Name != "a" || d.Items[1].Name != "b" || d.Items[1].Count != 2 || !slices.Equal(d.Items[0].Tags, []string{"x", "y"}) {
		t.Errorf("items %+v, want a and b, the bad item left out", d.Items)
	}
	for _, tt := range []struct {
		what string
		got  Pos
		want Pos
	}{
		{"version", pos.Of(&d.Version), Pos{Line: 1, Col: 10}},
		{"items", pos.Of(&d.Items), Pos{Line: 5, Col: 3, Items: 3}},
		{"items[1]", pos.Of(&d.Items[1]), Pos{Line: 8, Col: 5}},
		{"items[1].count", pos.Of(&d.Items[1].Count), Pos{Line: 9, Col: 12}},
		{"items[0].tags[1]", pos.Of(&d.Items[0].Tags[1]), Pos{Line: 6, Col: 15}},
		{"on (absent)", pos.Of(&d.On), Pos{}},
	} {
		if tt.got != tt.want {
			t.Errorf("position of %s = %+v, want %+v", tt.what, tt.got, tt.want)
		}
	}
}

func TestDecodeBudgets(t *testing.T) {
	// Each level fans the one before out tenfold: a "billion laughs".
	var sb strings.Builder
	sb.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 7; i++ {
		sb.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := range 10 {
			if j > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("*a" + string(rune('0'+i-1)))
		}
		sb.WriteString("]\n")
	}
	sb.WriteString("items:\n  - tags: *a6\n")
	root, _ := Parse([]byte(sb.String()))
	var problems []Problem
	d := &Decoder{MaxNodes: 10_000, Report: func(p Problem) { problems = append(problems, p) }}
	var out struct {
		Items []struct {
			Tags [][][][][][][]string `yaml:"tags"`
		} `yaml:"items"`
	}
	// The a0..a6 keys are unknown: the struct has only items.
	d.Decode(root, &out)
	if !d.Stopped() {
		t.Fatalf("a million-value alias fan-out decoded without hitting the node budget")
	}
	if last := problems[len(problems)-1]; !strings.Contains(last.Msg, "too complex") || last.Pos.Line != 9 {
		t.Errorf("last problem %+v, want the node budget at the alias on line 9", last)
	}

	root, _ = Parse([]byte("items: [{name: " + strings.Repeat("x", 100) + "}, {name: " + strings.Repeat("y", 100) + "}]\n"))
	text := &Decoder{MaxText: 150, Checks: map[string]Check{"short": func(*Decoder, *yaml.Node, Pos, string, string) bool { return true }}}
	var small doc
	text.Decode(root, &small)
	if !text.Stopped() {
		t.Errorf("200 bytes of text decoded under a 150-byte budget")
	}
}

func TestClosest(t *testing.T) {
	keys := []string{"question", "alternates", "answer"}
	for _, tt := range []struct {
		name, want string
		ok         bool
	}{
		{"qestion", "question", true},
		{"Answer", "answer", true},
		{"alternate", "alternates", true},
		{"zebra", "", false},
	} {
		got, ok := Closest(tt.name, keys, nil)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Closest(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	spent := 0
	if _, ok := Closest("qestion", keys, &spent); ok {
		t.Errorf("Closest suggested with its budget spent")
	}
}
