package cli_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokentray/tokentray/auth/authtest"
)

// buildBinary builds tokentray into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tokentray")
	if out, err := exec.Command("go", "build", "-o", bin, "../..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestConcurrentTokenProcessesNeverSpendOneRefreshToken starts several
// `tokentray token` processes at once with no agent running: each
// refreshes the shared account under its file lock, reading the newest
// refresh token from the real keyring, so none is spent twice.
func TestConcurrentTokenProcessesNeverSpendOneRefreshToken(t *testing.T) {
	authtest.RequireRealServices(t, "Secret Service")
	bin := buildBinary(t)
	srv := authtest.NewTB(t)
	srv.AddUser(user, password)
	config, runtime := t.TempDir(), t.TempDir()
	env := append(os.Environ(), "XDG_CONFIG_HOME="+config, "XDG_RUNTIME_DIR="+runtime)
	profile := "conc-" + strings.ToLower(filepath.Base(config))
	login := exec.Command(bin, "login", "--profile", profile, "--endpoint", srv.URL, "--username", user, "--password-stdin")
	login.Env, login.Stdin = env, strings.NewReader(password+"\n")
	if out, err := login.CombinedOutput(); err != nil {
		t.Fatalf("login: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		logout := exec.Command(bin, "logout", "--profile", profile, "--forget")
		logout.Env = env
		logout.Run()
	})

	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			cmd := exec.Command(bin, "token", "--profile", profile)
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if err != nil {
				err = fmt.Errorf("process %d: %v: %s", i, err, out)
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got := srv.ReusedRefreshTokens(); got != 0 {
		t.Errorf("a spent refresh token was sent %d times", got)
	}
	if got := srv.Grants("refresh_token"); got != n {
		t.Errorf("refresh grants = %d; want one per process (%d)", got, n)
	}
}

// TestBinaryAgainstRealKeyring builds tokentray and drives it as a script
// would, against the fake ESET server and the real Secret Service of the
// test session: the secrets must land in the keyring (read back with
// secret-tool) and nowhere else.
func TestBinaryAgainstRealKeyring(t *testing.T) {
	authtest.RequireRealServices(t, "Secret Service")
	for _, tool := range []string{"go", "secret-tool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed: run `.ci/deps test`", tool)
		}
	}
	bin := buildBinary(t)
	srv := authtest.NewTB(t)
	srv.AddUser(user, password)
	config, runtimeDir := t.TempDir(), t.TempDir()
	profile := "e2e-" + strings.ToLower(filepath.Base(config))

	var transcript bytes.Buffer
	run := func(stdin string, args ...string) (int, string) {
		cmd := exec.Command(bin, args...)
		// A private runtime dir: no agent is found, the command works in-process.
		cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+config, "XDG_RUNTIME_DIR="+runtimeDir)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		transcript.WriteString(strings.Join(args, " ") + "\n" + out.String() + errb.String())
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return code, out.String()
	}
	lookup := func(key string) string {
		out, _ := exec.Command("secret-tool", "lookup", "service", "tokentray", "username", key).Output()
		return string(out)
	}
	t.Cleanup(func() { run("", "logout", "--profile", profile, "--forget") })

	if code, _ := run(password+"\n", "login", "--profile", profile, "--endpoint", srv.URL,
		"--username", user, "--password-stdin"); code != 0 {
		t.Fatalf("login exit %d:\n%s", code, transcript.String())
	}
	if got, want := lookup(profile+"/refresh-token"), srv.RefreshToken(user); got != want || got == "" {
		t.Errorf("keyring refresh token = %q; want the server's %q", got, want)
	}
	if lookup(profile+"/password") != password {
		t.Errorf("password not in the keyring")
	}
	code, out := run("", "token", "--profile", profile)
	if code != 0 || strings.TrimSpace(out) != srv.AccessToken(user) {
		t.Fatalf("token exit %d printed %q; want the server's current token\n%s", code, out, transcript.String())
	}
	// The rotated refresh token was saved: the next run refreshes with it.
	if lookup(profile+"/refresh-token") != srv.RefreshToken(user) {
		t.Errorf("rotated refresh token not saved to the keyring")
	}
	if code, _ := run("", "token", "--profile", profile); code != 0 || srv.ReusedRefreshTokens() != 0 {
		t.Errorf("second token run: exit %d, reused %d", code, srv.ReusedRefreshTokens())
	}

	// Secrets appear only in the keyring and on stdout of `token`.
	err := filepath.Walk(config, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, _ := os.ReadFile(path)
		for _, s := range []string{password, srv.RefreshToken(user), srv.AccessToken(user)} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s contains a secret", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(transcript.String(), password) {
		t.Errorf("the password appeared in the command's output")
	}

	if code, _ := run("", "logout", "--profile", profile, "--forget"); code != 0 {
		t.Errorf("logout exit %d", code)
	}
	if lookup(profile+"/refresh-token") != "" || lookup(profile+"/password") != "" {
		t.Errorf("logout --forget left secrets in the keyring")
	}
	if code, _ := run("", "token", "--profile", profile); code != 3 {
		t.Errorf("token after logout: exit %d; want 3", code)
	}
}
