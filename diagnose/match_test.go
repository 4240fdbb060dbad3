package diagnose

import (
	"sort"
	"testing"
)

// FuzzMatcher compares the matcher with a plain case-insensitive search.
func FuzzMatcher(f *testing.F) {
	f.Add([]byte("xx ENOTFOUND heartbeat sent successfully, logName=noInternet abab"))
	f.Add([]byte("aaaa"))
	strs := []string{"enotfound", "heartbeat sent successfully", "logname=nointernet", "ab", "bab", "a"}
	m := newMatcher(strs)
	f.Fuzz(func(t *testing.T, text []byte) {
		type hit struct{ end, id int }
		var got, want []hit
		m.scan(text, func(end, id int) { got = append(got, hit{end, id}) })
		low := toLower(nil, text)
		for id, s := range strs {
			for i := 0; i+len(s) <= len(low); i++ {
				if string(low[i:i+len(s)]) == s {
					want = append(want, hit{i + len(s), id})
				}
			}
		}
		less := func(h []hit) func(i, j int) bool {
			return func(i, j int) bool { return h[i].end < h[j].end || h[i].end == h[j].end && h[i].id < h[j].id }
		}
		sort.Slice(got, less(got))
		sort.Slice(want, less(want))
		if len(got) != len(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
	})
}
