package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokentray/tokentray/auth"
	"github.com/tokentray/tokentray/auth/authtest"
	"github.com/tokentray/tokentray/auth/keeper"
	"github.com/tokentray/tokentray/auth/store"
	"github.com/tokentray/tokentray/ui/agent"
	"github.com/tokentray/tokentray/ui/localapi"
)

const (
	user     = "api@corp.example"
	password = "agent-Secret-pw9"
)

// fakeClipboard records what was written; Replace simulates another
// application copying something.
type fakeClipboard struct {
	mu       sync.Mutex
	text     string
	writes   int
	clears   int
	replaced chan struct{}
}

func (c *fakeClipboard) Write(_ context.Context, text string) (<-chan struct{}, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.text, c.writes = text, c.writes+1
	c.replaced = make(chan struct{})
	return c.replaced, nil
}

func (c *fakeClipboard) Clear(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.text, c.clears = "", c.clears+1
	return nil
}

func (c *fakeClipboard) replace(text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.text = text
	close(c.replaced)
}

func (c *fakeClipboard) get() (string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.text, c.clears
}

type fakeNotifier struct {
	mu    sync.Mutex
	notes []string
	err   error
}

func (n *fakeNotifier) Notify(title, message string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.notes = append(n.notes, title+" | "+message)
	return n.err
}

func (n *fakeNotifier) all() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.notes...)
}

type rig struct {
	t     *testing.T
	srv   *authtest.Server
	store *store.Store
	clip  *fakeClipboard
	notes *fakeNotifier
	a     *agent.Agent
	stop  func() error // stops the current agent and returns Run's result
	wait  func() error // waits for the current agent to stop by itself
}

func newRig(t *testing.T) *rig {
	t.Helper()
	srv := authtest.NewTB(t)
	srv.AddUser(user, password)
	st, err := store.Open(t.TempDir(), store.NewMemSecrets())
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, srv: srv, store: st, clip: &fakeClipboard{}, notes: &fakeNotifier{}}
	r.start()
	return r
}

func (r *rig) start() {
	r.a = agent.New(agent.Options{
		Store: r.store, Clipboard: r.clip, Notifier: r.notes, Version: "test",
		NewClient: func(base string) keeper.Granter { return &auth.Client{BaseURL: base, Poll: time.Millisecond} },
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	a := r.a
	go func() { done <- a.Run(ctx) }()
	var once sync.Once
	var result error
	wait := func(cancelFirst bool) error {
		once.Do(func() {
			if cancelFirst {
				cancel()
			}
			select {
			case result = <-done:
			case <-time.After(10 * time.Second):
				r.t.Error("Run did not return")
			}
			cancel()
		})
		return result
	}
	r.stop = func() error { return wait(true) }
	r.wait = func() error { return wait(false) }
	r.t.Cleanup(func() { r.stop() })
}

// restart stops the agent and starts a new one on the same store, as a
// logout and login (or a reboot) would.
func (r *rig) restart() {
	r.stop()
	r.start()
}

func (r *rig) signIn(name string) localapi.Account {
	r.t.Helper()
	acc, err := r.a.SignIn(context.Background(), localapi.SignInRequest{
		Profile: name, Endpoint: r.srv.URL, Username: user, Password: password, Remember: true,
	})
	if err != nil {
		r.t.Fatalf("SignIn: %v", err)
	}
	return acc
}

// eventually polls cond for up to 10 s.
func setSettings(t *testing.T, st *store.Store, name string, change func(*store.Settings)) {
	t.Helper()
	err := st.Update(context.Background(), func(c *store.Config) error {
		p, _ := c.Find(name)
		change(&p.Settings)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSignInTokenAndStatus(t *testing.T) {
	r := newRig(t)
	acc := r.signIn("eu1")
	if acc.Phase != localapi.PhaseFresh || acc.Username != user {
		t.Fatalf("account after sign-in = %+v", acc)
	}
	tok, err := r.a.Token(context.Background(), localapi.TokenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != r.srv.AccessToken(user) || tok.Profile != "eu1" || tok.ExpiresIn < 3500 {
		t.Errorf("token = %+v", tok)
	}
	st := r.a.Status(context.Background())
	if st.Default != "eu1" || len(st.Accounts) != 1 || st.Accounts[0].HandedOut.IsZero() {
		t.Errorf("status = %+v; want eu1 default with a handed-out expiry", st)
	}
	js, _ := json.Marshal(st)
	for _, s := range []string{password, tok.AccessToken, r.srv.RefreshToken(user)} {
		if strings.Contains(string(js), s) {
			t.Errorf("status reveals a secret")
		}
	}
	// A restarted agent picks the account up from the store and keyring.
	r.restart()
	authtest.WaitFor(t, "restored account to be fresh", 10*time.Second, func() bool {
		a, ok := r.a.Status(context.Background()).Find("eu1")
		return ok && a.Phase == localapi.PhaseFresh
	})
}

func TestSignInFailureSavesNothing(t *testing.T) {
	r := newRig(t)
	_, err := r.a.SignIn(context.Background(), localapi.SignInRequest{Endpoint: r.srv.URL, Username: user, Password: "wrong", Remember: true})
	if !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("err = %v; want ErrBadCredentials", err)
	}
	if cfg, _ := r.store.Load(); len(cfg.Profiles) != 0 {
		t.Errorf("a failed sign-in saved an account")
	}
	_, err = r.a.SignIn(context.Background(), localapi.SignInRequest{Username: user, Password: "x", Region: "mars"})
	if !errors.Is(err, localapi.ErrBadRequest) {
		t.Errorf("bad region: %v; want ErrBadRequest", err)
	}
	if _, err := r.a.Token(context.Background(), localapi.TokenRequest{Profile: "nope"}); !errors.Is(err, localapi.ErrNotFound) {
		t.Errorf("unknown account: %v; want ErrNotFound", err)
	}
}

func TestCopyClearsOnlyWhatItCopied(t *testing.T) {
	r := newRig(t)
	r.signIn("eu1")
	setSettings(t, r.store, "eu1", func(s *store.Settings) { s.ClipboardClear = store.Duration(50 * time.Millisecond) })
	// The agent reads settings when an account starts: restart it.
	r.restart()
	authtest.WaitFor(t, "fresh", 10*time.Second, func() bool {
		a, _ := r.a.Status(context.Background()).Find("eu1")
		return a.Phase == localapi.PhaseFresh
	})

	if err := r.a.Copy(context.Background(), "", true); err != nil {
		t.Fatalf("Copy: %v", err)
	}
	if text, _ := r.clip.get(); text != "Authorization: Bearer "+r.srv.AccessToken(user) {
		t.Errorf("clipboard = %q; want the header line with the current token", text)
	}
	authtest.WaitFor(t, "clipboard cleared", 10*time.Second, func() bool { text, clears := r.clip.get(); return text == "" && clears == 1 })

	if err := r.a.Copy(context.Background(), "eu1", false); err != nil {
		t.Fatal(err)
	}
	r.clip.replace("something the admin copied")
	time.Sleep(150 * time.Millisecond)
	if text, clears := r.clip.get(); text != "something the admin copied" || clears != 1 {
		t.Errorf("clipboard = %q after %d clears; the agent cleared what it did not write", text, clears)
	}
}

func TestClipboardClearedOnQuit(t *testing.T) {
	r := newRig(t)
	r.signIn("eu1")
	if err := r.a.Copy(context.Background(), "", false); err != nil {
		t.Fatal(err)
	}
	if err := r.a.Quit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := r.wait(); err != nil {
		t.Errorf("Run after Quit = %v; want nil", err)
	}
	if text, clears := r.clip.get(); text != "" || clears != 1 {
		t.Errorf("clipboard after quit = %q (%d clears); want cleared", text, clears)
	}
}

func TestExpiryWarningForHandedOutToken(t *testing.T) {
	r := newRig(t)
	r.srv.SetLifetime(8 * time.Second) // refreshed 4 s after issue
	r.signIn("eu1")
	setSettings(t, r.store, "eu1", func(s *store.Settings) { s.NotifyLead = store.Duration(6 * time.Second) })
	r.restart()
	authtest.WaitFor(t, "fresh", 10*time.Second, func() bool {
		a, _ := r.a.Status(context.Background()).Find("eu1")
		return a.Phase == localapi.PhaseFresh
	})
	if _, err := r.a.Token(context.Background(), localapi.TokenRequest{MinValid: ptr(localapi.Duration(0))}); err != nil {
		t.Fatal(err)
	}
	authtest.WaitFor(t, "an expiry notification", 10*time.Second, func() bool {
		for _, n := range r.notes.all() {
			if strings.Contains(n, "Token of eu1 expires at") {
				return true
			}
		}
		return false
	})
	time.Sleep(200 * time.Millisecond)
	count := 0
	for _, n := range r.notes.all() {
		if strings.Contains(n, "expires at") {
			count++
		}
	}
	if count != 1 {
		t.Errorf("expiry notifications = %d; want 1 per handed-out token", count)
	}
}

func TestSignInNeededAndFailingNotifyOnceWithoutSecrets(t *testing.T) {
	r := newRig(t)
	r.signIn("eu1")
	r.srv.RevokeRefreshTokens(user)
	r.srv.SetPassword(user, "changed-in-eba")
	if err := r.a.Refresh(context.Background(), "eu1"); err != nil {
		t.Fatal(err)
	}
	authtest.WaitFor(t, "a sign-in-needed notification", 10*time.Second, func() bool {
		for _, n := range r.notes.all() {
			if strings.HasPrefix(n, "Sign-in needed: eu1 |") && strings.Contains(n, "90 days") {
				return true
			}
		}
		return false
	})
	a, _ := r.a.Status(context.Background()).Find("eu1")
	if a.Phase != localapi.PhaseSignInNeeded || a.Hint == "" || a.RequestID == "" {
		t.Errorf("account = %+v; want sign-in needed with a hint and request-id", a)
	}
	for _, n := range r.notes.all() {
		if strings.Contains(n, password) || strings.Contains(n, "changed-in-eba") {
			t.Errorf("notification reveals a password: %q", n)
		}
	}
	r.a.Refresh(context.Background(), "eu1")
	time.Sleep(100 * time.Millisecond)
	if got := len(r.notes.all()); got != 1 {
		t.Errorf("notifications = %d (%q); want 1", got, r.notes.all())
	}
}

func TestNoNotificationServerIsReportedOnce(t *testing.T) {
	r := newRig(t)
	r.notes.err = errors.New("org.freedesktop.Notifications was not provided by any .service files")
	r.signIn("eu1")
	r.srv.RevokeRefreshTokens(user)
	r.srv.SetPassword(user, "changed")
	r.a.Refresh(context.Background(), "eu1")
	authtest.WaitFor(t, "the notification problem in the status", 10*time.Second, func() bool {
		return strings.Contains(r.a.Status(context.Background()).Notifications, "not shown")
	})
	// Everything else keeps working: the still-valid token is served.
	if _, err := r.a.Token(context.Background(), localapi.TokenRequest{}); err != nil {
		t.Errorf("token: %v; want the still-valid token", err)
	}
	// Once it is not enough, the account says why.
	_, err := r.a.Token(context.Background(), localapi.TokenRequest{MinValid: ptr(localapi.Duration(2 * time.Hour))})
	if !errors.Is(err, keeper.ErrSignInNeeded) {
		t.Errorf("token: %v; want sign-in needed", err)
	}
}

func TestWatchCoalescesAndSignOutRemove(t *testing.T) {
	r := newRig(t)
	states, cancel := r.a.Watch()
	defer cancel()
	r.signIn("eu1")
	r.signIn("eu2")
	authtest.WaitFor(t, "two accounts in the stream", 10*time.Second, func() bool {
		select {
		case st := <-states:
			return len(st.Accounts) == 2
		default:
			return false
		}
	})
	if err := r.a.SetDefault(context.Background(), "eu2"); err != nil {
		t.Fatal(err)
	}
	if err := r.a.SignOut(context.Background(), "eu2", localapi.SignOutRequest{}); err != nil {
		t.Fatal(err)
	}
	if a, _ := r.a.Status(context.Background()).Find("eu2"); a.Phase != localapi.PhaseSignedOut {
		t.Errorf("eu2 phase = %q; want signed out", a.Phase)
	}
	if err := r.a.Remove(context.Background(), "eu1"); err != nil {
		t.Fatal(err)
	}
	st := r.a.Status(context.Background())
	if _, ok := st.Find("eu1"); ok || st.Default != "eu2" {
		t.Errorf("after remove: %+v", st)
	}
	if cfg, _ := r.store.Load(); len(cfg.Profiles) != 1 {
		t.Errorf("store still has %d accounts", len(cfg.Profiles))
	}
}

func ptr[T any](v T) *T { return &v }

func TestUpdateSettings(t *testing.T) {
	r := newRig(t)
	r.signIn("eu1")
	lead := localapi.Duration(10 * time.Minute)
	acc, err := r.a.UpdateSettings(context.Background(), "eu1", localapi.SettingsRequest{NotifyLead: &lead})
	if err != nil || acc.NotifyLead != lead || acc.MinValid != localapi.Duration(5*time.Minute) {
		t.Fatalf("UpdateSettings = %+v, %v", acc, err)
	}
	if p, _ := r.store.Profile("eu1"); time.Duration(p.Settings.NotifyLead) != 10*time.Minute {
		t.Errorf("saved notify lead = %v; want 10m", p.Settings.NotifyLead)
	}
	bad := localapi.Duration(-time.Minute)
	if _, err := r.a.UpdateSettings(context.Background(), "eu1", localapi.SettingsRequest{MinValid: &bad}); !errors.Is(err, localapi.ErrBadRequest) {
		t.Errorf("negative min valid: %v; want ErrBadRequest", err)
	}
}

func TestRefreshThatKeepsFailingIsNotifiedOnce(t *testing.T) {
	r := newRig(t)
	r.signIn("eu1")
	// The server fails every refresh while the token still has an hour left.
	for range 50 {
		r.srv.Script(authtest.ServerError())
	}
	for i := range 3 {
		if err := r.a.Refresh(context.Background(), "eu1"); err != nil {
			t.Fatal(err)
		}
		authtest.WaitFor(t, fmt.Sprintf("failure %d", i+1), 10*time.Second, func() bool {
			a, _ := r.a.Status(context.Background()).Find("eu1")
			return a.Failures == i+1
		})
		if i < 2 && len(r.notes.all()) != 0 {
			t.Fatalf("notified after %d failures: %q", i+1, r.notes.all())
		}
	}
	authtest.WaitFor(t, "a notification after three failures", 10*time.Second, func() bool {
		n := r.notes.all()
		return len(n) == 1 && strings.HasPrefix(n[0], "Cannot refresh the token of eu1 |")
	})
	r.a.Refresh(context.Background(), "eu1")
	time.Sleep(100 * time.Millisecond)
	if n := r.notes.all(); len(n) != 1 {
		t.Errorf("notifications = %q; want one per episode", n)
	}
}

func TestHandEditedBadEndpointIsReportedNotUsed(t *testing.T) {
	srv := authtest.NewTB(t)
	dir := t.TempDir()
	secrets := store.NewMemSecrets()
	secrets.Set(context.Background(), store.RefreshTokenKey("bad"), "some-refresh-token")
	cfg := `{"version":1,"profiles":[{"name":"bad","endpoint":"http://proxy.example","username":"api@corp.example"}]}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir, secrets)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, srv: srv, store: st, clip: &fakeClipboard{}, notes: &fakeNotifier{}}
	r.start()
	authtest.WaitFor(t, "the account to need attention", 10*time.Second, func() bool {
		a, _ := r.a.Status(context.Background()).Find("bad")
		return a.Phase == localapi.PhaseSignInNeeded && strings.Contains(a.Error, "plain http") && a.Hint != ""
	})
}
