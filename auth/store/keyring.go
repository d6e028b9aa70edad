package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"time"

	dbus "github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// DefaultService is the keyring service name TokenTray's items are stored
// under; in Seahorse or KeePassXC they show up as "Password for
// '<account>/password' on 'tokentray'".
const DefaultService = "tokentray"

// DefaultKeyringTimeout bounds each keyring call when [NewKeyring] is given
// no timeout. It is long enough for a person to type a keyring password at
// a prompt, and short enough that a forgotten prompt does not hang a
// command-line run.
const DefaultKeyringTimeout = 10 * time.Second

// keyringSecrets adapts github.com/zalando/go-keyring to [Secrets]. The
// backend functions are fields so tests can replace the real keyring with
// one that blocks or fails.
type keyringSecrets struct {
	service string
	timeout time.Duration
	// slot admits one keyring call at a time. A call stuck at an unlock
	// prompt keeps the slot until the prompt is answered, so later calls
	// time out instead of stacking up more prompts and goroutines.
	slot chan struct{}

	get func(service, user string) (string, error)
	set func(service, user, value string) error
	del func(service, user string) error
}

var _ Secrets = (*keyringSecrets)(nil)

// NewKeyring returns a [Secrets] kept in the operating system's keyring:
// the Secret Service (gnome-keyring, KeePassXC) over D-Bus on Linux, the
// Keychain on macOS, the Credential Manager on Windows. An empty service
// means [DefaultService]; a timeout of 0 means [DefaultKeyringTimeout].
//
// go-keyring blocks while the keyring shows an unlock prompt, so each call
// runs in its own goroutine and gives up with an error matching
// [ErrKeyringTimeout] after timeout, or when ctx is done, whichever comes
// first. A call that was given up on finishes in the background. Create
// one keyring per process and share it: calls are serialised through it.
func NewKeyring(service string, timeout time.Duration) Secrets {
	if service == "" {
		service = DefaultService
	}
	if timeout <= 0 {
		timeout = DefaultKeyringTimeout
	}
	return &keyringSecrets{
		service: service,
		timeout: timeout,
		slot:    make(chan struct{}, 1),
		get:     keyring.Get,
		set:     keyring.Set,
		del:     keyring.Delete,
	}
}

// Get reads key from the keyring.
func (k *keyringSecrets) Get(ctx context.Context, key string) (string, error) {
	if key == "" {
		return "", errors.New("reading from the system keyring: empty key")
	}
	var value string
	err := k.call(ctx, func() (err error) {
		value, err = k.get(k.service, key)
		return err
	})
	if err != nil {
		return "", mapKeyringError(err, "")
	}
	return value, nil
}

// Set writes key to the keyring. Oversized values are refused before the
// keyring sees them.
func (k *keyringSecrets) Set(ctx context.Context, key, value string) error {
	if key == "" {
		return errors.New("saving to the system keyring: empty key")
	}
	if len(value) > MaxSecretSize {
		return ErrSecretTooBig
	}
	err := k.call(ctx, func() error { return k.set(k.service, key, value) })
	return mapKeyringError(err, value)
}

// Delete removes key from the keyring; an absent key is not an error.
func (k *keyringSecrets) Delete(ctx context.Context, key string) error {
	if key == "" {
		return errors.New("deleting from the system keyring: empty key")
	}
	err := mapKeyringError(k.call(ctx, func() error { return k.del(k.service, key) }), "")
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// call runs op off the caller's goroutine and waits for it at most
// k.timeout (queueing behind another call included), or until ctx is done.
func (k *keyringSecrets) call(ctx context.Context, op func() error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("waiting for the system keyring: %w", err)
	}
	timer := time.NewTimer(k.timeout)
	defer timer.Stop()

	select {
	case k.slot <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("waiting for the system keyring: %w", ctx.Err())
	case <-timer.C:
		return &timeoutError{k.timeout}
	}

	done := make(chan error, 1) // buffered: an abandoned call must not leak blocked
	go func() {
		defer func() { <-k.slot }()
		defer func() {
			// go-keyring type-asserts D-Bus replies; a misbehaving
			// Secret Service must not take the whole agent down.
			if r := recover(); r != nil {
				done <- fmt.Errorf("keyring library panicked: %v", r)
			}
		}()
		done <- op()
	}()

	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("waiting for the system keyring: %w", ctx.Err())
	case <-timer.C:
		return &timeoutError{k.timeout}
	}
}

// timeoutError reports the timeout that was actually used, and matches
// ErrKeyringTimeout.
type timeoutError struct{ d time.Duration }

func (e *timeoutError) Error() string {
	return fmt.Sprintf("the system keyring did not answer within %v: it may be locked and waiting for you to unlock it", e.d)
}

func (e *timeoutError) Is(target error) bool { return target == ErrKeyringTimeout }

// keyringError is a keyring failure: one of our sentinels (or none, when
// the failure is not one we recognise) and the backend's own words, kept as
// text so that nothing in the chain can carry a secret.
type keyringError struct {
	kind  error
	cause string
}

func (e *keyringError) Error() string {
	if e.kind == nil {
		return "the system keyring failed: " + e.cause
	}
	return e.kind.Error() + " (" + e.cause + ")"
}

func (e *keyringError) Unwrap() error { return e.kind }

// D-Bus error names go-keyring passes through from the bus or the Secret
// Service.
const (
	dbusServiceUnknown = "org.freedesktop.DBus.Error.ServiceUnknown"
	dbusNameHasNoOwner = "org.freedesktop.DBus.Error.NameHasNoOwner"
	dbusSpawnPrefix    = "org.freedesktop.DBus.Error.Spawn."
	secretIsLocked     = "org.freedesktop.Secret.Error.IsLocked"
)

// mapKeyringError turns what go-keyring returns into our sentinels. secret
// is the value being stored, if any: should the backend ever echo it, the
// details are withheld. Errors from call (timeouts, ctx) pass through.
//
// The strings matched are the ones observed with go-keyring v0.2.8 on
// Debian 12 (see keyring_internal_test.go).
func mapKeyringError(err error, secret string) error {
	if err == nil {
		return nil
	}
	var te *timeoutError
	if errors.As(err, &te) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if errors.Is(err, keyring.ErrNotFound) {
		return ErrNotFound
	}
	var kind error
	switch {
	case errors.Is(err, keyring.ErrSetDataTooBig):
		kind = ErrSecretTooBig
	case noSecretService(err):
		kind = ErrNoSecretService
	case keyringLocked(err):
		kind = ErrKeyringLocked
	}
	cause := err.Error()
	if secret != "" && strings.Contains(cause, secret) {
		cause = "details withheld: they contained the secret"
	}
	return &keyringError{kind: kind, cause: cause}
}

// noSecretService recognises "nothing to talk to": no session bus address
// (and no dbus-launch to start one), a bus address nobody listens on, or a
// bus on which nothing provides org.freedesktop.secrets.
func noSecretService(err error) bool {
	var de dbus.Error
	if errors.As(err, &de) {
		return de.Name == dbusServiceUnknown || de.Name == dbusNameHasNoOwner ||
			strings.HasPrefix(de.Name, dbusSpawnPrefix)
	}
	var ee *exec.Error
	if errors.As(err, &ee) && strings.Contains(ee.Name, "dbus-launch") {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "couldn't determine address of session bus") ||
		strings.Contains(msg, "org.freedesktop.secrets was not provided")
}

// keyringLocked recognises a collection that stayed locked. go-keyring
// reports a dismissed (or impossible, when headless) unlock prompt only as
// "failed to unlock correct collection".
func keyringLocked(err error) bool {
	var de dbus.Error
	if errors.As(err, &de) && de.Name == secretIsLocked {
		return true
	}
	return strings.Contains(err.Error(), "failed to unlock correct collection")
}
