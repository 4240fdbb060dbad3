// Package manifest defines manifest.json, the machine-readable index of a support bundle: what
// was collected and from where, what each file's size and SHA-256 are, what failed, what was
// redacted and what opadiag found. Its JSON Schema, schema.json, is embedded and published;
// Validate checks a manifest against it.
package manifest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaID is the value of the manifest's "schema" field for this version of the format.
const SchemaID = "opadiag.manifest/v1"

// SchemaJSON is the JSON Schema (draft 2020-12) every manifest validates against.
//
//go:embed schema.json
var SchemaJSON []byte

// Collector statuses.
const (
	StatusOK      = "ok"      // everything it looked for was collected
	StatusPartial = "partial" // it ran to the end, but some things could not be collected (see Problems)
	StatusFailed  = "failed"  // it stopped with an error, or panicked
	StatusTimeout = "timeout" // it did not finish before its deadline
	StatusSkipped = "skipped" // it was not run, by request (see Error for why)
)

// Finding severities, from least to most serious.
const (
	SeverityPass = "pass"
	SeverityInfo = "info"
	SeverityWarn = "warn"
	SeverityFail = "fail"
)

// Manifest is the content of manifest.json.
type Manifest struct {
	Schema     string      `json:"schema"`
	Tool       Tool        `json:"tool"`
	Created    time.Time   `json:"created"`
	DurationMS int64       `json:"duration_ms"`
	Invocation Invocation  `json:"invocation"`
	Options    Options     `json:"options"`
	Host       Host        `json:"host"`
	Discovery  Discovery   `json:"discovery"`
	Agents     []Agent     `json:"agents"`
	Collectors []Collector `json:"collectors"`
	Absent     []Absent    `json:"absent"`
	Commands   []Command   `json:"commands"`
	Files      []File      `json:"files"`
	Omitted    []Omitted   `json:"omitted"`
	// OmittedMore counts the items left out that are not listed in Omitted: CapOmitted drops
	// them past its cap so that a home with thousands of old logs keeps the manifest readable.
	OmittedMore int `json:"omitted_more,omitempty"`
	// OmittedMoreByReason counts those items by reason, as OmittedReason groups them.
	OmittedMoreByReason map[string]int `json:"omitted_more_by_reason,omitempty"`
	Findings            []Finding      `json:"findings"`
	Redaction           Redaction      `json:"redaction"`
	Service             Service        `json:"service"`
	System              System         `json:"system"`
}

// Tool identifies the opadiag build that wrote the bundle.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Go      string `json:"go"`
}

// Invocation says how opadiag was started.
type Invocation struct {
	Trigger  string   `json:"trigger"` // "manual" or "crash"
	Args     []string `json:"args"`    // command-line arguments, redacted
	User     string   `json:"user"`
	Elevated bool     `json:"elevated"` // root, or an elevated administrator
	// Unused lists flags that were given but had nothing to act on in this build.
	Unused []Unused `json:"unused"`
	// Denied lists what could not be read for lack of rights, with the hint to re-run elevated.
	Denied []Denied `json:"denied"`
}

// Unused is a flag that was accepted but had nothing to act on.
type Unused struct {
	Flag   string `json:"flag"`
	Reason string `json:"reason"`
}

// Options are the effective settings of the run, defaults included.
type Options struct {
	Output       string   `json:"output"`
	AgentDirs    []string `json:"agent_dirs"`
	Since        string   `json:"since"` // Go duration, e.g. "168h0m0s"
	MaxFileSize  int64    `json:"max_file_size"`
	MaxTotalSize int64    `json:"max_total_size"`
	NoNetwork    bool     `json:"no_network"`
	Obfuscate    bool     `json:"obfuscate"` // hosts, IPs and users are stand-ins (host1, 10.0.0.1, user1)
	Endpoints    []string `json:"endpoints"`
	ProbeTimeout string   `json:"probe_timeout"`
}

// Host summarises the machine the bundle was made on.
type Host struct {
	Hostname string `json:"hostname"`
	OS       string `json:"os"`   // GOOS: linux, windows, …
	Arch     string `json:"arch"` // GOARCH
	// The headline facts of the service and system collectors; empty or 0 when not collected.
	OSName       string `json:"os_name"` // "Ubuntu 22.04.4 LTS", "Windows Server 2012 R2 Standard"
	OSVersion    string `json:"os_version"`
	Elevated     bool   `json:"elevated"`      // root, or an elevated administrator
	AgentVersion string `json:"agent_version"` // the installed agent's version, "" when unknown
	// AgentVersionSource says where the version was read: "registry HKLM\…", "package.json
	// /opt/…", "log agent/logs/server-2025-07-29.log line 12".
	AgentVersionSource string `json:"agent_version_source"`
	// ServiceState is the agent service's state (running, stopped, not_found, no_systemd…).
	ServiceState string `json:"service_state"`
	// ServiceStartType is its start type (Automatic, Manual…; enabled, disabled… on Linux).
	ServiceStartType string `json:"service_start_type"`
	Instances        int    `json:"instances"` // agent instances running (main processes)
	// Network is the headline of the network probes; nil when the network collector did not run.
	Network *NetworkSummary `json:"network,omitempty"`
}

// Discovery records where agent homes were looked for.
type Discovery struct {
	// Method is "discovered" when opadiag searched the usual places, "agent-dir" when the
	// folders came from --agent-dir.
	Method   string   `json:"method"`
	Searched []string `json:"searched"`
	// Problems are places that could not be searched, with the reason (permission denied…).
	Problems []string `json:"problems"`
}

// Agent is one agent home that was found.
type Agent struct {
	ID       int            `json:"id"`     // 1-based
	Home     string         `json:"home"`   // the folder on disk
	Folder   string         `json:"folder"` // its folder in the bundle: "agent", or "agent/<id>" when there are several
	Settings []SettingsFile `json:"settings"`
}

// SettingsFile describes one Settings (or Settings-tmp) file of an agent home.
type SettingsFile struct {
	Source string `json:"source"` // path on disk
	Path   string `json:"path"`   // path in the bundle; empty when it was left out
	// Parsed is true when the file is valid JSON; otherwise it was scrubbed as text, or left out,
	// and Error says why.
	Parsed bool   `json:"parsed"`
	Error  string `json:"error,omitempty"`
	// UncaughtExceptionHappenedOnService is the agent's own crash flag; nil when absent.
	UncaughtExceptionHappenedOnService *bool `json:"uncaught_exception_happened_on_service"`
	// Token describes the stored agent token; nil when the file has none.
	Token *Token `json:"token"`
}

// Token describes the agent token without revealing it.
type Token struct {
	Key string `json:"key"` // the key path it is stored under
	// Hash is redact.HashToken of the exact stored value; absent when the value is empty, or too
	// short or common to hash without the hash giving it away.
	Hash               string `json:"hash,omitempty" redact:"-"`
	Length             int    `json:"length"`
	Empty              bool   `json:"empty,omitempty"`   // the stored value is ""
	Problem            string `json:"problem,omitempty"` // why it is not a usable token; "" when it is
	LeadingWhitespace  bool   `json:"leading_whitespace"`
	TrailingWhitespace bool   `json:"trailing_whitespace"`
	Quoted             bool   `json:"quoted"` // wrapped in quote characters
}

// Collector is the outcome of one collector.
type Collector struct {
	Name       string    `json:"name"`
	Status     string    `json:"status"`
	Error      string    `json:"error,omitempty"`
	Problems   []string  `json:"problems,omitempty"`
	Started    time.Time `json:"started"`
	DurationMS int64     `json:"duration_ms"`
	TimedOut   bool      `json:"timed_out"`
}

// Absent is a collector that is not part of this build.
type Absent struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Command is an external command a collector ran.
type Command struct {
	Collector  string `json:"collector"`
	Line       string `json:"line"`  // the command line, redacted
	Entry      string `json:"entry"` // the bundle file holding its output
	ExitCode   int    `json:"exit_code"`
	Stderr     string `json:"stderr"` // the start of its stderr, redacted
	DurationMS int64  `json:"duration_ms"`
	Error      string `json:"error,omitempty"` // not found, killed at its deadline…
}

// File is one entry of the zip.
type File struct {
	Path         string         `json:"path"`             // entry name in the zip
	Source       string         `json:"source,omitempty"` // where it came from: a path, or a command line
	Collector    string         `json:"collector"`
	Size         int64          `json:"size"` // bytes in the zip entry, after redaction
	SHA256       string         `json:"sha256" redact:"-"`
	Redactions   map[string]int `json:"redactions"`
	Truncated    bool           `json:"truncated"`
	OriginalSize int64          `json:"original_size"` // bytes at the source, before truncation and redaction
	Mtime        *time.Time     `json:"mtime,omitempty"`
	// Note says what else a reader must know: "interrupted at the collector's deadline", "the
	// file grew while read"…
	Note string `json:"note,omitempty"`
	// Stalled is set when reading the source stopped making progress and was abandoned: the
	// entry holds what was read before (Truncated is set too).
	Stalled bool `json:"stalled,omitempty"`
}

// Omitted is something that was found but deliberately not put in the bundle.
type Omitted struct {
	Source    string `json:"source"`
	Collector string `json:"collector"`
	Reason    string `json:"reason"`
	// Size and Mtime describe a file that was left out; 0 and nil when unknown or not a file.
	Size  int64      `json:"size,omitempty"`
	Mtime *time.Time `json:"mtime,omitempty"`
}

// Finding is one conclusion drawn from what was collected.
type Finding struct {
	ID       string     `json:"id"`
	Severity string     `json:"severity"`
	Title    string     `json:"title"`
	Detail   string     `json:"detail"`
	Remedy   string     `json:"remedy"`
	Evidence []Evidence `json:"evidence"`
}

// Evidence points at what supports a finding: a file in the bundle and, where it applies, a
// 1-based line.
type Evidence struct {
	Path string `json:"path"`
	Line int    `json:"line,omitempty"`
}

// Redaction summarises what was redacted across the bundle.
type Redaction struct {
	TokenHash string         `json:"token_hash,omitempty" redact:"-"` // hash of the first agent token found
	Rules     map[string]int `json:"rules"`                           // replacements per rule, all files together
	// Strict is set when the agent token could not be learned (Settings unreadable, damaged,
	// undecodable): every token-shaped string was redacted, everywhere. StrictReason says why.
	Strict       bool   `json:"strict,omitempty"`
	StrictReason string `json:"strict_reason,omitempty"`
	// Fields lists what redacting opadiag's own records replaced, by manifest field, when the
	// bundle was sealed: collectors record command lines, errors and settings as they are, and
	// the bundle redacts them all in one place.
	Fields []Late `json:"fields,omitempty"`
	// Late lists what the last line of defence caught at Finish in text opadiag generated from
	// already-redacted records (the findings, summary.txt, report.html, the encoded manifest):
	// a secret that reached them anyway. Empty in a healthy run.
	Late []Late `json:"late,omitempty"`
}

// Late is where redacting opadiag's own records or text replaced something, and by which rules.
type Late struct {
	Where string         `json:"where"` // "manifest.json collectors[2].error", "summary.txt"
	Rules map[string]int `json:"rules"`
}

// FormatSize formats a byte count the way opadiag's flags read sizes: 512B, 12.3KiB, 64.0MiB.
func FormatSize(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	div, exp := uint64(unit), 0
	for v := n / unit; v >= unit; v /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f%ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// Encode writes m as indented JSON. Nil slices and maps are written as empty ones, so readers
// and the schema see arrays and objects, never null.
func Encode(w io.Writer, m *Manifest) error {
	c := *m
	fill(&c)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(&c)
}

func fill(m *Manifest) {
	nonNil(&m.Invocation.Args)
	nonNil(&m.Invocation.Unused)
	nonNil(&m.Invocation.Denied)
	nonNil(&m.Options.AgentDirs)
	nonNil(&m.Options.Endpoints)
	nonNil(&m.Discovery.Searched)
	nonNil(&m.Discovery.Problems)
	nonNil(&m.Agents)
	for i := range m.Agents {
		nonNil(&m.Agents[i].Settings)
	}
	nonNil(&m.Collectors)
	nonNil(&m.Absent)
	nonNil(&m.Commands)
	nonNil(&m.Files)
	for i := range m.Files {
		if m.Files[i].Redactions == nil {
			m.Files[i].Redactions = map[string]int{}
		}
	}
	nonNil(&m.Omitted)
	nonNil(&m.Findings)
	for i := range m.Findings {
		nonNil(&m.Findings[i].Evidence)
	}
	if m.Redaction.Rules == nil {
		m.Redaction.Rules = map[string]int{}
	}
	fillService(&m.Service)
	fillSystem(&m.System)
}

func nonNil[T any](s *[]T) {
	if *s == nil {
		*s = []T{}
	}
}

// Decode reads a manifest. It checks the JSON and the schema field, not the whole schema: use
// Validate for that.
func Decode(r io.Reader) (*Manifest, error) {
	var m Manifest
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		return nil, fmt.Errorf("decode manifest: %w", err)
	}
	if m.Schema != SchemaID {
		return nil, fmt.Errorf("manifest schema is %q, this opadiag reads %q", m.Schema, SchemaID)
	}
	return &m, nil
}

// schemaURL is the embedded schema's $id.
const schemaURL = "https://opadiag.invalid/manifest/schema.json"

// compile compiles the embedded schema, or the definition at fragment ("#/$defs/probes").
func compile(fragment string) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(SchemaJSON))
	if err != nil {
		return nil, fmt.Errorf("read embedded schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("load embedded schema: %w", err)
	}
	return c.Compile(schemaURL + fragment)
}

var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) { return compile("") })

// validate checks data (a document called what in messages) against the schema sch returns.
func validate(sch func() (*jsonschema.Schema, error), data []byte, what string) error {
	s, err := sch()
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%s is not JSON: %w", what, err)
	}
	if err := s.Validate(inst); err != nil {
		return fmt.Errorf("%s does not match its schema: %w", what, err)
	}
	return nil
}

// Validate checks manifest JSON against the embedded schema.
func Validate(data []byte) error {
	return validate(compiled, data, "manifest")
}
