// Package diff compares two recordings (package recording: repomock
// contract --record, repomock proxy --record) scenario by scenario: the
// fidelity of one target (repomock) to another (the vendor). It masks the
// values that differ between any two runs (ids, times, tokens, generated
// names) by rule, on a field's name and a value's form; it keeps no list of
// values, and knows no vendor.
package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/repomock/repomock/contracts/internal/junit"
	"github.com/repomock/repomock/mock/recording"
)

// Report is the comparison of two recordings, scenario by scenario.
type Report struct {
	// A and B are the two recordings' directories (the vendor's, the mock's).
	A, B string
	// SeedA and SeedB are the seeds the two recordings were made with,
	// when each was made with one (recording.Exchange.Seed); 0 otherwise.
	SeedA, SeedB uint64
	Scenarios    []Scenario
}

// Scenario is one scenario of a diff; Problems is empty when the two
// recordings agree on it.
type Scenario struct {
	Scenario string
	// StatusA and StatusB are the statuses recorded (0: none).
	StatusA, StatusB int
	Problems         []string
}

// Differ counts the scenarios that differ.
func (d *Report) Differ() int {
	n := 0
	for _, s := range d.Scenarios {
		if len(s.Problems) > 0 {
			n++
		}
	}
	return n
}

// Recordings compares the recordings in dirA (the vendor's) and dirB
// (repomock's).
func Recordings(dirA, dirB string) (*Report, error) {
	a, err := recording.Read(dirA)
	if err != nil {
		return nil, err
	}
	b, err := recording.Read(dirB)
	if err != nil {
		return nil, err
	}
	d := &Report{A: dirA, B: dirB, SeedA: seedOf(a), SeedB: seedOf(b)}
	for _, name := range unionKeys(a, b) {
		xa, inA := a[name]
		xb, inB := b[name]
		sd := Scenario{Scenario: name, StatusA: xa.Status, StatusB: xb.Status}
		switch {
		case !inA:
			sd.Problems = []string{"only in " + dirB + ": " + xb.Method + " " + xb.Path}
		case !inB:
			sd.Problems = []string{"only in " + dirA + ": " + xa.Method + " " + xa.Path}
		default:
			sd.Problems = compareExchanges(xa, xb)
		}
		d.Scenarios = append(d.Scenarios, sd)
	}
	return d, nil
}

// seedOf is the seed every exchange of a recording shares, or 0.
func seedOf(xs map[string]recording.Exchange) uint64 {
	var seed uint64
	for _, x := range xs {
		if x.Seed == 0 || seed != 0 && x.Seed != seed {
			return 0
		}
		seed = x.Seed
	}
	return seed
}

// SeedsDiffer reports whether the two recordings were made with different
// seeds: their generated requests differ, and so do the answers.
func (d *Report) SeedsDiffer() bool { return d.SeedA != 0 && d.SeedB != 0 && d.SeedA != d.SeedB }

// compareExchanges lists how b differs from a: the request sent (so that
// a difference of the answer is a difference of the target), the status,
// the error code, the fields and their JSON types, and the masked values.
func compareExchanges(a, b recording.Exchange) []string {
	var out []string
	// A different request explains a different answer: say so first.
	if a.Method != b.Method || a.Path != b.Path {
		out = append(out, fmt.Sprintf("request: %s %s, then %s %s", a.Method, a.Path, b.Method, b.Path))
	}
	qa, qb := map[string]string{}, map[string]string{}
	flatten("$", decodeBody(a.RequestBody), map[string]string{}, qa)
	flatten("$", decodeBody(b.RequestBody), map[string]string{}, qb)
	for _, k := range unionKeys(qa, qb) {
		if qa[k] != qb[k] {
			out = append(out, fmt.Sprintf("request body %s: %q, then %q", k, qa[k], qb[k]))
		}
	}
	if a.Error != "" || b.Error != "" {
		if (a.Error == "") != (b.Error == "") {
			out = append(out, fmt.Sprintf("answer: %q, then %q", orAnswer(a), orAnswer(b)))
		}
		return out
	}
	if a.Status != b.Status {
		out = append(out, fmt.Sprintf("status: %d, then %d", a.Status, b.Status))
	}
	ba, bb := decodeBody(a.ResponseBody), decodeBody(b.ResponseBody)
	if ca, cb := errorCode(ba), errorCode(bb); ca != cb {
		out = append(out, fmt.Sprintf("error code: %q, then %q", ca, cb))
	}
	fa, fb := map[string]string{}, map[string]string{}
	va, vb := map[string]string{}, map[string]string{}
	flatten("$", ba, fa, va)
	flatten("$", bb, fb, vb)
	for _, k := range unionKeys(fa, fb) {
		ta, okA := fa[k]
		tb, okB := fb[k]
		switch {
		case !okA:
			out = append(out, fmt.Sprintf("field %s: absent, then %s", k, tb))
		case !okB:
			out = append(out, fmt.Sprintf("field %s: %s, then absent", k, ta))
		case ta != tb:
			out = append(out, fmt.Sprintf("field %s: type %s, then %s", k, ta, tb))
		case va[k] != vb[k]:
			out = append(out, fmt.Sprintf("field %s: %s, then %s", k, va[k], vb[k]))
		}
	}
	for _, k := range unionKeys(a.Headers, b.Headers) {
		ha, hb := maskValue(k, a.Headers[k]), maskValue(k, b.Headers[k])
		if k == "Content-Type" {
			ha, hb = mediaOnly(a.Headers[k]), mediaOnly(b.Headers[k])
		}
		if ha != hb {
			out = append(out, fmt.Sprintf("header %s: %q, then %q", k, ha, hb))
		}
	}
	return out
}

func orAnswer(x recording.Exchange) string {
	if x.Error != "" {
		return "no answer"
	}
	return "HTTP " + strconv.Itoa(x.Status)
}

func mediaOnly(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.TrimSpace(strings.ToLower(mt))
}

func decodeBody(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return string(raw)
	}
	return v
}

// errorCode is the error code in an error body, where the usual envelopes
// put it: error.code, error_code or code.
func errorCode(body any) string {
	m, ok := body.(map[string]any)
	if !ok {
		return ""
	}
	if e, ok := m["error"].(map[string]any); ok {
		if c, ok := e["code"]; ok {
			return fmt.Sprint(c)
		}
	}
	for _, k := range []string{"error_code", "code"} {
		if c, ok := m[k]; ok {
			return fmt.Sprint(c)
		}
	}
	return ""
}

// flatten records, for every field of v by path ($.list.objects[].uuid),
// its JSON type, and for every scalar its masked value. Array elements
// share one path: their types and values are joined in order.
func flatten(path string, v any, types, values map[string]string) {
	add := func(m map[string]string, k, s string) {
		if old, ok := m[k]; ok && old != s {
			m[k] = old + "|" + s
		} else if !ok {
			m[k] = s
		}
	}
	switch x := v.(type) {
	case map[string]any:
		add(types, path, "object")
		for k, e := range x {
			flatten(path+"."+k, e, types, values)
		}
	case []any:
		add(types, path, "array")
		for _, e := range x {
			flatten(path+"[]", e, types, values)
		}
	case nil:
		if path != "$" {
			add(types, path, "null")
		}
	default:
		t := "string"
		switch x.(type) {
		case json.Number:
			t = "number"
		case bool:
			t = "boolean"
		}
		add(types, path, t)
		add(values, path, maskValue(path, fmt.Sprint(x)))
	}
}

// The rules that mask volatile values: by the field's name, then by the
// form of the value. No list of values is kept.
var (
	// Ids, uuids, shas, tokens, timestamps, authors and messages (the
	// vendor's wording is not the contract; its code is).
	volatileKey   = regexp.MustCompile(`^(?i:(.*_)?(id|uuid|sha|token|time|at|by|msg|message))$|[a-z](Id|Uuid|Time|At|By)$`)
	volatileValue = []struct {
		re   *regexp.Regexp
		mask string
	}{
		{regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?`), "<time>"},
		{regexp.MustCompile(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`), "<uuid>"},
		{regexp.MustCompile(`(?i)\b[0-9a-f]{16,}\b`), "<hex>"},
		// Numbers in a URL's path: ids.
		{regexp.MustCompile(`/\d+(/|$)`), "/<n>$1"},
		// The suite's names: <prefix><kind>-<sequence>-<seed hash>.
		{regexp.MustCompile(`-\d+-[0-9a-f]{4}\b`), "-<run>"},
	}
)

// maskValue hides a volatile value behind the rule that matched it; key
// is the field's path ($.meta.create_time) or a header's name.
func maskValue(key, v string) string {
	if v == "" {
		return v
	}
	name := strings.TrimSuffix(key, "[]")
	name = name[strings.LastIndexAny(name, ".$]")+1:]
	if volatileKey.MatchString(name) || strings.EqualFold(name, "X-Request-Id") {
		return "<" + name + ">"
	}
	for _, r := range volatileValue {
		v = r.re.ReplaceAllString(v, r.mask)
	}
	return v
}

// unionKeys is the union of two maps' keys, sorted.
func unionKeys[V any](a, b map[string]V) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// WriteTable prints one line per scenario that differs (with its first
// difference and the two statuses, A→B), the count, and every difference
// in full.
func (d *Report) WriteTable(w io.Writer) error {
	if d.Differ() > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "SCENARIO\tSTATUS\tRESULT\tFIRST DIFFERENCE\n")
		for _, s := range d.Scenarios {
			if len(s.Problems) > 0 {
				fmt.Fprintf(tw, "%s\t%s\tDIFFERS\t%s\n", s.Scenario, statusPair(s), junit.OneLine(s.Problems[0], 120))
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\n%s (A) against %s (B)\n%d scenarios, %d differ\n", d.A, d.B, len(d.Scenarios), d.Differ())
	if d.SeedsDiffer() {
		fmt.Fprintf(w, "hint: A was recorded with seed %d and B with seed %d: their generated requests differ, and so do the answers; "+
			"record both with the same --seed\n", d.SeedA, d.SeedB)
	}
	for _, s := range d.Scenarios {
		if len(s.Problems) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n--- %s\n%s\n", s.Scenario, strings.Join(s.Problems, "\n"))
	}
	return nil
}

func statusPair(s Scenario) string {
	st := func(n int) string {
		if n == 0 {
			return "-"
		}
		return strconv.Itoa(n)
	}
	if s.StatusA == s.StatusB {
		return st(s.StatusA)
	}
	return st(s.StatusA) + "→" + st(s.StatusB)
}

// WriteJUnit writes the diff as JUnit XML: one case per scenario, a
// failure carrying every difference.
func (d *Report) WriteJUnit(w io.Writer) error {
	suite := junit.Suite{Name: "repomock contract diff"}
	for _, s := range d.Scenarios {
		c := junit.Case{Name: s.Scenario, Classname: "fidelity"}
		if len(s.Problems) > 0 {
			c.Failure = &junit.Message{Message: junit.OneLine(s.Problems[0], 500), Text: strings.Join(s.Problems, "\n")}
			suite.Failures++
		}
		suite.Tests++
		suite.Cases = append(suite.Cases, c)
	}
	out := junit.Suites{Name: "repomock contract diff: " + d.A + " against " + d.B, Tests: suite.Tests, Failures: suite.Failures,
		Time: "0", Suites: []junit.Suite{suite}}
	return out.Write(w)
}
