// Package osout holds the parsers of the operating system's command output and stored facts,
// used by the service, system and network collectors: systemctl (show, list-units, unit files),
// journalctl, /proc/<pid>/cgroup and limits, /etc/os-release, syslog and kernel lines,
// `java -version`, `ldconfig -p`, sc.exe, wevtutil (and the queries it is given), netsh winhttp
// and WinINet proxy lists. Everything here is pure and untagged: it takes text or bytes and runs
// nothing, so Linux CI tests the Windows parsers too, on captured output under testdata.
package osout
