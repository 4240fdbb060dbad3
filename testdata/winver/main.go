//go:build windows

// Command winver prints the version resource of an exe as Windows reads it (GetFileVersionInfo,
// VerQueryValue): the fixed file and product versions and a few strings, one per line. The
// release test runs it under Wine on the built opadiag.exe; it is a test aid only.
package main

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: winver FILE.exe")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintf(os.Stderr, "winver: %v\n", err)
		os.Exit(1)
	}
}

func run(name string) error {
	size, err := windows.GetFileVersionInfoSize(name, nil)
	if err != nil {
		return fmt.Errorf("GetFileVersionInfoSize: %w", err)
	}
	buf := make([]byte, size)
	if err := windows.GetFileVersionInfo(name, 0, size, unsafe.Pointer(&buf[0])); err != nil {
		return fmt.Errorf("GetFileVersionInfo: %w", err)
	}
	var fixed *windows.VS_FIXEDFILEINFO
	var n uint32
	if err := windows.VerQueryValue(unsafe.Pointer(&buf[0]), `\`, unsafe.Pointer(&fixed), &n); err != nil {
		return fmt.Errorf("VerQueryValue \\: %w", err)
	}
	fmt.Printf("FileVersion#=%d.%d.%d.%d\n", fixed.FileVersionMS>>16, fixed.FileVersionMS&0xffff, fixed.FileVersionLS>>16, fixed.FileVersionLS&0xffff)
	fmt.Printf("ProductVersion#=%d.%d.%d.%d\n", fixed.ProductVersionMS>>16, fixed.ProductVersionMS&0xffff, fixed.ProductVersionLS>>16, fixed.ProductVersionLS&0xffff)
	for _, key := range []string{"ProductName", "FileVersion", "ProductVersion", "CompanyName", "FileDescription"} {
		var p *uint16
		if err := windows.VerQueryValue(unsafe.Pointer(&buf[0]), `\StringFileInfo\040904B0\`+key, unsafe.Pointer(&p), &n); err != nil {
			return fmt.Errorf("VerQueryValue %s: %w", key, err)
		}
		fmt.Printf("%s=%s\n", key, windows.UTF16PtrToString(p))
	}
	return nil
}
