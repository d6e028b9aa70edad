package store_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/auth/store"
)

// helperEnv makes the test binary, run again as a child, act as a second
// TokenTray process holding a lock (see TestHelperProcess).
const (
	helperEnv    = "TOKENTRAY_STORE_HELPER"
	helperDirEnv = "TOKENTRAY_STORE_HELPER_DIR"
)

// TestHelperProcess is not a test: started by TestLockAcrossProcesses as
// a child process, it takes the account lock, says "locked", holds the lock
// until its stdin closes, then releases it and says "unlocked".
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for TestLockAcrossProcesses")
	}
	s, err := store.Open(os.Getenv(helperDirEnv), store.NewMemSecrets())
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	unlock, err := s.Lock(ctx, "work")
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes stdin
	unlock()
	fmt.Println("unlocked")
	os.Exit(0)
}

func TestLockAcrossProcesses(t *testing.T) {
	s, _ := openStore(t)

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"=1", helperDirEnv+"="+s.Dir())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Process.Kill() // the child we started, if still running
		_ = cmd.Wait()
	})
	lines := make(chan string, 4)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	expect := func(want string) {
		t.Helper()
		select {
		case got := <-lines:
			if got != want {
				t.Fatalf("child said %q; want %q", got, want)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("child did not say %q in time", want)
		}
	}
	expect("locked")

	// Held by the child: the parent waits until its context gives up.
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.Lock(ctx, "work")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock while the child holds it = %v; want context.DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), `account "work"`) {
		t.Errorf("error %q does not name the account", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Lock gave up after %v; want about 100ms", elapsed)
	}
	// Another account's lock is independent.
	unlockOther, err := s.Lock(t.Context(), "lab")
	if err != nil {
		t.Fatalf("Lock(lab) while the child holds work: %v", err)
	}
	unlockOther()

	// Once the child releases it, the parent gets it.
	got := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		unlock, err := s.Lock(ctx, "work")
		if err == nil {
			unlock()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("Lock returned (%v) while the child still held it", err)
	case <-time.After(50 * time.Millisecond):
	}
	stdin.Close()
	expect("unlocked")
	if err := <-got; err != nil {
		t.Fatalf("Lock after the child released it: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("child: %v", err)
	}
}

func TestLockIsReleasedWhenProcessDies(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("relies on killing the child abruptly")
	}
	s, _ := openStore(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"=1", helperDirEnv+"="+s.Dir())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("child said %q, %v; want locked", line, err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	unlock, err := s.Lock(ctx, "work")
	if err != nil {
		t.Fatalf("Lock after the holder died: %v", err)
	}
	unlock()
}

func TestLockWaitHonoursCancel(t *testing.T) {
	s, _ := openStore(t)
	unlock, err := s.Lock(t.Context(), "work")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := s.Lock(ctx, "work")
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("second Lock returned (%v) while the first is held", err)
	case <-time.After(30 * time.Millisecond):
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled Lock = %v; want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Lock did not return after its context was cancelled")
	}
}

func TestLockHandOverInProcess(t *testing.T) {
	s, _ := openStore(t)
	// A second Store on the same directory must be excluded too.
	s2, err := store.Open(s.Dir(), store.NewMemSecrets())
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := s.Lock(t.Context(), "work")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan func(), 1)
	go func() {
		u, err := s2.Credentials("work").Lock(t.Context())
		if err != nil {
			t.Error(err)
			u = func() {}
		}
		got <- u
	}()
	select {
	case <-got:
		t.Fatal("second Lock succeeded while the first is held")
	case <-time.After(30 * time.Millisecond):
	}
	unlock()
	unlock() // harmless
	select {
	case u := <-got:
		u()
	case <-time.After(5 * time.Second):
		t.Fatal("second Lock not granted after the first was released")
	}
}

func TestLockFileModes(t *testing.T) {
	skipModesOnWindows(t)
	s, _ := openStore(t)
	unlock, err := s.Lock(t.Context(), "api.user@example.com")
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	checkMode(t, filepath.Join(s.Dir(), "locks"), 0o700)
	checkMode(t, filepath.Join(s.Dir(), "locks", "api.user@example.com.lock"), 0o600)
}

func TestLockRejectsBadNames(t *testing.T) {
	s, _ := openStore(t)
	for _, name := range []string{"", "..", "../x", "a/b", `a\b`} {
		if _, err := s.Lock(t.Context(), name); err == nil {
			t.Errorf("Lock(%q) succeeded; want an error", name)
		}
	}
}
