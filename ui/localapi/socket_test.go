//go:build unix

package localapi

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestSocketPath(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/1000")
	if got, err := SocketPath(); err != nil || got != "/run/user/1000/tokentray/agent.sock" {
		t.Errorf("SocketPath() = %q, %v; want /run/user/1000/tokentray/agent.sock", got, err)
	}
	fallback := filepath.Join(os.TempDir(), "tokentray-"+strconv.Itoa(os.Getuid()), "agent.sock")
	for _, rt := range []string{"", "relative/dir"} {
		t.Setenv("XDG_RUNTIME_DIR", rt)
		if got, err := SocketPath(); err != nil || got != fallback {
			t.Errorf("XDG_RUNTIME_DIR=%q: SocketPath() = %q, %v; want %q", rt, got, err, fallback)
		}
	}
	t.Setenv("XDG_RUNTIME_DIR", "/"+strings.Repeat("d", 120))
	if got, err := SocketPath(); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("SocketPath() with a long runtime dir = %q, %v; want a length error", got, err)
	}
}

// TestListenModes checks the directory and socket modes with a permissive
// umask, so the chmods (not the umask) are what make them private.
func TestListenModes(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)

	base := shortTempDir(t)
	path := filepath.Join(base, "new", "agent.sock")
	ln, err := Listen(path)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	defer ln.Close()
	if got := mode(t, filepath.Dir(path)); got != 0o700 {
		t.Errorf("new directory mode = %v; want 0700", got)
	}
	if got := mode(t, path); got != 0o600 {
		t.Errorf("socket mode = %v; want 0600", got)
	}
	ln.Close()
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket still there after Close: %v", err)
	}

	// An existing directory of ours that others can read is tightened; so
	// is one an odd umask made too tight for the agent itself.
	for _, m := range []fs.FileMode{0o755, 0o777, 0o711, 0o500} {
		dir := filepath.Join(base, "existing"+m.String()[1:])
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, m); err != nil {
			t.Fatal(err)
		}
		ln, err := Listen(filepath.Join(dir, "agent.sock"))
		if err != nil {
			t.Errorf("Listen in a %v directory: %v", m, err)
			continue
		}
		ln.Close()
		if got := mode(t, dir); got != 0o700 {
			t.Errorf("directory mode %v became %v; want 0700", m, got)
		}
	}
}

func TestListenRefusesUnsafeDirectories(t *testing.T) {
	base := shortTempDir(t)

	sticky := filepath.Join(base, "sticky")
	if err := os.Mkdir(sticky, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(sticky, os.ModeSticky|0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(filepath.Join(sticky, "agent.sock")); err == nil || !strings.Contains(err.Error(), "shared") {
		t.Errorf("Listen in a sticky directory = %v; want a refusal", err)
	}
	if got := mode(t, sticky); got != 0o777 {
		t.Errorf("sticky directory's mode changed to %v", got)
	}

	target := filepath.Join(base, "target")
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(filepath.Join(link, "agent.sock")); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Listen in a symlinked directory = %v; want a refusal", err)
	}

	file := filepath.Join(base, "plain")
	if err := os.Mkdir(file, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(file, "agent.sock"), []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(filepath.Join(file, "agent.sock")); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("Listen over a regular file = %v; want a refusal", err)
	}
	if b, _ := os.ReadFile(filepath.Join(file, "agent.sock")); string(b) != "keep me" {
		t.Errorf("regular file was replaced")
	}
}

func TestListenRefusesForeignDirectory(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a directory to another uid; checkPrivateDir's owner test covers the logic")
	}
	base := shortTempDir(t)
	dir := filepath.Join(base, "foreign")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	_, err := Listen(filepath.Join(dir, "agent.sock"))
	if err == nil || !strings.Contains(err.Error(), "belongs to uid 65534") {
		t.Errorf("Listen in a directory of uid 65534 = %v; want a refusal naming the owner", err)
	}
	if got := mode(t, dir); got != 0o755 {
		t.Errorf("foreign directory's mode changed to %v", got)
	}
}

// TestCheckPrivateDirOwner runs without root: it checks the owner test
// against a uid that is not the directory's.
func TestCheckPrivateDirOwner(t *testing.T) {
	dir := shortTempDir(t)
	fi, err := os.Lstat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkPrivateDir(dir, fi, os.Getuid()+1); err == nil || !strings.Contains(err.Error(), "not to you") {
		t.Errorf("checkPrivateDir for another uid = %v; want a refusal", err)
	}
	if err := checkPrivateDir(dir, fi, os.Getuid()); err != nil {
		t.Errorf("checkPrivateDir for the owner = %v", err)
	}
}

func TestListenReplacesStaleSocket(t *testing.T) {
	path := filepath.Join(shortTempDir(t), "agent.sock")
	makeStaleSocket(t, path)
	ln, err := Listen(path)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	a := serveOn(t, &fakeBackend{}, path, ln)
	if err := a.client.Ping(ctxT(t)); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if got := mode(t, path); got != 0o600 {
		t.Errorf("replaced socket's mode = %v; want 0600", got)
	}
}

func TestSecondListenFindsAgent(t *testing.T) {
	a := startAgent(t, &fakeBackend{})
	_, err := Listen(a.path)
	if !errors.Is(err, ErrAgentRunning) {
		t.Fatalf("second Listen = %v; want ErrAgentRunning", err)
	}
	// The first agent is undisturbed.
	if err := a.client.Ping(ctxT(t)); err != nil {
		t.Errorf("Ping the first agent: %v", err)
	}
	// Once it stops, its socket is gone and a new agent can start.
	a.stop(t)
	ln, err := Listen(a.path)
	if err != nil {
		t.Fatalf("Listen after the first agent stopped: %v", err)
	}
	ln.Close()
}

// TestListenLeavesHungAgent: something accepts connections but never
// answers. Its socket must not be removed.
func TestListenLeavesHungAgent(t *testing.T) {
	old := pingTimeout
	pingTimeout = 200 * time.Millisecond
	defer func() { pingTimeout = old }()

	path := filepath.Join(shortTempDir(t), "agent.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold it open, answer nothing
		}
	}()
	_, err = Listen(path)
	if err == nil || errors.Is(err, ErrAgentRunning) || !strings.Contains(err.Error(), "does not answer") {
		t.Errorf("Listen next to a hung agent = %v; want a 'does not answer' error", err)
	}
	if _, err := os.Lstat(path); err != nil {
		t.Errorf("the hung agent's socket was removed: %v", err)
	}
}

func TestListenRefusesLongPath(t *testing.T) {
	_, err := Listen("/tmp/" + strings.Repeat("x", 120) + "/agent.sock")
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("Listen on a long path = %v; want a length error", err)
	}
}

func TestConcurrentListenOverStaleSocket(t *testing.T) {
	path := filepath.Join(shortTempDir(t), "agent.sock")
	makeStaleSocket(t, path)
	const n = 4
	type result struct {
		ln  net.Listener
		err error
	}
	results := make(chan result, n)
	for range n {
		go func() {
			ln, err := Listen(path)
			if err == nil {
				// Serve, so the others' ping is answered.
				serveOn(t, &fakeBackend{}, path, ln)
			}
			results <- result{ln, err}
		}()
	}
	won := 0
	for range n {
		r := <-results
		switch {
		case r.err == nil:
			won++
		case errors.Is(r.err, ErrAgentRunning):
		default:
			t.Errorf("Listen: %v", r.err)
		}
	}
	if won != 1 {
		t.Errorf("%d agents listened; want exactly 1", won)
	}
	if err := NewClient(path).Ping(context.Background()); err != nil {
		t.Errorf("Ping the winner: %v", err)
	}
}
