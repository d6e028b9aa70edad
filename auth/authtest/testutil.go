package authtest

// Helpers for tests that watch real processes: a safe output buffer and a
// bounded wait.

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

// Buffer collects a child process's output: unlike bytes.Buffer, it is
// safe when os/exec copies stdout and stderr into it from two goroutines
// while the test reads it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// WaitFor polls cond every 10 ms until it is true, failing the test with
// "timed out after TIMEOUT waiting for WHAT" if it is not within timeout.
// It is for watching other processes and goroutines from outside; code in
// a testing/synctest bubble waits with synctest.Wait instead.
func WaitFor(tb testing.TB, what string, timeout time.Duration, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
