package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"travelbot/faq"
)

// evalReport is what `eval --json` prints: the matcher's report plus what
// the command itself measured.
type evalReport struct {
	*faq.Report
	FAQ       string  `json:"faq"`
	Entries   int     `json:"entries"`
	CompileMs float64 `json:"compile_ms"`
}

// eval runs a cases file against an FAQ and reports matching quality and
// speed. It exits 1 when in-scope accuracy is below --min-accuracy, so FAQ
// authors can gate their CI on it.
func (m *Main) eval(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	faqPath := fs.String("faq", "", "FAQ `file` (default: the embedded FAQ)")
	casesPath := fs.String("cases", "", "cases `file`: cases: [{question: ..., expect: <entry id> | none, lang: <code>, urgency: urgent | none}] (required; more files may follow the flags)")
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	minAcc := fs.Float64("min-accuracy", 0, "exit 1 when in-scope accuracy is below `X` (0-1, or a percentage)")
	showErrors := fs.Int("show-errors", 20, "how many failed cases to list in the text report")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if *casesPath == "" {
		fmt.Fprintln(m.Stderr, "usage: travelbot eval [--faq FILE] [--json] [--min-accuracy X] --cases FILE [FILE...]")
		return &exitError{code: 2}
	}
	f, err := loadFAQ(*faqPath)
	if err != nil {
		return faqError(err)
	}
	var cases []faq.Case
	for _, path := range append([]string{*casesPath}, fs.Args()...) {
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		cs, err := faq.ParseCases(path, data)
		if err != nil {
			return faqError(err)
		}
		cases = append(cases, cs...)
	}
	start := time.Now()
	t, err := faq.Compile(f)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	compile := time.Since(start)
	rep, err := faq.Evaluate(t, cases)
	if err != nil {
		return err
	}
	out := evalReport{Report: rep, FAQ: f.File, Entries: t.Len(), CompileMs: float64(compile.Microseconds()) / 1e3}
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		m.printEval(out, *showErrors)
	}
	threshold := *minAcc
	if threshold > 1 {
		threshold /= 100
	}
	if rep.InScope > 0 && rep.InScopeAccuracy < threshold { // no in-scope cases: nothing to gate
		return &exitError{code: 1, msg: fmt.Sprintf("eval: in-scope accuracy %.1f%% is below --min-accuracy %.1f%%", 100*rep.InScopeAccuracy, 100*threshold)}
	}
	return nil
}

func (m *Main) printEval(r evalReport, showErrors int) {
	w := m.Stdout
	fmt.Fprintf(w, "FAQ %s: %d entries, compiled in %.0f ms\n", r.FAQ, r.Entries, r.CompileMs)
	fmt.Fprintf(w, "cases: %d (%d in scope, %d out of scope, %d emergencies, %d not urgent)\n", r.Cases, r.InScope, r.OutOfScope, r.EmergencyCases, r.NonUrgentCases)
	fmt.Fprintf(w, "in-scope accuracy:    %5.1f%%\n", 100*r.InScopeAccuracy)
	fmt.Fprintf(w, "answered or suggested:%5.1f%%\n", 100*r.HitRate)
	fmt.Fprintf(w, "out-of-scope recall:  %5.1f%%\n", 100*r.OOSRecall)
	fmt.Fprintf(w, "out-of-scope precision:%4.1f%%\n", 100*r.OOSPrecision)
	fmt.Fprintf(w, "emergency recall:     %5.1f%% (reply leads with 112)\n", 100*r.EmergencyRecall)
	fmt.Fprintf(w, "false alarms:         %5.1f%% (not urgent, routed as urgent)\n", 100*r.FalseAlarms)
	fmt.Fprintf(w, "banner noise:         %5.1f%% (not urgent, graded possible)\n", 100*r.BannerNoise)
	if r.LanguageCases > 0 {
		fmt.Fprintf(w, "language identified:  %5.1f%% of %d cases that give their lang\n", 100*r.LanguageAccuracy, r.LanguageCases)
	}
	fmt.Fprintf(w, "clarify rate:         %5.1f%%\n", 100*r.ClarifyRate)
	fmt.Fprintf(w, "latency: p50 %.1f µs, p99 %.1f µs; %.0f matches/s\n", r.P50us, r.P99us, r.MatchesPerSec)
	if len(r.ByLanguage) > 1 || r.LanguageCases > 0 {
		fmt.Fprintln(w, "\nby language: emergencies (recall), not urgent (false alarms, banner noise), language identified")
		for _, l := range r.ByLanguage {
			fmt.Fprintf(w, "  %-3s %4d (%5.1f%%)  %4d (%4.1f%%, %4.1f%%)", l.Lang, l.EmergencyCases, 100*l.EmergencyRecall,
				l.NonUrgentCases, 100*l.FalseAlarms, 100*l.BannerNoise)
			if l.LanguageAccuracy > 0 || r.LanguageCases > 0 {
				fmt.Fprintf(w, "  %5.1f%%", 100*l.LanguageAccuracy)
			}
			fmt.Fprintln(w)
		}
	}
	if len(r.Confusions) > 0 {
		fmt.Fprintln(w, "\nconfusions (expected -> got: count):")
		for i, c := range r.Confusions {
			if i == 15 {
				fmt.Fprintf(w, "  ... %d more\n", len(r.Confusions)-i)
				break
			}
			fmt.Fprintf(w, "  %s -> %s: %d\n", c.Expect, c.Got, c.Count)
		}
	}
	if showErrors > 0 && len(r.Errors) > 0 {
		fmt.Fprintln(w, "\nfailed cases:")
		for i, e := range r.Errors {
			if i == showErrors {
				fmt.Fprintf(w, "  ... %d more (--json lists all)\n", len(r.Errors)-i)
				break
			}
			got := string(e.Outcome)
			if e.Got != "" {
				got = e.Got
			}
			want := e.Expect
			if e.Urgency != "" {
				want = string(e.Urgency)
				got = string(e.GotUrgency) + " " + got
			}
			fmt.Fprintf(w, "  %s:%d: %q: expected %s, got %s (%.2f)", e.File, e.Line, e.Question, want, got, e.Confidence)
			if len(e.Suggestions) > 0 {
				fmt.Fprintf(w, " %v", e.Suggestions)
			}
			fmt.Fprintln(w)
		}
	}
}
