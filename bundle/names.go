package bundle

import (
	"fmt"
	"path"
	"strings"
	"unicode/utf8"
)

// Names only Finish writes.
const (
	ManifestName = "manifest.json"
	SummaryName  = "summary.txt"
	ReportName   = "report.html"
)

// entryName makes a safe zip entry name: forward slashes, relative, no "..", valid UTF-8, none of
// the characters Windows refuses in a file name.
func entryName(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	name = strings.ToValidUTF8(name, "_")
	var parts []string
	for _, p := range strings.Split(name, "/") {
		switch p {
		case "", ".":
		case "..":
			parts = append(parts, "__")
		default:
			parts = append(parts, strings.Map(func(r rune) rune {
				if r < 0x20 || r == 0x7f || strings.ContainsRune(`:*?"<>|`, r) {
					return '_'
				}
				return r
			}, p))
		}
	}
	if len(parts) == 0 {
		return "unnamed"
	}
	return strings.Join(parts, "/")
}

// safeName is the entry name name gets: what Scrub would replace in text (the agent token in
// any encoding, the token shapes of strict mode, credentials known by their value) is replaced in
// the name too — a log named after the token must not carry it into the zip's directory — then
// made safe by entryName.
func (w *Writer) safeName(name string) string {
	out, _ := w.red.Scrub([]byte(name))
	return entryName(string(out))
}

// unique returns name, or name with "-2", "-3"… before its extension when it is taken (names
// compare without case, as on Windows). The caller holds w.mu.
func (w *Writer) unique(name string) string {
	candidate := name
	for i := 2; w.names[strings.ToLower(candidate)] || isReserved(candidate); i++ {
		ext := path.Ext(name)
		if !utf8.ValidString(ext) || strings.Contains(ext, "/") {
			ext = ""
		}
		candidate = fmt.Sprintf("%s-%d%s", strings.TrimSuffix(name, ext), i, ext)
	}
	w.names[strings.ToLower(candidate)] = true
	return candidate
}

// isReserved reports names that only Finish writes.
func isReserved(name string) bool {
	switch strings.ToLower(name) {
	case ManifestName, SummaryName, ReportName:
		return true
	}
	return false
}
