package store

import (
	"context"
	"errors"
	"slices"
	"sync"
)

// Secrets is a small key-value store for secrets, owned by TokenTray so that
// the rest of the program depends on this contract and not on a keyring
// library. [NewKeyring] adapts the OS keyring behind it; [MemSecrets] is an
// in-memory fake for tests.
//
// Implementations must be safe for concurrent use, must refuse values larger
// than [MaxSecretSize] with [ErrSecretTooBig], and must never put a value in
// an error message.
type Secrets interface {
	// Get returns the value stored under key, or an error matching
	// ErrNotFound when there is none.
	Get(ctx context.Context, key string) (string, error)
	// Set stores value under key, replacing any previous value.
	Set(ctx context.Context, key, value string) error
	// Delete removes key. Deleting a key that is absent is not an error,
	// so that removing an account twice, or one that never had a
	// password, succeeds.
	Delete(ctx context.Context, key string) error
}

// MaxSecretSize is the largest value, in bytes, that a [Secrets] accepts.
// Windows caps a credential at 2560 bytes and macOS an item at about 3000
// bytes including its names; one cap below both keeps a secret that works
// on one platform working on all of them, and catches an oversized value
// before the keyring does so the error is the same everywhere.
const MaxSecretSize = 2000

// Errors a [Secrets] returns, matched with errors.Is. The keyring adapter
// wraps them with the keyring's own words in parentheses, never with a
// secret.
var (
	// ErrNotFound means nothing is stored under the key.
	ErrNotFound = errors.New("secret not found in the system keyring")
	// ErrSecretTooBig means the value exceeds MaxSecretSize.
	ErrSecretTooBig = errors.New("the secret is too big for the system keyring (at most 2000 bytes)")
	// ErrNoSecretService means there is no keyring to talk to: on Linux, no
	// D-Bus session bus, or nothing owns org.freedesktop.secrets.
	ErrNoSecretService = errors.New("no Secret Service is running: install and start gnome-keyring or KeePassXC's Secret Service")
	// ErrKeyringLocked means the keyring stayed locked: the unlock prompt
	// was dismissed or could not be shown.
	ErrKeyringLocked = errors.New("the system keyring is locked, or unlocking it was cancelled: unlock it (in Passwords and Keys, or your keyring's own app) and try again")
	// ErrKeyringTimeout means the keyring did not answer in time, which is
	// what a locked keyring waiting at an unlock prompt looks like. The
	// error returned names the actual timeout.
	ErrKeyringTimeout = errors.New("the system keyring did not answer in time: it may be locked and waiting for you to unlock it")
)

// PasswordKey is the [Secrets] key under which an account's password is
// kept.
func PasswordKey(profile string) string { return profile + "/password" }

// RefreshTokenKey is the [Secrets] key under which an account's current
// refresh token is kept.
func RefreshTokenKey(profile string) string { return profile + "/refresh-token" }

// MemSecrets is an in-memory [Secrets] for tests, here and in other
// packages. It enforces [MaxSecretSize] like the real keyring, honours a
// done context, and lets a test inject failures or delays through Hook.
// The zero value is ready to use.
type MemSecrets struct {
	// Hook, when non-nil, runs at the start of every call with the
	// operation ("get", "set" or "delete") and the key, before the store
	// is touched. A non-nil error it returns is returned by the call
	// instead; it may also block (on ctx, say) to imitate a keyring
	// waiting at an unlock prompt. Assign Hook before the MemSecrets is
	// shared between goroutines, and use SetHook to change it afterwards.
	Hook func(ctx context.Context, op, key string) error

	mu sync.Mutex
	m  map[string]string
}

var _ Secrets = (*MemSecrets)(nil)

// NewMemSecrets returns an empty in-memory [Secrets].
func NewMemSecrets() *MemSecrets { return &MemSecrets{m: map[string]string{}} }

// SetHook replaces Hook; unlike assigning the field, it is safe while other
// goroutines use m.
func (m *MemSecrets) SetHook(hook func(ctx context.Context, op, key string) error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Hook = hook
}

// before runs the hook outside the lock, so a blocking hook does not stall
// other calls.
func (m *MemSecrets) before(ctx context.Context, op, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	hook := m.Hook
	m.mu.Unlock()
	if hook != nil {
		return hook(ctx, op, key)
	}
	return nil
}

// Get returns the value stored under key, or ErrNotFound.
func (m *MemSecrets) Get(ctx context.Context, key string) (string, error) {
	if err := m.before(ctx, "get", key); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[key]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

// Set stores value under key; values over MaxSecretSize give ErrSecretTooBig.
func (m *MemSecrets) Set(ctx context.Context, key, value string) error {
	if err := m.before(ctx, "set", key); err != nil {
		return err
	}
	if len(value) > MaxSecretSize {
		return ErrSecretTooBig
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string]string{}
	}
	m.m[key] = value
	return nil
}

// Delete removes key; an absent key is not an error.
func (m *MemSecrets) Delete(ctx context.Context, key string) error {
	if err := m.before(ctx, "delete", key); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, key)
	return nil
}

// Keys lists the stored keys in sorted order, so tests can assert what was
// kept (or removed) without reading the values.
func (m *MemSecrets) Keys() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys := make([]string, 0, len(m.m))
	for k := range m.m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
