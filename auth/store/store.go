package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// File names inside the store directory.
const (
	configName     = "config.json"
	configLockName = "config.lock"
	locksDirName   = "locks"
)

// maxConfigSize bounds how much of config.json is read: a few accounts take
// a few kilobytes, so anything near this is not a file TokenTray wrote.
const maxConfigSize = 1 << 20

// Errors [Store.Profile] returns, matched with errors.Is. The messages
// returned name the account and say what to do.
var (
	// ErrNoProfiles means no account has been added yet.
	ErrNoProfiles = errors.New("no account yet: sign in first")
	// ErrProfileNotFound means no account has the name asked for.
	ErrProfileNotFound = errors.New("no such account")
	// ErrNoDefaultProfile means no account was named, there are several,
	// and none is the default.
	ErrNoDefaultProfile = errors.New("there are several accounts and none is the default: name one, or run `tokentray profiles` to list them")
)

// Store keeps accounts in config.json inside its directory and their
// secrets in a [Secrets]. It is safe for concurrent use, and several
// processes may share one directory: changes go through a file lock.
type Store struct {
	dir     string
	secrets Secrets
}

// DefaultDir is where TokenTray keeps its config: the "tokentray"
// directory in the user's config directory ($XDG_CONFIG_HOME or ~/.config
// on Linux, ~/Library/Application Support on macOS, %AppData% on Windows).
func DefaultDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding the config directory: %w", err)
	}
	return filepath.Join(base, "tokentray"), nil
}

// Open returns the store in dir, creating the directory with mode 0700 (and
// tightening an existing one to 0700) because the file names who signs in
// where. An empty dir means [DefaultDir]. secrets is where passwords and
// refresh tokens go: [NewKeyring] in the program, [NewMemSecrets] in tests.
func Open(dir string, secrets Secrets) (*Store, error) {
	if secrets == nil {
		return nil, errors.New("opening the store: no Secrets given")
	}
	if dir == "" {
		var err error
		if dir, err = DefaultDir(); err != nil {
			return nil, err
		}
	}
	// Absolute, so that the in-process half of the locks (keyed by path)
	// cannot be fooled by a change of working directory.
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("opening the store: %w", err)
	}
	if err := ensurePrivateDir(dir); err != nil {
		return nil, fmt.Errorf("opening the store: %w", err)
	}
	return &Store{dir: dir, secrets: secrets}, nil
}

// Dir is the store's directory, as an absolute path.
func (s *Store) Dir() string { return s.dir }

// ConfigPath is the path of the store's config file.
func (s *Store) ConfigPath() string { return filepath.Join(s.dir, configName) }

// CorruptConfigError means config.json exists but cannot be used: it is not
// valid JSON, or a newer TokenTray wrote it. TokenTray never overwrites
// such a file, since it may hold accounts the person wants back.
type CorruptConfigError struct {
	// Path is the config file.
	Path string
	// Err says what is wrong with it.
	Err error
}

// Error names the file and says what to do.
func (e *CorruptConfigError) Error() string {
	return fmt.Sprintf("config file %s cannot be read (%v): fix it or move it away; TokenTray will not overwrite it", e.Path, e.Err)
}

// Unwrap returns what is wrong with the file.
func (e *CorruptConfigError) Unwrap() error { return e.Err }

// Load reads the config. A missing file is an empty config; a file that is
// not valid JSON or has an unknown version gives a *[CorruptConfigError].
// Load takes no lock: files are replaced atomically, so a reader sees the
// old or the new content, never a mix.
func (s *Store) Load() (*Config, error) {
	path := s.ConfigPath()
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Config{Version: ConfigVersion, Profiles: []Profile{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	if len(data) > maxConfigSize {
		return nil, &CorruptConfigError{Path: path, Err: errors.New("larger than 1 MiB")}
	}
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, &CorruptConfigError{Path: path, Err: err}
	}
	switch {
	case c.Version > ConfigVersion:
		return nil, &CorruptConfigError{Path: path, Err: fmt.Errorf("version %d was written by a newer TokenTray, which this one (version %d files) cannot read; update TokenTray", c.Version, ConfigVersion)}
	case c.Version < 0:
		return nil, &CorruptConfigError{Path: path, Err: fmt.Errorf("version %d is not a version", c.Version)}
	case c.Version == 0:
		// A hand-written file that leaves the version out.
		c.Version = ConfigVersion
	}
	if c.Profiles == nil {
		c.Profiles = []Profile{}
	}
	return &c, nil
}

// Update changes the config under the config file lock, so concurrent
// updates from goroutines or processes never lose each other's changes. It
// reads the config, calls fn, validates the result and writes it
// atomically. An error from fn is returned as is and nothing is written;
// so is a corrupt file's error, before fn is called. fn must not call
// Update or SaveProfile itself: the lock is not reentrant.
func (s *Store) Update(ctx context.Context, fn func(*Config) error) error {
	unlock, err := lockFile(ctx, filepath.Join(s.dir, configLockName))
	if err != nil {
		return fmt.Errorf("waiting for the config lock (another TokenTray process is changing the config): %w", err)
	}
	defer unlock()

	c, err := s.Load()
	if err != nil {
		return err
	}
	if err := fn(c); err != nil {
		return err
	}
	c.Version = ConfigVersion
	if c.Profiles == nil {
		c.Profiles = []Profile{} // "profiles": [] rather than null
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("not saving %s: %w", s.ConfigPath(), err)
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding config: %w", err)
	}
	if err := writeFileAtomic(s.ConfigPath(), append(data, '\n')); err != nil {
		return fmt.Errorf("writing config: %w", err)
	}
	return nil
}

// Profile returns the account named name. An empty name means the default
// account, or the only one when there is no default. The errors match
// [ErrProfileNotFound], [ErrNoProfiles] or [ErrNoDefaultProfile] and say
// what to do.
func (s *Store) Profile(name string) (Profile, error) {
	c, err := s.Load()
	if err != nil {
		return Profile{}, err
	}
	if name == "" {
		switch {
		case c.Default != "":
			if p, ok := c.Find(c.Default); ok {
				return *p, nil
			}
			return Profile{}, &profileError{ErrProfileNotFound, fmt.Sprintf("the default account %q does not exist: name an account, or make one the default (run `tokentray profiles` to list them)", c.Default)}
		case len(c.Profiles) == 0:
			return Profile{}, ErrNoProfiles
		case len(c.Profiles) == 1:
			return c.Profiles[0], nil
		default:
			return Profile{}, ErrNoDefaultProfile
		}
	}
	p, ok := c.Find(name)
	if !ok {
		if len(c.Profiles) == 0 {
			return Profile{}, &profileError{ErrProfileNotFound, fmt.Sprintf("no account named %q: there is no account yet, sign in first", name)}
		}
		return Profile{}, &profileError{ErrProfileNotFound, fmt.Sprintf("no account named %q: run `tokentray profiles` to list them", name)}
	}
	return *p, nil
}

// profileError carries a sentence for a person and a sentinel for code.
type profileError struct {
	kind error
	msg  string
}

func (e *profileError) Error() string { return e.msg }
func (e *profileError) Unwrap() error { return e.kind }

// SaveProfile adds p, or replaces the account with the same name. It
// becomes the default when makeDefault is set, or when it is the first
// account. The region and endpoint are stored normalised (lower-case region,
// endpoint without a trailing slash).
func (s *Store) SaveProfile(ctx context.Context, p Profile, makeDefault bool) error {
	if err := p.Validate(); err != nil {
		return err
	}
	p = p.normalized()
	return s.Update(ctx, func(c *Config) error {
		if old, ok := c.Find(p.Name); ok {
			*old = p
		} else {
			c.Profiles = append(c.Profiles, p)
		}
		if makeDefault || (c.Default == "" && len(c.Profiles) == 1) {
			c.Default = p.Name
		}
		return nil
	})
}

// RemoveProfile removes the account named name and deletes its password
// and refresh token from the keyring. A default pointing at it moves to the
// only remaining account, or is cleared.
//
// It holds the account's lock (see [Store.Lock]) throughout, so an agent
// refreshing the account cannot write a refresh token back after it was
// deleted: the caller must not hold that lock itself. The secrets are
// deleted first; if the keyring fails, the account is kept, so that
// removing it again later also removes its secrets.
func (s *Store) RemoveProfile(ctx context.Context, name string) error {
	if name == "" {
		return errors.New("removing an account: name the account to remove")
	}
	if _, err := s.Profile(name); err != nil {
		return err
	}
	unlock, err := s.Lock(ctx, name)
	if err != nil {
		return fmt.Errorf("removing account %q: %w", name, err)
	}
	defer unlock()
	for _, key := range []string{PasswordKey(name), RefreshTokenKey(name)} {
		if err := s.secrets.Delete(ctx, key); err != nil {
			return fmt.Errorf("removing account %q: deleting its secrets from the system keyring (the account was kept): %w", name, err)
		}
	}
	return s.Update(ctx, func(c *Config) error {
		c.remove(name) // already gone is fine: someone else removed it
		return nil
	})
}

// Credentials returns the keyring-backed secrets and lock of the account
// named profile. It does not check that the account exists, so it can be
// used while signing in for the first time, before [Store.SaveProfile].
func (s *Store) Credentials(profile string) *Credentials {
	return &Credentials{store: s, profile: profile}
}

// ensurePrivateDir creates dir with mode 0700 and tightens an existing one
// that others can read. Windows has no such modes; its per-user profile
// directories are private already.
func ensurePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory: move it away", dir)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("making %s private: %w", dir, err)
		}
	}
	return nil
}

// writeFileAtomic replaces path with data so that a crash or a full disk
// leaves either the old file or the new one, never a truncated mix: write a
// temporary file (mode 0600) in the same directory, fsync it, rename it
// over path, and fsync the directory so the rename itself is durable.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable. Windows cannot open a directory
// for syncing, and NTFS journals renames itself.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
