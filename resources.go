package main

// The Windows resources of opadiag.exe: its icon, version information and application manifest
// (run as the invoker, Windows 10 / Server 2016 and later, long paths). winres/winres.json and
// the icon drawn by winres_icon_test.go are their source; `go generate` rewrites the icon files
// and rsrc_windows_amd64.syso and rsrc_windows_arm64.syso, which go build links into the Windows
// exe. Commit all of them. Development builds say version "devel"; scripts/release.sh stamps the
// release's version into copies of the .syso files.
//
// go-winres runs as a tool, pinned, without being a dependency of opadiag.

//go:generate go test -run ^TestIconFiles$ -update-icon .
//go:generate go run github.com/tc-hib/go-winres@v0.3.3 make --in winres/winres.json --arch amd64,arm64 --out rsrc
