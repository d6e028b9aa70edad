package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/auth"
	"github.com/tokentray/tokentray/auth/authtest"
	"github.com/tokentray/tokentray/auth/keeper"
	"github.com/tokentray/tokentray/auth/store"
	"github.com/tokentray/tokentray/ui/cli"
)

const (
	user     = "api@corp.example"
	password = "cli-Secret-pw1"
)

// harness runs commands in-process against a temporary store and the fake
// ESET server.
type harness struct {
	t       *testing.T
	srv     *authtest.Server
	dir     string
	secrets *store.MemSecrets
}

func newHarness(t *testing.T) *harness {
	srv := authtest.NewTB(t)
	srv.AddUser(user, password)
	return &harness{t: t, srv: srv, dir: t.TempDir(), secrets: store.NewMemSecrets()}
}

func (h *harness) run(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = cli.Run(context.Background(), args, cli.Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		OpenStore: func() (*store.Store, error) { return store.Open(h.dir, h.secrets) },
		NewClient: func(base string) keeper.Granter {
			return &auth.Client{BaseURL: base, Poll: time.Millisecond}
		},
		ReadPassword: func(string) (string, bool, error) { return "", false, nil },
		Version:      "test-version",
	})
	return code, out.String(), errb.String()
}

func (h *harness) login(t *testing.T) {
	t.Helper()
	if code, _, stderr := h.run(password+"\n", "login", "--profile", "eu1", "--endpoint", h.srv.URL,
		"--username", user, "--password-stdin"); code != 0 {
		t.Fatalf("login exit %d: %s", code, stderr)
	}
}

func TestLoginTokenLogout(t *testing.T) {
	h := newHarness(t)
	h.login(t)

	code, stdout, stderr := h.run("", "token")
	if code != 0 {
		t.Fatalf("token exit %d: %s", code, stderr)
	}
	if got, want := strings.TrimSpace(stdout), h.srv.AccessToken(user); got != want {
		t.Errorf("token printed %q; want the server's current %q", got, want)
	}
	for format, prefix := range map[string]string{"bearer": "Bearer ", "header": "Authorization: Bearer "} {
		_, stdout, stderr := h.run("", "token", "--format", format)
		if want := prefix + h.srv.AccessToken(user) + "\n"; stdout != want {
			t.Errorf("--format %s printed %q (stderr %q); want %q", format, stdout, stderr, want)
		}
	}
	_, stdout, _ = h.run("", "token", "--format", "json", "--profile", "eu1")
	var js struct {
		Profile, AccessToken, TokenType, ExpiresAt string
		ExpiresIn                                  int64
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(&struct {
		Profile     *string `json:"profile"`
		AccessToken *string `json:"access_token"`
		TokenType   *string `json:"token_type"`
		ExpiresAt   *string `json:"expires_at"`
		ExpiresIn   *int64  `json:"expires_in"`
	}{&js.Profile, &js.AccessToken, &js.TokenType, &js.ExpiresAt, &js.ExpiresIn}); err != nil {
		t.Fatalf("json output %q: %v", stdout, err)
	}
	exp, err := time.Parse(time.RFC3339, js.ExpiresAt)
	if js.Profile != "eu1" || js.AccessToken != h.srv.AccessToken(user) || js.TokenType != "Bearer" ||
		err != nil || !strings.HasSuffix(js.ExpiresAt, "Z") || js.ExpiresIn < 3500 || time.Until(exp) < 59*time.Minute {
		t.Errorf("json = %+v", js)
	}
	if got := h.srv.ReusedRefreshTokens(); got != 0 {
		t.Errorf("reused refresh tokens = %d", got)
	}

	if code, _, stderr := h.run("", "logout"); code != 0 {
		t.Fatalf("logout exit %d: %s", code, stderr)
	}
	code, _, stderr = h.run("", "token")
	if code != cli.ExitSignInNeeded || !strings.Contains(stderr, "tokentray login") {
		t.Errorf("token after logout: exit %d, %q; want 3 and how to sign in", code, stderr)
	}
}

func TestLoginFailuresSayWhatToDo(t *testing.T) {
	h := newHarness(t)
	const typo = "Typo-In-Password-42"
	code, _, stderr := h.run(typo+"\n", "login", "--endpoint", h.srv.URL, "--username", user, "--password-stdin")
	if code != cli.ExitSignInNeeded || !strings.Contains(stderr, "90 days") || !strings.Contains(stderr, "request-id") {
		t.Errorf("wrong password: exit %d, %q; want 3, the expiry hint and the request-id", code, stderr)
	}
	if strings.Contains(stderr, typo) {
		t.Errorf("stderr repeats the password: %q", stderr)
	}
	if code, out, _ := h.run("", "profiles"); code != 0 || strings.Contains(out, user) {
		t.Errorf("a failed login saved an account: %q", out)
	}
	if keys := h.secrets.Keys(); len(keys) != 0 {
		t.Errorf("a failed login stored secrets: %v", keys)
	}

	h.srv.Script(authtest.Forbidden())
	code, _, stderr = h.run(password+"\n", "login", "--endpoint", h.srv.URL, "--username", user, "--password-stdin")
	if code != cli.ExitSignInNeeded || !strings.Contains(stderr, "Integrations") {
		t.Errorf("forbidden: exit %d, %q", code, stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		args   []string
		stdin  string
		errHas string
	}{
		{[]string{"login", "--username", user, "--password-stdin"}, "x\n", "--region is required"},
		{[]string{"login", "--region", "jp", "--username", user, "--password-stdin"}, "x\n", "Japan is jpn"},
		{[]string{"login", "--region", "eu", "--username", user}, "", "--password-stdin"},
		{[]string{"login", "--region", "eu", "--username", user, "--password-stdin"}, "\n", "no password"},
		{[]string{"login", "--endpoint", "http://example.com", "--username", user, "--password-stdin"}, "x\n", "https"},
		{[]string{"login", "--region", "eu", "--username", user, "hunter2"}, "", "never from arguments"},
		{[]string{"token", "--format", "yaml"}, "", "raw, bearer, header or json"},
		{[]string{"exec"}, "", "needs a command"},
		{[]string{"frobnicate"}, "", "unknown command"},
		{[]string{}, "", "Usage"},
	} {
		code, _, stderr := h.run(tc.stdin, tc.args...)
		if code != cli.ExitUsage || !strings.Contains(stderr, tc.errHas) {
			t.Errorf("%v: exit %d, stderr %q; want 2 mentioning %q", tc.args, code, stderr, tc.errHas)
		}
	}
	code, _, stderr := h.run("", "token")
	if code != cli.ExitError || !strings.Contains(stderr, "login") {
		t.Errorf("token with no account: exit %d, %q; want 1 and a pointer to login", code, stderr)
	}
}

func TestExecPassesTokenInEnvironmentAndExitCode(t *testing.T) {
	h := newHarness(t)
	h.login(t)
	out := filepath.Join(t.TempDir(), "env")
	code, _, stderr := h.run("", "exec", "--env", "MY_TOKEN", "--", "sh", "-c", `printf %s "$MY_TOKEN" > "$0"; exit 7`, out)
	if code != 7 {
		t.Fatalf("exec exit %d (%s); want the child's 7", code, stderr)
	}
	got, _ := os.ReadFile(out)
	if string(got) != h.srv.AccessToken(user) {
		t.Errorf("child saw token %q; want the current one", got)
	}
	if code, _, _ := h.run("", "exec", "--", "/nonexistent/cmd"); code != cli.ExitError {
		t.Errorf("missing command: exit %d; want 1", code)
	}
}

func TestProfilesAndVersion(t *testing.T) {
	h := newHarness(t)
	h.login(t)
	code, stdout, _ := h.run("", "profiles")
	if code != 0 || !strings.Contains(stdout, "*") || !strings.Contains(stdout, "eu1") || !strings.Contains(stdout, user) {
		t.Errorf("profiles: %d %q", code, stdout)
	}
	if _, stdout, _ := h.run("", "version"); stdout != "tokentray test-version\n" {
		t.Errorf("version printed %q", stdout)
	}
}

func TestLoginRefusesANameThatDiffersOnlyInCase(t *testing.T) {
	h := newHarness(t)
	h.login(t) // eu1
	before := h.secrets.Keys()
	code, _, stderr := h.run(password+"\n", "login", "--profile", "EU1", "--endpoint", h.srv.URL,
		"--username", user, "--password-stdin")
	if code != cli.ExitUsage || !strings.Contains(stderr, "ignore case") {
		t.Errorf("exit %d, %q; want 2 explaining names ignore case", code, stderr)
	}
	if after := h.secrets.Keys(); len(after) != len(before) {
		t.Errorf("keyring items %v -> %v; a refused login stored secrets", before, after)
	}
}
