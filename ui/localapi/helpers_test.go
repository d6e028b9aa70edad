package localapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeBackend is a Backend whose methods are function fields; a nil field
// answers a zero value (or an error for the calls that return one).
type fakeBackend struct {
	StatusFunc     func(ctx context.Context) Status
	WatchFunc      func() (<-chan Status, func())
	TokenFunc      func(ctx context.Context, req TokenRequest) (TokenResponse, error)
	SignInFunc     func(ctx context.Context, req SignInRequest) (Account, error)
	SignOutFunc    func(ctx context.Context, profile string, req SignOutRequest) error
	RemoveFunc     func(ctx context.Context, profile string) error
	SetDefaultFunc func(ctx context.Context, profile string) error
	RefreshFunc    func(ctx context.Context, profile string) error
	SettingsFunc   func(ctx context.Context, profile string, req SettingsRequest) (Account, error)
	CopyFunc       func(ctx context.Context, profile string, header bool) error
	OpenWindowFunc func(ctx context.Context) error
	QuitFunc       func(ctx context.Context) error
}

var _ Backend = (*fakeBackend)(nil)

var errUnset = errors.New("fake: not set")

func (f *fakeBackend) Status(ctx context.Context) Status {
	if f.StatusFunc == nil {
		return Status{Version: "test"}
	}
	return f.StatusFunc(ctx)
}

func (f *fakeBackend) Watch() (<-chan Status, func()) {
	if f.WatchFunc == nil {
		ch := make(chan Status, 1)
		ch <- Status{Version: "test"}
		var once sync.Once
		return ch, func() { once.Do(func() { close(ch) }) }
	}
	return f.WatchFunc()
}

func (f *fakeBackend) Token(ctx context.Context, req TokenRequest) (TokenResponse, error) {
	if f.TokenFunc == nil {
		return TokenResponse{}, errUnset
	}
	return f.TokenFunc(ctx, req)
}

func (f *fakeBackend) SignIn(ctx context.Context, req SignInRequest) (Account, error) {
	if f.SignInFunc == nil {
		return Account{}, errUnset
	}
	return f.SignInFunc(ctx, req)
}

func (f *fakeBackend) Copy(ctx context.Context, profile string, header bool) error {
	if f.CopyFunc == nil {
		return errUnset
	}
	return f.CopyFunc(ctx, profile, header)
}

func (f *fakeBackend) UpdateSettings(ctx context.Context, profile string, req SettingsRequest) (Account, error) {
	if f.SettingsFunc == nil {
		return Account{}, errUnset
	}
	return f.SettingsFunc(ctx, profile, req)
}

func (f *fakeBackend) SignOut(ctx context.Context, profile string, req SignOutRequest) error {
	if f.SignOutFunc == nil {
		return errUnset
	}
	return f.SignOutFunc(ctx, profile, req)
}

func (f *fakeBackend) Remove(ctx context.Context, profile string) error {
	if f.RemoveFunc == nil {
		return errUnset
	}
	return f.RemoveFunc(ctx, profile)
}

func (f *fakeBackend) SetDefault(ctx context.Context, profile string) error {
	if f.SetDefaultFunc == nil {
		return errUnset
	}
	return f.SetDefaultFunc(ctx, profile)
}

func (f *fakeBackend) Refresh(ctx context.Context, profile string) error {
	if f.RefreshFunc == nil {
		return errUnset
	}
	return f.RefreshFunc(ctx, profile)
}

func (f *fakeBackend) OpenWindow(ctx context.Context) error {
	if f.OpenWindowFunc == nil {
		return errUnset
	}
	return f.OpenWindowFunc(ctx)
}

func (f *fakeBackend) Quit(ctx context.Context) error {
	if f.QuitFunc == nil {
		return errUnset
	}
	return f.QuitFunc(ctx)
}

// broadcaster implements Backend.Watch the way the agent should: each
// watcher has a one-slot channel that always holds the newest Status.
type broadcaster struct {
	mu   sync.Mutex
	cur  Status
	subs map[chan Status]bool
}

func newBroadcaster(st Status) *broadcaster {
	return &broadcaster{cur: st, subs: map[chan Status]bool{}}
}

func (b *broadcaster) Watch() (<-chan Status, func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ch := make(chan Status, 1)
	ch <- b.cur
	b.subs[ch] = true
	return ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.subs[ch] {
			delete(b.subs, ch)
			close(ch)
		}
	}
}

func (b *broadcaster) Set(st Status) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cur = st
	for ch := range b.subs {
		select {
		case ch <- st:
		default:
			select {
			case <-ch:
			default:
			}
			ch <- st
		}
	}
}

func (b *broadcaster) watchers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// logBuffer is a goroutine-safe buffer for a slog handler.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// shortTempDir returns a fresh private directory with a path short enough
// for unix sockets (t.TempDir() embeds the test name and can exceed the
// ~107-byte limit).
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "tt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// testAgent is a Server on a real socket.
type testAgent struct {
	path   string
	client *Client
	log    *logBuffer
	cancel context.CancelFunc
	done   chan error // receives Serve's result
}

// startAgent listens on a fresh socket and serves b until the test ends.
func startAgent(t *testing.T, b Backend) *testAgent {
	t.Helper()
	path := filepath.Join(shortTempDir(t), "run", "agent.sock")
	ln, err := Listen(path)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	return serveOn(t, b, path, ln)
}

func serveOn(t *testing.T, b Backend, path string, ln net.Listener) *testAgent {
	t.Helper()
	a := &testAgent{path: path, client: NewClient(path), log: &logBuffer{}, done: make(chan error, 1)}
	logger := slog.New(slog.NewTextHandler(a.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	srv := NewServer(b, logger)
	go func() { a.done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() { a.stop(t) })
	return a
}

// stop shuts the server down and waits for Serve to return; calling it
// again is harmless.
func (a *testAgent) stop(t *testing.T) {
	t.Helper()
	a.cancel()
	select {
	case err, ok := <-a.done:
		if ok && err != nil {
			t.Errorf("Serve = %v; want nil after cancel", err)
		}
		if ok {
			close(a.done)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

// raw sends a request with an arbitrary body over the agent's socket and
// returns the status, headers and body of the answer.
func (a *testAgent) raw(t *testing.T, method, path, body string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://tokentray"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.client.hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, b
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// makeStaleSocket leaves a socket file at path with nothing listening, as a
// crashed agent does.
func makeStaleSocket(t *testing.T, path string) string {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if fi, err := os.Lstat(path); err != nil || fi.Mode().Type() != fs.ModeSocket {
		t.Fatalf("stale socket not left behind: %v", err)
	}
	return path
}
