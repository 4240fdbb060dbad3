// Package stall bounds what a sick machine can make opadiag wait for: a read from a dead network
// share, an open or stat that an antivirus holds, a folder listing on a hung mount. Each such call
// runs on its own goroutine; when it makes no progress for the stall timeout, the caller gets
// ErrStalled and goes on, and the goroutine is abandoned (it holds no lock and nothing waits
// for it; the process ends without it).
package stall

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// ErrStalled is the error of a call or read that made no progress for its stall timeout.
var ErrStalled = errors.New("no progress")

// Error says how long a read or call made no progress.
type Error struct {
	Op    string        // "read", "open"…
	After time.Duration // the stall timeout
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s made no progress for %s: abandoned", e.Op, e.After)
}

// Unwrap makes errors.Is(err, ErrStalled) true.
func (e *Error) Unwrap() error { return ErrStalled }

// Call runs fn on its own goroutine and returns its result, or ErrStalled (as *Error) when fn has
// not returned within timeout, or ctx's error when ctx ends first. When fn returns later
// anyway, release (if not nil) is called with its result so that nothing it opened leaks.
func Call[T any](ctx context.Context, op string, timeout time.Duration, fn func() (T, error), release func(T)) (T, error) {
	type result struct {
		v   T
		err error
	}
	var (
		mu        sync.Mutex
		abandoned bool
	)
	done := make(chan result, 1)
	go func() {
		v, err := fn()
		mu.Lock()
		defer mu.Unlock()
		if abandoned {
			if err == nil && release != nil {
				release(v)
			}
			return
		}
		done <- result{v, err}
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	var zero T
	select {
	case r := <-done:
		return r.v, r.err
	case <-t.C:
	case <-ctx.Done():
	}
	mu.Lock()
	defer mu.Unlock()
	select {
	case r := <-done: // it finished at the last moment
		return r.v, r.err
	default:
	}
	abandoned = true
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	return zero, &Error{Op: op, After: timeout}
}

// bufSize is the size of the chunks a Reader reads ahead.
const bufSize = 64 << 10

// Reader reads its source on its own goroutine, one chunk ahead, and fails with ErrStalled when
// the source makes no progress for the timeout. It is not safe for concurrent reads.
type Reader struct {
	ctx     context.Context
	timeout time.Duration
	chunks  chan chunk
	free    chan []byte
	stop    chan struct{}
	once    sync.Once
	timer   *time.Timer
	cur     []byte // what is left of the chunk being handed out
	curBuf  []byte // that chunk's whole buffer, returned to free once handed out
	err     error  // sticky
	n       int64  // bytes handed out
}

type chunk struct {
	b   []byte
	err error
}

// NewReader starts reading r. Close it when done, so that its goroutine ends after its current
// read (a read that never returns keeps it blocked; that is all it costs).
func NewReader(ctx context.Context, r io.Reader, timeout time.Duration) *Reader {
	s := &Reader{
		ctx: ctx, timeout: timeout,
		chunks: make(chan chunk), free: make(chan []byte, 2), stop: make(chan struct{}),
	}
	s.free <- make([]byte, bufSize)
	s.free <- make([]byte, bufSize)
	go s.loop(r)
	return s
}

// loop owns r: nothing else touches it, so an abandoned read races with nobody.
func (s *Reader) loop(r io.Reader) {
	for {
		var buf []byte
		select {
		case buf = <-s.free:
		case <-s.stop:
			return
		}
		n, err := r.Read(buf)
		select {
		case s.chunks <- chunk{buf[:n], err}:
		case <-s.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

// Read implements io.Reader.
func (s *Reader) Read(p []byte) (int, error) {
	for len(s.cur) == 0 {
		if s.err != nil {
			return 0, s.err
		}
		if s.curBuf != nil {
			s.free <- s.curBuf[:cap(s.curBuf)]
			s.curBuf = nil
		}
		if err := s.next(); err != nil {
			s.err = err
		}
	}
	n := copy(p, s.cur)
	s.cur = s.cur[n:]
	s.n += int64(n)
	return n, nil
}

// next waits for the next chunk, at most the stall timeout.
func (s *Reader) next() error {
	if s.timer == nil {
		s.timer = time.NewTimer(s.timeout)
	} else {
		s.timer.Reset(s.timeout)
	}
	select {
	case c := <-s.chunks:
		s.timer.Stop()
		s.cur, s.curBuf = c.b, c.b
		if c.err != nil && len(c.b) == 0 {
			s.free <- c.b[:cap(c.b)]
			s.curBuf = nil
			return c.err
		}
		if c.err != nil {
			// Hand out the bytes first; the error comes with the next call.
			s.err = c.err
		}
		return nil
	case <-s.timer.C:
		return &Error{Op: "read", After: s.timeout}
	case <-s.ctx.Done():
		s.timer.Stop()
		return s.ctx.Err()
	}
}

// N returns the bytes Read has handed out.
func (s *Reader) N() int64 { return s.n }

// Close stops the reading goroutine after its current read.
func (s *Reader) Close() error {
	s.once.Do(func() { close(s.stop) })
	return nil
}
