package netprobe

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"syscall"

	"github.com/opadiag/opadiag/manifest"
)

// Windows socket error numbers (winsock2.h). syscall defines the Unix names on Windows too, but
// with other values, so these are matched by number.
const (
	wsaECONNRESET   = 10054
	wsaETIMEDOUT    = 10060
	wsaECONNREFUSED = 10061
	wsaENETUNREACH  = 10051
	wsaEHOSTUNREACH = 10065
	wsaENETDOWN     = 10050
)

// Classify names what went wrong in a network operation with one of the manifest's error kinds:
// timeout, refused, unreachable, reset, closed, not_tls, or error when it is none of those.
func Classify(err error) string {
	if err == nil {
		return ""
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsKind(err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return manifest.KindTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return manifest.KindTimeout
	}
	if k := errnoKind(err); k != "" {
		return k
	}
	var rh tls.RecordHeaderError
	if errors.As(err, &rh) {
		return manifest.KindNotTLS
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return manifest.KindClosed
	}
	// Errors that lost their errno on the way (wrapped as text by a library).
	msg := strings.ToLower(err.Error())
	switch {
	case strings.Contains(msg, "connection refused"):
		return manifest.KindRefused
	case strings.Contains(msg, "connection reset"):
		return manifest.KindReset
	case strings.Contains(msg, "unreachable"):
		return manifest.KindUnreachable
	}
	return manifest.KindError
}

// errnoKind maps the system's socket errors, on Unix and on Windows.
func errnoKind(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return ""
	}
	win := runtime.GOOS == "windows"
	switch {
	case errno == syscall.ECONNREFUSED || win && errno == wsaECONNREFUSED:
		return manifest.KindRefused
	case errno == syscall.ENETUNREACH || errno == syscall.EHOSTUNREACH || errno == syscall.ENETDOWN ||
		win && (errno == wsaENETUNREACH || errno == wsaEHOSTUNREACH || errno == wsaENETDOWN):
		return manifest.KindUnreachable
	case errno == syscall.ETIMEDOUT || win && errno == wsaETIMEDOUT:
		return manifest.KindTimeout
	case errno == syscall.ECONNRESET || errno == syscall.EPIPE || win && errno == wsaECONNRESET:
		return manifest.KindReset
	}
	return ""
}

// dnsKind names a failed lookup: not_found (the name does not exist), timeout, no_resolver (no
// resolver could be asked: none configured, or it refused or could not be reached) or
// dns_error (the resolver answered with an error).
func dnsKind(err error) string {
	var d *net.DNSError
	if !errors.As(err, &d) {
		switch Classify(err) {
		case manifest.KindTimeout:
			return manifest.KindTimeout
		case manifest.KindRefused, manifest.KindUnreachable:
			return manifest.KindNoResolver
		}
		return manifest.KindDNSError
	}
	switch {
	case d.IsNotFound:
		return manifest.KindNotFound
	case d.IsTimeout:
		return manifest.KindTimeout
	}
	if d.UnwrapErr != nil {
		switch errnoKind(d.UnwrapErr) {
		case manifest.KindRefused, manifest.KindUnreachable:
			return manifest.KindNoResolver
		}
	}
	msg := strings.ToLower(d.Err)
	for _, s := range []string{"connection refused", "unreachable", "no dns servers", "no such file", "no nameserver"} {
		if strings.Contains(msg, s) {
			return manifest.KindNoResolver
		}
	}
	return manifest.KindDNSError
}

// tlsKind names a failed TLS handshake: timeout, reset and closed as for connections, not_tls
// when the server answered with something else (a proxy's or a captive portal's plain HTTP),
// tls_handshake otherwise (an alert: no common version or cipher…).
func tlsKind(err error) string {
	switch k := Classify(err); k {
	case manifest.KindTimeout, manifest.KindReset, manifest.KindClosed, manifest.KindNotTLS, manifest.KindRefused, manifest.KindUnreachable:
		return k
	}
	return manifest.KindTLS
}

// httpKind names a failed HTTP exchange.
func httpKind(err error) string {
	switch k := Classify(err); k {
	case manifest.KindTimeout, manifest.KindReset, manifest.KindClosed, manifest.KindRefused, manifest.KindUnreachable,
		manifest.KindNotFound, manifest.KindNoResolver, manifest.KindDNSError, manifest.KindNotTLS:
		return k
	}
	return manifest.KindHTTP
}
