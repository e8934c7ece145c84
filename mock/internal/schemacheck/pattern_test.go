package schemacheck

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// TestPatternAgreesWithRegexp holds the patterns matched as plain code to
// the regexp package, on every pattern of the vendors' specs and a few
// more shapes, over strings of their alphabets and lengths around their
// bounds; and shows which shapes are plain code at all.
func TestPatternAgreesWithRegexp(t *testing.T) {
	for _, tc := range []struct {
		expr  string
		plain bool
	}{
		{`^[0-9a-f]{32}$`, true},
		{`^[0-9A-Za-z]{32}$`, true},
		{`^[0-9a-f]{64}$`, true},
		{`^[A-Za-z0-9._-]{4,63}$`, true},
		{`^APIGW\.[0-9]{4}$`, true},
		{`^SVCSTG\.REPO\.[0-9]{4}$`, true},
		{`^a[b-d]*e$`, true},
		{`^[é-ü]+x?$`, false}, // two varying pieces
		{`^\u00E9[a-c]+$`, true},
		{`^[^a]{2}$`, true},
		{`^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$`, false},
		{`[0-9]{3}`, false},
		{`^(?i)abc$`, false},
		{`^ab|cd$`, false},
	} {
		fn, err := pattern(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		re := regexp.MustCompile(intoGoRegexp(tc.expr))
		if plain := runOf(intoGoRegexp(tc.expr)) != nil; plain != tc.plain {
			t.Errorf("%s: plain code %v, want %v", tc.expr, plain, tc.plain)
		}
		alphabet := []rune("abcdeAZ09._-/ éü\u00e9\xff" + strings.Trim(tc.expr, "^$"))
		r := rand.New(rand.NewPCG(1, 2))
		for range 3000 {
			b := make([]rune, r.IntN(70))
			for i := range b {
				b[i] = alphabet[r.IntN(len(alphabet))]
			}
			s := string(b)
			if r.IntN(4) == 0 { // a match, changed or not
				s = strings.Repeat("a", r.IntN(3)) + "APIGW.1234" + strings.Repeat("0", r.IntN(40))
			}
			if got, want := fn(s), re.MatchString(s); got != want {
				t.Errorf("%s on %q: %v, regexp: %v", tc.expr, s, got, want)
			}
		}
		// Strings the run itself makes, then one rune changed, added or removed.
		if run := runOf(intoGoRegexp(tc.expr)); run != nil {
			for range 3000 {
				var b []rune
				for _, p := range run.pieces {
					max := p.max
					if max < 0 {
						max = p.min + 5
					}
					for range p.min + r.IntN(max-p.min+1) {
						pair := r.IntN(len(p.ranges) / 2)
						lo, hi := p.ranges[2*pair], min(p.ranges[2*pair+1], p.ranges[2*pair]+300)
						b = append(b, lo+rune(r.IntN(int(hi-lo)+1)))
					}
				}
				switch i := r.IntN(max(len(b), 1)); r.IntN(4) {
				case 1:
					if len(b) > 0 {
						b[i] = alphabet[r.IntN(len(alphabet))]
					}
				case 2:
					b = append(b[:i], append([]rune{alphabet[r.IntN(len(alphabet))]}, b[i:]...)...)
				case 3:
					if len(b) > 0 {
						b = append(b[:i], b[i+1:]...)
					}
				}
				s := string(b)
				if got, want := fn(s), re.MatchString(s); got != want {
					t.Errorf("%s on %q: %v, regexp: %v", tc.expr, s, got, want)
				}
			}
		}
		for _, s := range []string{"", strings.Repeat("0", 32), strings.Repeat("f", 64), "abcd", strings.Repeat("a", 63), strings.Repeat("a", 64),
			"APIGW.0301", "SVCSTG.REPO.0451", "ae", "abbe", "éa", "bb", "é", "\xff\xff"} {
			if got, want := fn(s), re.MatchString(s); got != want {
				t.Errorf("%s on %q: %v, regexp: %v", tc.expr, s, got, want)
			}
		}
	}
}
