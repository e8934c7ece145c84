package endor

import (
	"container/list"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxIssuedTokens bounds the tokens POST /v1/auth/api-key has
// issued and the fake holds, all sessions together.
const DefaultMaxIssuedTokens = 10000

// ParseMaxIssuedTokens reads --endor-max-issued-tokens: a whole number of
// at least 1.
func ParseMaxIssuedTokens(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%q is not a whole number of at least 1", s)
	}
	return n, nil
}

// MaxAPIKeyLength bounds the key and the secret of POST /v1/auth/api-key.
// Assumption: Endor documents no limit (its keys and secrets are "endr+"
// and a few dozen characters); a longer one is refused with 400 code 3,
// before anything is looked up or kept.
const MaxAPIKeyLength = 256

// checkAPIKeyLengths refuses a key or a secret longer than MaxAPIKeyLength.
func checkAPIKeyLengths(key, secret string) *Error {
	for _, f := range []struct{ name, value string }{{"key", key}, {"secret", secret}} {
		if n := len(f.value); n > MaxAPIKeyLength {
			return invalidArgument("%s: must be at most %d characters, not %d", f.name, MaxAPIKeyLength, n)
		}
	}
	return nil
}

// issuedPrefix starts every token the fake issues: "repomock." and 48 hex
// digits.
const issuedPrefix = "repomock."

// looksIssued reports whether a token has the form of an issued one. Such a
// token the fake does not hold (expired and dropped, dropped to stay within
// the bound, from a reset or evicted session) is refused, even when any
// other token is accepted.
func looksIssued(token string) bool {
	hex, ok := strings.CutPrefix(token, issuedPrefix)
	if !ok || len(hex) != 48 {
		return false
	}
	for i := 0; i < len(hex); i++ {
		if c := hex[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func newIssuedToken(d []uint64) string {
	return fmt.Sprintf("%s%016x%016x%016x", issuedPrefix, d[0], d[1], d[2])
}

// issuedTokens holds the tokens the fake issued, oldest first: expired
// ones are dropped as new ones come, and past max the oldest go. The
// Fake's mu guards it.
type issuedTokens struct {
	max     int
	byToken map[string]*list.Element // of *heldToken
	order   *list.List               // oldest first
}

type heldToken struct {
	token string
	grant
}

func newIssuedTokens(max int) *issuedTokens {
	return &issuedTokens{max: max, byToken: map[string]*list.Element{}, order: list.New()}
}

func (t *issuedTokens) get(token string) (grant, bool) {
	el, ok := t.byToken[token]
	if !ok {
		return grant{}, false
	}
	return el.Value.(*heldToken).grant, true
}

// add holds a token issued at now (again, when it is held: a replayed
// change), after dropping those expired at now, and returns how many it
// dropped beyond them to stay within max.
func (t *issuedTokens) add(token string, g grant, now time.Time) (dropped int) {
	if el, ok := t.byToken[token]; ok {
		t.remove(el)
	}
	for el := t.order.Front(); el != nil && !now.Before(el.Value.(*heldToken).expires); el = t.order.Front() {
		t.remove(el)
	}
	for t.order.Len() >= t.max {
		t.remove(t.order.Front())
		dropped++
	}
	t.byToken[token] = t.order.PushBack(&heldToken{token: token, grant: g})
	return dropped
}

func (t *issuedTokens) remove(el *list.Element) {
	delete(t.byToken, el.Value.(*heldToken).token)
	t.order.Remove(el)
}

// dropSession drops the tokens issued in a session.
func (t *issuedTokens) dropSession(name string) {
	for el := t.order.Front(); el != nil; {
		next := el.Next()
		if el.Value.(*heldToken).session == name {
			t.remove(el)
		}
		el = next
	}
}

// each calls f on every token held, oldest first.
func (t *issuedTokens) each(f func(token string, g grant)) {
	for el := t.order.Front(); el != nil; el = el.Next() {
		h := el.Value.(*heldToken)
		f(h.token, h.grant)
	}
}
