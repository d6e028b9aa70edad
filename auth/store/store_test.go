package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokentray/tokentray/auth"
	"github.com/tokentray/tokentray/auth/store"
)

func openStore(t *testing.T) (*store.Store, *store.MemSecrets) {
	t.Helper()
	sec := store.NewMemSecrets()
	s, err := store.Open(filepath.Join(t.TempDir(), "tokentray"), sec)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s, sec
}

func profile(name string) store.Profile {
	return store.Profile{
		Name:     name,
		Region:   auth.RegionEU,
		Username: name + "@example.com",
		Settings: store.DefaultSettings(),
	}
}

func skipModesOnWindows(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Unix file modes")
	}
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("mode of %s = %v; want %v", path, got, want)
	}
}

func TestOpenCreatesPrivateDir(t *testing.T) {
	skipModesOnWindows(t)
	dir := filepath.Join(t.TempDir(), "a", "tokentray")
	s, err := store.Open(dir, store.NewMemSecrets())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Dir(), dir; got != want {
		t.Errorf("Dir() = %q; want %q", got, want)
	}
	checkMode(t, dir, 0o700)
}

func TestOpenTightensLooseDir(t *testing.T) {
	skipModesOnWindows(t)
	dir := filepath.Join(t.TempDir(), "tokentray")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // despite the umask
		t.Fatal(err)
	}
	if _, err := store.Open(dir, store.NewMemSecrets()); err != nil {
		t.Fatal(err)
	}
	checkMode(t, dir, 0o700)
}

func TestOpenRelativeDirIsMadeAbsolute(t *testing.T) {
	t.Chdir(t.TempDir())
	s, err := store.Open("rel", store.NewMemSecrets())
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(s.Dir()) {
		t.Errorf("Dir() = %q; want an absolute path", s.Dir())
	}
}

func TestOpenNeedsSecrets(t *testing.T) {
	if _, err := store.Open(t.TempDir(), nil); err == nil {
		t.Error("Open with nil Secrets succeeded; want an error")
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/tmp/xdg")
	t.Setenv("HOME", "/tmp/home")
	t.Setenv("AppData", `C:\AppData`)
	dir, err := store.DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	base, _ := os.UserConfigDir()
	if got, want := dir, filepath.Join(base, "tokentray"); got != want {
		t.Errorf("DefaultDir() = %q; want %q", got, want)
	}
}

func TestLoadMissingFileIsEmpty(t *testing.T) {
	s, _ := openStore(t)
	c, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != store.ConfigVersion || c.Default != "" || len(c.Profiles) != 0 {
		t.Errorf("Load() = %+v; want an empty version-%d config", c, store.ConfigVersion)
	}
}

func TestSaveProfileRoundTrip(t *testing.T) {
	s, _ := openStore(t)
	ctx := t.Context()
	work := profile("work")
	work.Settings.MinValid = store.Duration(90 * time.Second)
	work.Settings.RememberPassword = false
	lab := store.Profile{
		Name: "lab", Endpoint: "http://127.0.0.1:8080/", Username: "lab@example.com",
		Settings: store.DefaultSettings(),
	}
	if err := s.SaveProfile(ctx, work, false); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveProfile(ctx, lab, false); err != nil {
		t.Fatal(err)
	}

	c, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	lab.Endpoint = "http://127.0.0.1:8080" // normalised on save
	want := &store.Config{Version: store.ConfigVersion, Default: "work", Profiles: []store.Profile{work, lab}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Load() = %+v; want %+v", c, want)
	}

	// Replacing keeps the position and the default.
	work.Username = "other@example.com"
	if err := s.SaveProfile(ctx, work, false); err != nil {
		t.Fatal(err)
	}
	got, err := s.Profile("work")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, work) {
		t.Errorf("Profile(work) = %+v; want %+v", got, work)
	}
	if c, _ := s.Load(); len(c.Profiles) != 2 || c.Profiles[0].Name != "work" {
		t.Errorf("after replacing, profiles = %+v; want work then lab", c.Profiles)
	}
}

func TestConfigFileFormat(t *testing.T) {
	s, _ := openStore(t)
	p := profile("work")
	p.Region = "JPN" // normalised on save
	if err := s.SaveProfile(t.Context(), p, true); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(s.ConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	prof := raw["profiles"].([]any)[0].(map[string]any)
	if got, want := prof["region"], "jpn"; got != want {
		t.Errorf("region = %v; want %v", got, want)
	}
	if _, ok := prof["endpoint"]; ok {
		t.Errorf("empty endpoint was written: %s", data)
	}
	settings := prof["settings"].(map[string]any)
	wantSettings := map[string]any{
		"min_valid": "5m0s", "notify_lead": "5m0s", "clipboard_clear": "1m0s", "remember_password": true,
	}
	if !reflect.DeepEqual(settings, wantSettings) {
		t.Errorf("settings = %v; want %v", settings, wantSettings)
	}
	if got, want := raw["version"], float64(1); got != want {
		t.Errorf("version = %v; want %v", got, want)
	}
}

func TestFileModesAndNoTempFilesLeft(t *testing.T) {
	s, _ := openStore(t)
	for i := range 5 {
		if err := s.SaveProfile(t.Context(), profile(fmt.Sprintf("p%d", i)), false); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"config.json", "config.lock"}; !slices.Equal(names, want) {
		t.Errorf("store dir holds %v; want %v (no temporary files)", names, want)
	}
	if runtime.GOOS != "windows" {
		checkMode(t, s.ConfigPath(), 0o600)
		checkMode(t, filepath.Join(s.Dir(), "config.lock"), 0o600)
	}
}

func TestSettingsDefaultsWhenLeftOut(t *testing.T) {
	s, _ := openStore(t)
	hand := `{"profiles":[{"name":"work","region":"de","username":"a@example.com","settings":{"min_valid":"10m"}},
	                      {"name":"bare","region":"us","username":"b@example.com","extra":"ignored"}],
	          "future_field":42}`
	if err := os.WriteFile(s.ConfigPath(), []byte(hand), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	want := store.DefaultSettings()
	want.MinValid = store.Duration(10 * time.Minute)
	if got := c.Profiles[0].Settings; got != want {
		t.Errorf("settings = %+v; want %+v", got, want)
	}
	if got := c.Profiles[1].Settings; got != store.DefaultSettings() {
		t.Errorf("settings left out = %+v; want defaults", got)
	}
	if c.Version != store.ConfigVersion {
		t.Errorf("version = %d; want %d for a file without one", c.Version, store.ConfigVersion)
	}
	// Unknown fields do not stop an update.
	if err := s.SaveProfile(t.Context(), profile("new"), false); err != nil {
		t.Errorf("SaveProfile over a file with unknown fields: %v", err)
	}
}

func TestDurationJSON(t *testing.T) {
	b, err := json.Marshal(store.Duration(90 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `"1m30s"`; got != want {
		t.Errorf("Marshal = %s; want %s", got, want)
	}
	var d store.Duration
	if err := json.Unmarshal([]byte(`"2h"`), &d); err != nil || d != store.Duration(2*time.Hour) {
		t.Errorf("Unmarshal(2h) = %v, %v; want 2h0m0s", d, err)
	}
	if err := json.Unmarshal([]byte(`null`), &d); err != nil || d != store.Duration(2*time.Hour) {
		t.Errorf("Unmarshal(null) = %v, %v; want the value left alone", d, err)
	}
	for _, bad := range []string{`300`, `"5 minutes"`, `{}`} {
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("Unmarshal(%s) succeeded; want an error", bad)
		}
	}
}

func TestCorruptConfigIsNeverOverwritten(t *testing.T) {
	for _, tc := range []struct{ name, content, inError string }{
		{"bad JSON", `{"profiles": [`, "unexpected end of JSON input"},
		{"wrong shape", `[1, 2]`, "cannot unmarshal"},
		{"future version", `{"version": 2, "profiles": []}`, "newer TokenTray"},
		{"empty", ``, "unexpected end of JSON input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openStore(t)
			if err := os.WriteFile(s.ConfigPath(), []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := s.Load()
			var ce *store.CorruptConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Load() error = %v; want a *CorruptConfigError", err)
			}
			if ce.Path != s.ConfigPath() {
				t.Errorf("Path = %q; want %q", ce.Path, s.ConfigPath())
			}
			for _, want := range []string{s.ConfigPath(), "fix it or move it away; TokenTray will not overwrite it", tc.inError} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}

			called := false
			err = s.Update(t.Context(), func(*store.Config) error { called = true; return nil })
			if !errors.As(err, &ce) {
				t.Errorf("Update error = %v; want a *CorruptConfigError", err)
			}
			if called {
				t.Error("Update called fn on a corrupt config")
			}
			if err := s.SaveProfile(t.Context(), profile("work"), true); !errors.As(err, &ce) {
				t.Errorf("SaveProfile error = %v; want a *CorruptConfigError", err)
			}
			if _, err := s.Profile("work"); !errors.As(err, &ce) {
				t.Errorf("Profile error = %v; want a *CorruptConfigError", err)
			}
			data, err := os.ReadFile(s.ConfigPath())
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != tc.content {
				t.Errorf("config file changed to %q; want it untouched", data)
			}
		})
	}
}

func TestUpdateFnErrorAbortsWithoutWriting(t *testing.T) {
	s, _ := openStore(t)
	if err := s.SaveProfile(t.Context(), profile("work"), true); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(s.ConfigPath())
	boom := errors.New("boom")
	err := s.Update(t.Context(), func(c *store.Config) error {
		c.Profiles = nil
		return boom
	})
	if err != boom {
		t.Errorf("Update error = %v; want fn's error as is", err)
	}
	after, _ := os.ReadFile(s.ConfigPath())
	if string(after) != string(before) {
		t.Errorf("config changed after a failed Update:\n%s\nwant\n%s", after, before)
	}
}

func TestUpdateRefusesInvalidResult(t *testing.T) {
	s, _ := openStore(t)
	err := s.Update(t.Context(), func(c *store.Config) error {
		c.Profiles = append(c.Profiles, store.Profile{Name: "x", Region: "eu"})
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "has no username") || !strings.Contains(err.Error(), s.ConfigPath()) {
		t.Errorf("Update error = %v; want a validation error naming the file", err)
	}
	if _, err := os.Stat(s.ConfigPath()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("config file written despite a validation error (stat: %v)", err)
	}
}

func TestValidate(t *testing.T) {
	base := profile("work")
	for _, tc := range []struct {
		name   string
		modify func(*store.Profile)
		want   string // "" means valid
	}{
		{"ok", func(*store.Profile) {}, ""},
		{"email as name", func(p *store.Profile) { p.Name = "api.user+eu@example.com" }, ""},
		{"64 chars", func(p *store.Profile) { p.Name = strings.Repeat("a", 64) }, ""},
		{"empty name", func(p *store.Profile) { p.Name = "" }, "needs a name"},
		{"65 chars", func(p *store.Profile) { p.Name = strings.Repeat("a", 65) }, "up to 64 letters"},
		{"slash", func(p *store.Profile) { p.Name = "a/b" }, "is not allowed"},
		{"dot dot", func(p *store.Profile) { p.Name = ".." }, "starting with a letter or digit"},
		{"space", func(p *store.Profile) { p.Name = "my account" }, "is not allowed"},
		{"no username", func(p *store.Profile) { p.Username = "  " }, "has no username: give the API user's email address"},
		{"no region", func(p *store.Profile) { p.Region = "" }, "has no region: choose one of eu, de, us, ca, jpn"},
		{"bad region", func(p *store.Profile) { p.Region = "jp" }, "Japan is jpn"},
		{"upper region", func(p *store.Profile) { p.Region = "US" }, ""},
		{"endpoint without region", func(p *store.Profile) { p.Region = ""; p.Endpoint = "https://proxy.example:8443" }, ""},
		{"plain http endpoint", func(p *store.Profile) { p.Endpoint = "http://proxy.example" }, "use https"},
		{"endpoint with password", func(p *store.Profile) { p.Endpoint = "https://u:pw@proxy.example" }, "must not contain a user name or password"},
		{"negative min_valid", func(p *store.Profile) { p.Settings.MinValid = store.Duration(-time.Second) }, "min_valid is negative"},
		{"huge notify_lead", func(p *store.Profile) { p.Settings.NotifyLead = store.Duration(2 * time.Hour) }, "notify_lead is 2h0m0s: use at most 50m0s"},
		{"zero settings", func(p *store.Profile) { p.Settings = store.Settings{} }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := base
			tc.modify(&p)
			err := p.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate() = %v; want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Validate() = %v; want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    store.Config
		want string
	}{
		{"duplicate", store.Config{Profiles: []store.Profile{profile("a"), profile("a")}}, `two accounts named "a"`},
		{"case", store.Config{Profiles: []store.Profile{profile("Work"), profile("work")}}, "differ only in case"},
		{"missing default", store.Config{Default: "gone", Profiles: []store.Profile{profile("a")}}, `default account "gone" does not exist`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v; want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestSaveProfileRejectsCaseTwin(t *testing.T) {
	s, _ := openStore(t)
	if err := s.SaveProfile(t.Context(), profile("Work"), false); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveProfile(t.Context(), profile("work"), false); err == nil || !strings.Contains(err.Error(), "differ only in case") {
		t.Errorf("SaveProfile(work) next to Work = %v; want a case error", err)
	}
}

func TestBaseURL(t *testing.T) {
	p := profile("work")
	p.Region = "JPN"
	if got, err := p.BaseURL(); err != nil || got != "https://jpn.business-account.iam.eset.systems" {
		t.Errorf("BaseURL() = %q, %v; want the jpn address", got, err)
	}
	p.Endpoint = "https://proxy.example:8443/eset/"
	if got, err := p.BaseURL(); err != nil || got != "https://proxy.example:8443/eset" {
		t.Errorf("BaseURL() with endpoint = %q, %v; want the endpoint without trailing slash", got, err)
	}
	p.Endpoint = "ftp://x"
	if _, err := p.BaseURL(); err == nil || !strings.Contains(err.Error(), `account "work"`) {
		t.Errorf("BaseURL() with bad endpoint = %v; want an error naming the account", err)
	}
}

func TestProfileSelection(t *testing.T) {
	s, _ := openStore(t)
	ctx := t.Context()

	_, err := s.Profile("")
	if !errors.Is(err, store.ErrNoProfiles) || err.Error() != "no account yet: sign in first" {
		t.Errorf("Profile(\"\") with no accounts = %v; want ErrNoProfiles", err)
	}
	_, err = s.Profile("work")
	if !errors.Is(err, store.ErrProfileNotFound) || !strings.Contains(err.Error(), "sign in first") {
		t.Errorf("Profile(work) with no accounts = %v; want ErrProfileNotFound saying to sign in", err)
	}

	if err := s.SaveProfile(ctx, profile("work"), false); err != nil {
		t.Fatal(err)
	}
	if p, err := s.Profile(""); err != nil || p.Name != "work" {
		t.Errorf("Profile(\"\") with one account = %q, %v; want work", p.Name, err)
	}

	// A second account does not take over the default...
	if err := s.SaveProfile(ctx, profile("lab"), false); err != nil {
		t.Fatal(err)
	}
	if p, err := s.Profile(""); err != nil || p.Name != "work" {
		t.Errorf("Profile(\"\") = %q, %v; want the default, work", p.Name, err)
	}
	// ...unless asked to.
	if err := s.SaveProfile(ctx, profile("lab"), true); err != nil {
		t.Fatal(err)
	}
	if p, err := s.Profile(""); err != nil || p.Name != "lab" {
		t.Errorf("Profile(\"\") = %q, %v; want the new default, lab", p.Name, err)
	}

	_, err = s.Profile("nope")
	if !errors.Is(err, store.ErrProfileNotFound) || err.Error() != "no account named \"nope\": run `tokentray profiles` to list them" {
		t.Errorf("Profile(nope) = %v; want ErrProfileNotFound with a hint", err)
	}

	// Several accounts and no default: the caller must name one.
	if err := s.Update(ctx, func(c *store.Config) error { c.Default = ""; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Profile(""); !errors.Is(err, store.ErrNoDefaultProfile) {
		t.Errorf("Profile(\"\") with two accounts and no default = %v; want ErrNoDefaultProfile", err)
	}

	// A hand-edited default that names no account.
	hand := `{"version":1,"default":"gone","profiles":[{"name":"work","region":"eu","username":"a@example.com"}]}`
	if err := os.WriteFile(s.ConfigPath(), []byte(hand), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Profile(""); !errors.Is(err, store.ErrProfileNotFound) || !strings.Contains(err.Error(), `the default account "gone" does not exist`) {
		t.Errorf("Profile(\"\") with a dangling default = %v; want ErrProfileNotFound naming it", err)
	}
}

func TestRemoveProfile(t *testing.T) {
	s, sec := openStore(t)
	ctx := t.Context()
	for _, name := range []string{"work", "lab", "home"} {
		if err := s.SaveProfile(ctx, profile(name), name == "work"); err != nil {
			t.Fatal(err)
		}
		c := s.Credentials(name)
		if err := c.SetPassword(ctx, "pw-"+name); err != nil {
			t.Fatal(err)
		}
		if err := c.SetRefreshToken(ctx, "rt-"+name); err != nil {
			t.Fatal(err)
		}
	}

	if err := s.RemoveProfile(ctx, "work"); err != nil {
		t.Fatal(err)
	}
	want := []string{"home/password", "home/refresh-token", "lab/password", "lab/refresh-token"}
	if got := sec.Keys(); !slices.Equal(got, want) {
		t.Errorf("keyring keys after removing work = %v; want %v", got, want)
	}
	c, _ := s.Load()
	if c.Default != "" || len(c.Profiles) != 2 {
		t.Errorf("after removing the default of three: default %q, %d accounts; want no default, 2 accounts", c.Default, len(c.Profiles))
	}

	if err := s.RemoveProfile(ctx, "lab"); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Load(); len(c.Profiles) != 1 || c.Profiles[0].Name != "home" {
		t.Errorf("profiles = %+v; want only home", c.Profiles)
	}

	if err := s.RemoveProfile(ctx, "lab"); !errors.Is(err, store.ErrProfileNotFound) {
		t.Errorf("removing lab twice = %v; want ErrProfileNotFound", err)
	}
	if err := s.RemoveProfile(ctx, ""); err == nil {
		t.Error("RemoveProfile(\"\") succeeded; want an error asking for a name")
	}
}

func TestRemoveDefaultReassignsToOnlyRemaining(t *testing.T) {
	s, _ := openStore(t)
	ctx := t.Context()
	for _, name := range []string{"work", "lab"} {
		if err := s.SaveProfile(ctx, profile(name), name == "work"); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RemoveProfile(ctx, "work"); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Load(); c.Default != "lab" {
		t.Errorf("default after removing it with one account left = %q; want lab", c.Default)
	}
}

func TestRemoveProfileKeepsAccountWhenKeyringFails(t *testing.T) {
	s, sec := openStore(t)
	ctx := t.Context()
	if err := s.SaveProfile(ctx, profile("work"), true); err != nil {
		t.Fatal(err)
	}
	if err := s.Credentials("work").SetPassword(ctx, "hunter2-secret"); err != nil {
		t.Fatal(err)
	}
	sec.SetHook(func(_ context.Context, op, _ string) error {
		if op == "delete" {
			return store.ErrKeyringLocked
		}
		return nil
	})
	err := s.RemoveProfile(ctx, "work")
	if !errors.Is(err, store.ErrKeyringLocked) || !strings.Contains(err.Error(), "the account was kept") {
		t.Errorf("RemoveProfile = %v; want ErrKeyringLocked saying the account was kept", err)
	}
	if _, err := s.Profile("work"); err != nil {
		t.Errorf("account gone after a failed removal: %v", err)
	}
}

func TestSecretsNeverInConfig(t *testing.T) {
	s, sec := openStore(t)
	ctx := t.Context()
	const password, refresh = "Pa55-w0rd-never-on-disk", "rt-never-on-disk-0123456789"
	if err := s.SaveProfile(ctx, profile("work"), true); err != nil {
		t.Fatal(err)
	}
	c := s.Credentials("work")
	if err := c.SetPassword(ctx, password); err != nil {
		t.Fatal(err)
	}
	if err := c.SetRefreshToken(ctx, refresh); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveProfile(ctx, profile("lab"), false); err != nil {
		t.Fatal(err)
	}
	if got, _ := sec.Get(ctx, store.PasswordKey("work")); got != password {
		t.Fatalf("password not stored in Secrets")
	}
	err := filepath.WalkDir(s.Dir(), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, secret := range []string{password, refresh} {
			if strings.Contains(string(data), secret) {
				t.Errorf("%s contains a secret", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	s, _ := openStore(t)
	// A second Store on the same directory, as another process would have.
	s2, err := store.Open(s.Dir(), store.NewMemSecrets())
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		st := s
		if i%2 == 1 {
			st = s2
		}
		wg.Go(func() {
			errs <- st.SaveProfile(t.Context(), profile(fmt.Sprintf("p%02d", i)), false)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	c, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Profiles) != n {
		t.Errorf("%d accounts after %d concurrent saves; want %d", len(c.Profiles), n, n)
	}
}

func TestUpdateHonoursContext(t *testing.T) {
	s, _ := openStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.SaveProfile(ctx, profile("work"), true); !errors.Is(err, context.Canceled) {
		t.Errorf("SaveProfile with a cancelled context = %v; want context.Canceled", err)
	}
}
