package stall

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"
)

// hung returns its data, then blocks until release is closed.
type hung struct {
	data    []byte
	release chan struct{}
}

func (h *hung) Read(p []byte) (int, error) {
	if len(h.data) > 0 {
		n := copy(p, h.data)
		h.data = h.data[n:]
		return n, nil
	}
	<-h.release
	return 0, io.EOF
}

func TestReader(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef\n"), 50000) // 850 KB, many chunks
	tests := []struct {
		name    string
		src     func(release chan struct{}) io.Reader
		want    []byte
		stalled bool
		err     error
	}{
		{"whole", func(chan struct{}) io.Reader { return bytes.NewReader(big) }, big, false, nil},
		{"one byte at a time", func(chan struct{}) io.Reader { return iotest.OneByteReader(strings.NewReader("abc\ndef")) }, []byte("abc\ndef"), false, nil},
		{"data with EOF", func(chan struct{}) io.Reader { return iotest.DataErrReader(strings.NewReader("xyz")) }, []byte("xyz"), false, nil},
		{"error after data", func(chan struct{}) io.Reader {
			return io.MultiReader(strings.NewReader("kept"), iotest.ErrReader(errors.New("disk gone")))
		}, []byte("kept"), false, errors.New("disk gone")},
		{"hangs after data", func(r chan struct{}) io.Reader { return &hung{data: []byte("before the stall\n"), release: r} }, []byte("before the stall\n"), true, nil},
		{"hangs at once", func(r chan struct{}) io.Reader { return &hung{release: r} }, nil, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			defer close(release)
			// A short timeout only where the source hangs: a loaded machine (the race detector,
			// parallel packages) must not make a healthy source look stalled.
			timeout := 5 * time.Second
			if tt.stalled {
				timeout = 100 * time.Millisecond
			}
			r := NewReader(context.Background(), tt.src(release), timeout)
			defer r.Close()
			got, err := io.ReadAll(r)
			if !bytes.Equal(got, tt.want) {
				t.Errorf("read %d bytes, want %d", len(got), len(tt.want))
			}
			if r.N() != int64(len(tt.want)) {
				t.Errorf("N = %d, want %d", r.N(), len(tt.want))
			}
			switch {
			case tt.stalled:
				var se *Error
				if !errors.Is(err, ErrStalled) || !errors.As(err, &se) || se.Op != "read" {
					t.Errorf("err = %v, want a stalled read", err)
				}
			case tt.err != nil:
				if err == nil || err.Error() != tt.err.Error() {
					t.Errorf("err = %v, want %v", err, tt.err)
				}
			case err != nil:
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestReaderContext(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	r := NewReader(ctx, &hung{release: release}, time.Hour)
	defer r.Close()
	cancel()
	if _, err := io.ReadAll(r); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestCall(t *testing.T) {
	t.Run("returns", func(t *testing.T) {
		v, err := Call(context.Background(), "open", time.Hour, func() (int, error) { return 7, nil }, nil)
		if v != 7 || err != nil {
			t.Fatalf("got %d, %v", v, err)
		}
	})
	t.Run("stalls, then releases what it opened late", func(t *testing.T) {
		unblock := make(chan struct{})
		var released atomic.Int32
		released.Store(-1)
		done := make(chan struct{})
		_, err := Call(context.Background(), "open", 20*time.Millisecond, func() (int, error) {
			<-unblock
			return 42, nil
		}, func(v int) { released.Store(int32(v)); close(done) })
		var se *Error
		if !errors.As(err, &se) || se.Op != "open" || !strings.Contains(err.Error(), "open made no progress") {
			t.Fatalf("err = %v, want a stalled open", err)
		}
		close(unblock)
		<-done
		if released.Load() != 42 {
			t.Fatalf("release got %d, want 42", released.Load())
		}
	})
	t.Run("context ends first", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		block := make(chan struct{})
		defer close(block)
		_, err := Call(ctx, "stat", time.Hour, func() (int, error) { <-block; return 0, nil }, nil)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}
