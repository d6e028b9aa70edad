package keeper_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tokentray/tokentray/auth"
	"github.com/tokentray/tokentray/auth/authtest"
	"github.com/tokentray/tokentray/auth/keeper"
	"github.com/tokentray/tokentray/auth/store"
)

// The cross-process test runs real OS processes (this test binary, re-run
// as a helper) that share one account through auth/store: its file lock and
// its secrets. Under `make test` the secrets live in the real Secret Service
// (gnome-keyring); a plain `go test` uses files, which still exercises the
// lock.

const (
	helperEnv  = "TOKENTRAY_TEST_REFRESHER"
	profile    = "shared"
	refreshes  = 5 // per process
	childCount = 2
)

// fileSecrets keeps secrets in 0600 files, shared by processes like a keyring.
type fileSecrets struct{ dir string }

func (f fileSecrets) path(key string) string {
	return filepath.Join(f.dir, hex.EncodeToString([]byte(key)))
}

func (f fileSecrets) Get(_ context.Context, key string) (string, error) {
	b, err := os.ReadFile(f.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return "", store.ErrNotFound
	}
	return string(b), err
}

func (f fileSecrets) Set(_ context.Context, key, value string) error {
	tmp := f.path(key) + ".tmp"
	if err := os.WriteFile(tmp, []byte(value), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, f.path(key))
}

func (f fileSecrets) Delete(_ context.Context, key string) error {
	if err := os.Remove(f.path(key)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// sharedSecrets picks the real keyring under `make test`, files otherwise.
func sharedSecrets(t testing.TB, service, dir string) store.Secrets {
	if os.Getenv(authtest.RealServicesEnv) == "1" {
		return store.NewKeyring(service, 10*time.Second)
	}
	if t != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must run this against the real Secret Service: use `make test`")
		}
		t.Log("secrets in files; `make test` runs this against the real Secret Service")
	}
	return fileSecrets{dir: dir}
}

func TestTwoProcessesNeverSpendOneRefreshToken(t *testing.T) {
	srv := authtest.NewTB(t)
	srv.AddUser(user, password)
	dir := t.TempDir()
	service := "tokentray-test-" + rand.Text()[:8]
	secrets := sharedSecrets(t, service, dir)
	st, err := store.Open(dir, secrets)
	if err != nil {
		t.Fatal(err)
	}
	creds := st.Credentials(profile)
	t.Cleanup(func() {
		creds.SetPassword(context.Background(), "")
		creds.SetRefreshToken(context.Background(), "")
	})

	// Sign in once, as `tokentray login` would.
	client := &auth.Client{BaseURL: srv.URL, Poll: time.Millisecond}
	k := keeper.New(keeper.Config{Profile: profile, Username: user, Client: client, Creds: creds})
	if err := k.SignIn(context.Background(), password, true); err != nil {
		t.Fatal(err)
	}

	// Two processes refresh the same account at the same time, repeatedly.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var children []*exec.Cmd
	for i := range childCount {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperRefresher$", "-test.v")
		cmd.Env = append(os.Environ(), helperEnv+"=1", "HELPER_URL="+srv.URL, "HELPER_DIR="+dir,
			"HELPER_SERVICE="+service, "HELPER_ID="+strconv.Itoa(i))
		out, err := os.CreateTemp(t.TempDir(), "child")
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		children = append(children, cmd)
		t.Cleanup(func() {
			if t.Failed() {
				b, _ := os.ReadFile(out.Name())
				t.Logf("child %d output:\n%s", i, b)
			}
		})
	}
	for i, cmd := range children {
		if err := cmd.Wait(); err != nil {
			t.Errorf("child %d: %v", i, err)
		}
	}

	if got := srv.ReusedRefreshTokens(); got != 0 {
		t.Errorf("a spent refresh token was sent %d times", got)
	}
	if got, want := srv.Grants("refresh_token"), childCount*refreshes+childCount; got < want {
		// Each child refreshes once at start-up and then `refreshes` times.
		t.Errorf("refresh grants = %d; want at least %d", got, want)
	}
	if got := srv.Grants("password"); got != 1 {
		t.Errorf("password grants = %d; want 1 (no fallback needed)", got)
	}
	stored, err := creds.RefreshToken(context.Background())
	if err != nil || stored != srv.RefreshToken(user) {
		t.Errorf("stored refresh token is not the server's current one (err %v)", err)
	}
}

// TestHelperRefresher is the child process of the test above; it does
// nothing in a normal run.
func TestHelperRefresher(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		return
	}
	dir := os.Getenv("HELPER_DIR")
	st, err := store.Open(dir, sharedSecrets(nil, os.Getenv("HELPER_SERVICE"), dir))
	if err != nil {
		t.Fatal(err)
	}
	k := keeper.New(keeper.Config{
		Profile: profile, Username: user, Creds: st.Credentials(profile),
		Client: &auth.Client{BaseURL: os.Getenv("HELPER_URL"), Poll: time.Millisecond},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	go k.Run(ctx)
	states, stop := k.Subscribe()
	defer stop()

	var last time.Time
	waitFresh := func() {
		for s := range states {
			if s.Phase == keeper.Fresh && s.Obtained.After(last) {
				last = s.Obtained
				return
			}
			if s.Phase == keeper.SignInNeeded || s.Phase == keeper.Failing {
				t.Fatalf("child %s: %v: %v", os.Getenv("HELPER_ID"), s.Phase, s.Err)
			}
		}
		t.Fatal("state stream ended")
	}
	waitFresh() // start-up refresh from the stored refresh token
	for range refreshes {
		k.RefreshNow()
		waitFresh()
	}
	fmt.Println("child done")
}
