package gen

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"unicode/utf16"
)

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func deepCopyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopyValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopyValue(e)
		}
		return out
	}
	return v
}

// setAt sets (or, with remove, deletes) the value at loc in cur, which it
// modifies, and returns cur.
func setAt(cur any, loc []pathStep, v any, remove bool) any {
	if len(loc) == 0 {
		return v
	}
	st := loc[0]
	switch c := cur.(type) {
	case map[string]any:
		if len(loc) == 1 && remove {
			delete(c, st.key)
		} else {
			c[st.key] = setAt(c[st.key], loc[1:], v, remove)
		}
	case []any:
		if st.isIdx && st.index < len(c) {
			c[st.index] = setAt(c[st.index], loc[1:], v, remove)
		}
	}
	return cur
}

func extend(loc []pathStep, st pathStep) []pathStep {
	return append(slices.Clip(loc), st)
}

func joinPath(path, seg string) string {
	if path == "" {
		return seg
	}
	return path + "." + seg
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jsonKey(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// padTo returns s followed by repetitions of fill, cut to n runes.
func padTo(s, fill string, n int) string {
	if fill == "" {
		fill = "a"
	}
	r := []rune(s)
	f := []rune(fill)
	for i := 0; len(r) < n; i++ {
		r = append(r, f[i%len(f)])
	}
	return string(r[:n])
}
