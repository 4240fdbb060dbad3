package manifest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func valid() *Manifest {
	yes := true
	return &Manifest{
		Schema:     SchemaID,
		Tool:       Tool{Name: "opadiag", Version: "1.0.0", Commit: "abc", Go: "go1.26"},
		Created:    time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC),
		Invocation: Invocation{Trigger: "manual", Args: []string{"collect"}, User: "root", Elevated: true},
		Options:    Options{Output: "/tmp", Since: "168h0m0s", MaxFileSize: 1, MaxTotalSize: 2, ProbeTimeout: "5s"},
		Host:       Host{Hostname: "h", OS: "linux", Arch: "amd64"},
		Discovery:  Discovery{Method: "discovered", Searched: []string{"/root/.config/agent"}},
		Agents: []Agent{{ID: 1, Home: "/root/.config/agent", Folder: "agent", Settings: []SettingsFile{{
			Source: "/root/.config/agent/Settings", Path: "agent/settings.json", Parsed: true,
			UncaughtExceptionHappenedOnService: &yes,
			Token:                              &Token{Key: "token", Hash: "sha256:0123456789abcdef", Length: 32},
		}}}},
		Collectors: []Collector{{Name: "settings", Status: StatusOK, Started: time.Now().UTC()}},
		Files:      []File{{Path: "agent/settings.json", Collector: "settings", Size: 10, SHA256: strings.Repeat("a", 64), OriginalSize: 12}},
		Findings:   []Finding{{ID: "token.hash", Severity: SeverityInfo, Title: "t", Evidence: []Evidence{{Path: "agent/settings.json"}}}},
		Redaction:  Redaction{TokenHash: "sha256:0123456789abcdef", Rules: map[string]int{"agent_token": 1}},
	}
}

func encode(t *testing.T, m *Manifest) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestValidate(t *testing.T) {
	if err := Validate(encode(t, valid())); err != nil {
		t.Fatalf("a valid manifest is refused: %v", err)
	}
	empty := &Manifest{Schema: SchemaID, Tool: Tool{Name: "opadiag", Version: "v"}, Invocation: Invocation{Trigger: "crash"}, Discovery: Discovery{Method: "agent-dir"}}
	if err := Validate(encode(t, empty)); err != nil {
		t.Fatalf("nil slices must encode as empty arrays: %v", err)
	}
	tests := []struct {
		name   string
		change func(m *Manifest)
	}{
		{"wrong schema", func(m *Manifest) { m.Schema = "other" }},
		{"bad trigger", func(m *Manifest) { m.Invocation.Trigger = "cron" }},
		{"bad status", func(m *Manifest) { m.Collectors[0].Status = "great" }},
		{"failed without error", func(m *Manifest) { m.Collectors[0].Status = StatusFailed }},
		{"partial without problems", func(m *Manifest) { m.Collectors[0].Status = StatusPartial }},
		{"bad token hash", func(m *Manifest) { m.Agents[0].Settings[0].Token.Hash = "0123456789abcdef" }},
		{"bad sha256", func(m *Manifest) { m.Files[0].SHA256 = "xyz" }},
		{"absolute entry", func(m *Manifest) { m.Files[0].Path = "/etc/passwd" }},
		{"dotdot entry", func(m *Manifest) { m.Files[0].Path = "agent/../../x" }},
		{"bad severity", func(m *Manifest) { m.Findings[0].Severity = "critical" }},
		{"bad folder", func(m *Manifest) { m.Agents[0].Folder = "other" }},
		{"negative size", func(m *Manifest) { m.Files[0].Size = -1 }},
		{"bad rule name", func(m *Manifest) { m.Redaction.Rules["Bad Rule"] = 1 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := valid()
			tc.change(m)
			if err := Validate(encode(t, m)); err == nil {
				t.Fatal("an invalid manifest is accepted")
			}
		})
	}
	t.Run("unknown field", func(t *testing.T) {
		var doc map[string]any
		json.Unmarshal(encode(t, valid()), &doc)
		doc["extra"] = 1
		data, _ := json.Marshal(doc)
		if err := Validate(data); err == nil {
			t.Fatal("an unknown field is accepted")
		}
	})
	if err := Validate([]byte("{")); err == nil {
		t.Fatal("broken JSON is accepted")
	}
}

func TestDecode(t *testing.T) {
	m, err := Decode(bytes.NewReader(encode(t, valid())))
	if err != nil || m.Agents[0].Settings[0].Token.Length != 32 {
		t.Fatalf("%v %+v", err, m)
	}
	if _, err := Decode(strings.NewReader(`{"schema":"opadiag.manifest/v9"}`)); err == nil {
		t.Fatal("another schema version is accepted")
	}
}

// TestSchemaIsValid2020 checks the embedded schema is itself valid JSON with the 2020-12 dialect.
func TestSchemaIsValid2020(t *testing.T) {
	var s map[string]any
	if err := json.Unmarshal(SchemaJSON, &s); err != nil {
		t.Fatal(err)
	}
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Fatalf("$schema is %v", s["$schema"])
	}
	if _, err := compiled(); err != nil {
		t.Fatal(err)
	}
}
