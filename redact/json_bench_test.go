package redact

import "testing"

// BenchmarkJSONDeep redacts a Settings nested 100,000 deep (200 KB): it must stay small and
// fast; B/op is the memory it takes.
func BenchmarkJSONDeep(b *testing.B) {
	in := deepDoc(100_000, false)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var out []byte
	for b.Loop() {
		out, _, _ = New().JSON(in)
	}
	b.ReportMetric(float64(len(out)), "out-bytes")
}

// BenchmarkJSONSettings redacts a Settings file of the agent's usual shape.
func BenchmarkJSONSettings(b *testing.B) {
	in := []byte(`{"token":"` + tok + `","environment":"production","region":"us","uncaughtExceptionHappenedOnService":false,` +
		`"runInBackground":true,"windowBounds":{"x":120,"y":80,"width":800,"height":600},"proxy":{"enabled":true,` +
		`"url":"http://bob:pa55@proxy.example.invalid:3128"},"connections":[{"name":"ora","user":"scott","password":"tiger"}],` +
		`"lastUpdateCheck":"2026-11-20T08:12:44.120Z"}`)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = New().JSON(in)
	}
}
