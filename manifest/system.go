package manifest

import "time"

// This file holds what the service and system collectors record: the agent's service and
// installation, OS facts, resources, processes and prerequisites. The system/*.json files of a
// bundle hold the same structures.

// Denied is something opadiag could not read for lack of rights.
type Denied struct {
	Collector string `json:"collector"`
	What      string `json:"what"`  // the file, key, process or command
	Error     string `json:"error"` // redacted
	Hint      string `json:"hint"`  // what to do: re-run elevated
}

// Service is what the service collector found.
type Service struct {
	// Manager is the service manager asked: "systemd", "scm" (Windows) or "none".
	Manager string `json:"manager"`
	// Available is false when it could not be asked (no systemd, systemctl missing, the SCM
	// refused); Detail says why.
	Available bool           `json:"available"`
	Detail    string         `json:"detail"`
	Services  []AgentService `json:"services"`
	Installs  []Install      `json:"installs"`
	// Events counts the event-log events about the agent's service, by log and event ID
	// (Windows).
	Events []EventCount `json:"events"`
}

// AgentService is one service that is (or may be) the agent's, found or looked for.
type AgentService struct {
	Name        string `json:"name"` // unit name, or the Windows service's key name
	DisplayName string `json:"display_name"`
	// Why it was looked at: "named in the guide", "display name", "ExecStart points into the
	// agent install"…
	Why   string `json:"why"`
	Found bool   `json:"found"`
	// AliasOf names the unit this name is another name of; it is not queried again.
	AliasOf string `json:"alias_of,omitempty"`
	// State: running, stopped, starting, stopping, paused, failed, not_found, no_systemd,
	// unknown.
	State     string `json:"state"`
	RawState  string `json:"raw_state"`  // as the manager says it: "active (running)", "STOPPED"
	StartType string `json:"start_type"` // Automatic, Automatic (Delayed), Manual, Disabled; systemd: enabled, disabled, static…
	AutoStart *bool  `json:"auto_start"` // starts at boot; null when that cannot be told
	PID       int    `json:"pid"`        // main process, 0 when not running
	ExitCode  string `json:"exit_code"`  // of the last run: "status=9 (killed)", "win32=1067 service=0"
	Restarts  *int   `json:"restarts"`   // systemd's NRestarts
	Result    string `json:"result"`     // systemd's Result: success, exit-code, oom-kill…
	// BinaryPath is the command line it runs (ExecStart, ImagePath), redacted.
	BinaryPath  string          `json:"binary_path"`
	UnitFile    string          `json:"unit_file"`
	Account     string          `json:"account"` // the user it runs as ("" = root/LocalSystem default)
	ActiveSince string          `json:"active_since"`
	Recovery    *Recovery       `json:"recovery"` // Windows failure actions; null when unread or not Windows
	Journal     *JournalSummary `json:"journal"`  // Linux; null when not read
	Files       []string        `json:"files"`    // its files in the bundle
	Errors      []string        `json:"errors"`   // what could not be read about it
}

// Recovery is a Windows service's failure actions.
type Recovery struct {
	ResetPeriodS uint32           `json:"reset_period_s"`
	Command      string           `json:"command"`
	Actions      []RecoveryAction `json:"actions"`
}

// RecoveryAction is one failure action.
type RecoveryAction struct {
	Type    string `json:"type"` // none, restart, reboot, run_command
	DelayMS uint32 `json:"delay_ms"`
}

// JournalSummary counts what matters in a unit's journal extract.
type JournalSummary struct {
	Path     string     `json:"path"` // the extract in the bundle
	Entries  int        `json:"entries"`
	First    *time.Time `json:"first"`
	Last     *time.Time `json:"last"`
	Starts   int        `json:"starts"`
	Failures int        `json:"failures"`
	OOMKills int        `json:"oom_kills"`
}

// Install is an installation of the agent, and where that was read.
type Install struct {
	Source      string `json:"source"` // registry, service, package.json, app.asar
	Where       string `json:"where"`  // registry key or file
	DisplayName string `json:"display_name"`
	Version     string `json:"version"`
	Dir         string `json:"dir"`
	InstallDate string `json:"install_date"`
	Scope       string `json:"scope"` // all-users, per-user, or "" when unknown
	User        string `json:"user"`  // the profile's SID of a per-user install
}

// EventCount counts the events of one ID in an event-log extract.
type EventCount struct {
	Log   string     `json:"log"`
	ID    int        `json:"id"`
	Count int        `json:"count"`
	Last  *time.Time `json:"last"`
	Path  string     `json:"path"` // the extract in the bundle
	Line  int        `json:"line"` // the line of the newest such event in it
}

// System is what the system collector found.
type System struct {
	OS            OSFacts       `json:"os"`
	Resources     Resources     `json:"resources"`
	Processes     Processes     `json:"processes"`
	Prerequisites Prerequisites `json:"prerequisites"`
	// OOM lists the OOM-killer lines found in the kernel ring buffer and the system log.
	OOM []LogLine `json:"oom"`
}

// LogLine is a line of a file in the bundle.
type LogLine struct {
	Path string     `json:"path"`
	Line int        `json:"line"`
	Time *time.Time `json:"time"`
	Text string     `json:"text"` // redacted, cut
}

// OSFacts describe the operating system (system/os.json).
type OSFacts struct {
	Type                string            `json:"type"`     // linux, windows
	Family              string            `json:"family"`   // debian, redhat, windows
	Platform            string            `json:"platform"` // ubuntu, amzn, windows
	Name                string            `json:"name"`
	Version             string            `json:"version"`
	Build               string            `json:"build"`
	Codename            string            `json:"codename"`
	Kernel              string            `json:"kernel"`
	Arch                string            `json:"arch"`
	BootTime            *time.Time        `json:"boot_time"`
	UptimeS             int64             `json:"uptime_s"`
	Timezone            string            `json:"timezone"`
	TimezoneOffsetS     int               `json:"timezone_offset_s"`
	Containerized       *bool             `json:"containerized"`
	WindowsServer2012R2 bool              `json:"windows_server_2012_r2"`
	OSRelease           map[string]string `json:"os_release"` // /etc/os-release (Linux)
	Cloud               Cloud             `json:"cloud"`
	Path                *WindowsPath      `json:"path"` // Windows; null elsewhere
	Errors              []string          `json:"errors"`
}

// Cloud is what the firmware tells of a cloud machine; no network is asked.
type Cloud struct {
	Vendor       string `json:"vendor"`        // DMI sys_vendor / BIOS SystemManufacturer
	Product      string `json:"product"`       // DMI product_name / BIOS SystemProductName
	Provider     string `json:"provider"`      // aws, azure, gcp, or ""
	InstanceType string `json:"instance_type"` // e.g. t3.micro, where the product name tells it
}

// WindowsPath is the PATH as the machine stores it (what services and new sessions get) and as
// opadiag's process has it.
type WindowsPath struct {
	Machine PathFacts `json:"machine"`
	Process PathFacts `json:"process"`
}

// PathFacts describe one PATH value.
type PathFacts struct {
	Entries     []string `json:"entries"`
	HasSystem32 bool     `json:"has_system32"`
	Empty       int      `json:"empty"`      // empty entries
	Unexpanded  []string `json:"unexpanded"` // entries with %VARIABLE% (normal in the machine's value)
}

// Resources are memory, CPU and disk (system/resources.json). Sizes are bytes.
type Resources struct {
	MemoryTotal     uint64    `json:"memory_total"`
	MemoryAvailable uint64    `json:"memory_available"`
	SwapTotal       uint64    `json:"swap_total"`
	SwapFree        uint64    `json:"swap_free"`
	CPUs            int       `json:"cpus"`
	Load            []float64 `json:"load"` // 1, 5 and 15 minutes; empty on Windows
	Disks           []Disk    `json:"disks"`
	Errors          []string  `json:"errors"`
}

// Disk is the free space where something lives.
type Disk struct {
	Purpose string `json:"purpose"` // agent home, agent install, output
	Path    string `json:"path"`
	FSType  string `json:"fs_type"`
	Total   uint64 `json:"total"`
	Free    uint64 `json:"free"`
	Error   string `json:"error,omitempty"`
}

// Processes are the agent's processes (system/processes.json).
type Processes struct {
	Total int `json:"total"` // processes on the machine
	// Instances counts the agent's main processes: those whose parent is not an agent process.
	// The guide: only one may run.
	Instances int       `json:"instances"`
	Agent     []Process `json:"agent"`
	// Matched says how agent processes were recognised.
	Matched []string `json:"matched"`
	Errors  []string `json:"errors"`
}

// Process is one of the agent's processes.
type Process struct {
	PID        int32      `json:"pid"`
	PPID       int32      `json:"ppid"`
	Name       string     `json:"name"`
	Exe        string     `json:"exe"`
	Cmdline    string     `json:"cmdline"` // redacted
	User       string     `json:"user"`
	Started    *time.Time `json:"started"`
	RSS        uint64     `json:"rss"`
	CPUPercent float64    `json:"cpu_percent"` // average since it started
	// Mode: service, ui, background, ui-or-background (Linux cannot tell), helper (an
	// Electron child: renderer, GPU…), child (another child of an agent process).
	Mode     string `json:"mode"`
	Instance bool   `json:"instance"` // a main process: its parent is not an agent process
	Match    string `json:"match"`    // why it counts as the agent's
	Service  string `json:"service"`  // the service it runs as, for mode service
	// OpenFiles is the process's open-files limit (Linux); null when unread.
	OpenFiles *Limit   `json:"open_files"`
	Errors    []string `json:"errors"`
}

// Limit is a soft and hard resource limit, as /proc/<pid>/limits prints them.
type Limit struct {
	Soft string `json:"soft"`
	Hard string `json:"hard"`
}

// Prerequisites are what on-prem connections need beside the agent (system/prerequisites.json).
type Prerequisites struct {
	Java   Java   `json:"java"`
	Oracle Oracle `json:"oracle"`
}

// Java is the Java runtime on-prem JDBC connections use (the guide: JDK 17).
type Java struct {
	Found   bool   `json:"found"`
	Path    string `json:"path"`
	Source  string `json:"source"` // PATH, JAVA_HOME
	Version string `json:"version"`
	Major   int    `json:"major"`
	Error   string `json:"error"`
}

// Oracle is the Oracle instant client Oracle connections need.
type Oracle struct {
	Found     bool     `json:"found"`
	Home      string   `json:"home"`      // ORACLE_HOME
	Libraries []string `json:"libraries"` // oci.dll / libclntsh.so* found
	Searched  []string `json:"searched"`  // where they were looked for
}

// fillService makes the service section's nil slices empty.
func fillService(s *Service) {
	nonNil(&s.Services)
	nonNil(&s.Installs)
	nonNil(&s.Events)
	for i := range s.Services {
		nonNil(&s.Services[i].Files)
		nonNil(&s.Services[i].Errors)
		if r := s.Services[i].Recovery; r != nil {
			nonNil(&r.Actions)
		}
	}
}

// FillSystem makes the system section's nil slices and maps empty, as Encode does; the
// system collector calls it before writing the same structures to system/*.json.
func FillSystem(s *System) { fillSystem(s) }

func fillSystem(s *System) {
	fillOS(&s.OS)
	fillResources(&s.Resources)
	fillProcesses(&s.Processes)
	fillPrerequisites(&s.Prerequisites)
	nonNil(&s.OOM)
}

func fillOS(o *OSFacts) {
	nonNil(&o.Errors)
	if o.OSRelease == nil {
		o.OSRelease = map[string]string{}
	}
	if p := o.Path; p != nil {
		for _, f := range []*PathFacts{&p.Machine, &p.Process} {
			nonNil(&f.Entries)
			nonNil(&f.Unexpanded)
		}
	}
}

func fillResources(r *Resources) {
	nonNil(&r.Load)
	nonNil(&r.Disks)
	nonNil(&r.Errors)
}

func fillProcesses(p *Processes) {
	nonNil(&p.Agent)
	nonNil(&p.Matched)
	nonNil(&p.Errors)
	for i := range p.Agent {
		nonNil(&p.Agent[i].Errors)
	}
}

func fillPrerequisites(p *Prerequisites) {
	nonNil(&p.Oracle.Libraries)
	nonNil(&p.Oracle.Searched)
}
