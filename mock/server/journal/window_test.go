package journal

import (
	"fmt"
	"testing"
)

// TestWindow adds many more entries than the journal keeps, so that its
// window of entries moves back to the start of its array again and again:
// every add keeps the newest entries in order, and no place of the array
// outside the window holds an entry (its bodies would stay alive).
func TestWindow(t *testing.T) {
	for _, size := range []int{1, 2, 5, 64} {
		j := New(size, 1<<30, 1<<20)
		for i := range 20 * size {
			j.add(held{Entry: Entry{Path: fmt.Sprintf("/p%d", i)}, req: stored{data: []byte("body")}})

			got := j.Find(Filter{})
			if want := min(i+1, size); len(got) != want {
				t.Fatalf("size %d, after %d adds: %d entries, want %d", size, i+1, len(got), want)
			}
			for k, e := range got {
				if want := fmt.Sprintf("/p%d", i-k); e.Path != want {
					t.Fatalf("size %d, after %d adds: entry %d is %s, want %s", size, i+1, k, e.Path, want)
				}
			}
			held := 0
			for p := range j.buf {
				if j.buf[p].Path != "" {
					held++
				}
			}
			if held != len(j.entries) {
				t.Fatalf("size %d, after %d adds: the array holds %d entries, the window %d", size, i+1, held, len(j.entries))
			}
		}
	}
}
