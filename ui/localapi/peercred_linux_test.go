package localapi

import (
	"context"
	"fmt"
	"github.com/tokentray/tokentray/auth/authtest"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// peerHelperEnv makes the test binary act as a client of the socket named
// by its value instead of running tests (see TestMain).
const peerHelperEnv = "TOKENTRAY_LOCALAPI_PEER_HELPER"

func TestMain(m *testing.M) {
	if path := os.Getenv(peerHelperEnv); path != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := NewClient(path).Status(ctx); err != nil {
			fmt.Printf("refused: %v\n", err)
		} else {
			fmt.Println("answered")
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestPeerOfAnotherUserIsRefused dials the agent from a process running as
// uid 65534 (nobody), with the directory and socket opened up by hand as a
// misconfiguration would: SO_PEERCRED must still keep it out, while the
// agent's own user gets through.
func TestPeerOfAnotherUserIsRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a client as another uid; TestCheckPeer covers the check itself")
	}
	base := shortTempDir(t)
	path := filepath.Join(base, "run", "agent.sock")
	ln, err := Listen(path)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	for p, m := range map[string]os.FileMode{base: 0o711, filepath.Dir(path): 0o711, path: 0o666} {
		if err := os.Chmod(p, m); err != nil {
			t.Fatal(err)
		}
	}
	a := serveOn(t, &fakeBackend{}, path, ln)

	// The test binary lives in a root-only build directory: copy it where
	// nobody can run it.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(shortTempDir(t), "helper")
	if err := os.Chmod(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, exe, bin, 0o755)

	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), peerHelperEnv+"="+path)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper as uid 65534: %v\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "refused: ") {
		t.Errorf("a client of uid 65534 got: %s; want its connection refused", out)
	}
	if err := a.client.Ping(ctxT(t)); err != nil {
		t.Errorf("same-uid Ping: %v", err)
	}
	authtest.WaitFor(t, "the refusal to be logged", 5*time.Second, func() bool {
		return strings.Contains(a.log.String(), "runs as uid 65534")
	})
}

// TestCheckPeer checks the uid comparison directly (it runs without root):
// a real unix connection of ours passes for our uid and fails for another,
// and a connection without peer credentials fails closed.
func TestCheckPeer(t *testing.T) {
	path := filepath.Join(shortTempDir(t), "peer.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	client, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, ok := <-accepted
	if !ok {
		t.Fatal("accept failed")
	}
	defer server.Close()

	if err := checkPeer(server, os.Getuid()); err != nil {
		t.Errorf("checkPeer(own uid) = %v; want nil", err)
	}
	if err := checkPeer(server, os.Getuid()+1); err == nil {
		t.Errorf("checkPeer(other uid) = nil; want an error")
	}
	p1, p2 := net.Pipe()
	defer p1.Close()
	defer p2.Close()
	if err := checkPeer(p1, os.Getuid()); err == nil {
		t.Errorf("checkPeer(net.Pipe) = nil; want an error (fail closed)")
	}
}

func copyFile(t *testing.T, from, to string, perm os.FileMode) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
