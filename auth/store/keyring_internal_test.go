package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	dbus "github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// fakeKeyring builds the go-keyring adapter over an in-memory backend whose
// calls can be made to block until release is closed.
func fakeKeyring(timeout time.Duration, release <-chan struct{}) (*keyringSecrets, *atomic.Int32) {
	var calls atomic.Int32
	m := map[string]string{}
	wait := func() {
		calls.Add(1)
		if release != nil {
			<-release
		}
	}
	k := NewKeyring("", timeout).(*keyringSecrets)
	k.get = func(service, user string) (string, error) {
		wait()
		v, ok := m[service+"|"+user]
		if !ok {
			return "", keyring.ErrNotFound
		}
		return v, nil
	}
	k.set = func(service, user, value string) error {
		wait()
		m[service+"|"+user] = value
		return nil
	}
	k.del = func(service, user string) error {
		wait()
		if _, ok := m[service+"|"+user]; !ok {
			return keyring.ErrNotFound
		}
		delete(m, service+"|"+user)
		return nil
	}
	return k, &calls
}

func TestNewKeyringDefaults(t *testing.T) {
	k := NewKeyring("", 0).(*keyringSecrets)
	if k.service != "tokentray" || k.timeout != 10*time.Second {
		t.Errorf("NewKeyring(\"\", 0) = service %q, timeout %v; want tokentray, 10s", k.service, k.timeout)
	}
}

func TestKeyringAdapterRoundTrip(t *testing.T) {
	k, _ := fakeKeyring(time.Second, nil)
	ctx := t.Context()
	if _, err := k.Get(ctx, "work/password"); err != ErrNotFound {
		t.Errorf("Get(absent) = %v; want ErrNotFound itself", err)
	}
	if err := k.Set(ctx, "work/password", "pw"); err != nil {
		t.Fatal(err)
	}
	if v, err := k.Get(ctx, "work/password"); v != "pw" || err != nil {
		t.Errorf("Get = %q, %v; want pw", v, err)
	}
	if err := k.Delete(ctx, "work/password"); err != nil {
		t.Fatal(err)
	}
	if err := k.Delete(ctx, "work/password"); err != nil {
		t.Errorf("Delete(absent) = %v; want nil", err)
	}
	if _, err := k.Get(ctx, ""); err == nil {
		t.Error("Get(\"\") succeeded; want an error")
	}
}

func TestKeyringRefusesBigSecretBeforeBackend(t *testing.T) {
	k, calls := fakeKeyring(time.Second, nil)
	err := k.Set(t.Context(), "work/password", "SECRET"+strings.Repeat("x", MaxSecretSize))
	if !errors.Is(err, ErrSecretTooBig) {
		t.Errorf("Set(too big) = %v; want ErrSecretTooBig", err)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error contains the secret: %v", err)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("backend called %d times; want 0", n)
	}
}

func TestKeyringTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		k, calls := fakeKeyring(50*time.Millisecond, release)

		start := time.Now()
		_, err := k.Get(t.Context(), "work/password")
		if !errors.Is(err, ErrKeyringTimeout) {
			t.Fatalf("Get from a stuck keyring = %v; want ErrKeyringTimeout", err)
		}
		if got, want := time.Since(start), 50*time.Millisecond; got != want {
			t.Errorf("gave up after %v; want %v", got, want)
		}
		if want := "the system keyring did not answer within 50ms: it may be locked and waiting for you to unlock it"; err.Error() != want {
			t.Errorf("error = %q; want %q", err, want)
		}

		// While the first call is stuck (at a prompt, say), later calls
		// queue behind it and time out without reaching the keyring.
		if err := k.Set(t.Context(), "work/password", "pw"); !errors.Is(err, ErrKeyringTimeout) {
			t.Errorf("Set behind a stuck call = %v; want ErrKeyringTimeout", err)
		}
		if n := calls.Load(); n != 1 {
			t.Errorf("backend called %d times; want 1 (no pile-up)", n)
		}

		close(release) // the person answers the prompt
		synctest.Wait()
		if err := k.Set(t.Context(), "work/password", "pw"); err != nil {
			t.Errorf("Set after the keyring answered = %v; want nil", err)
		}
	})
}

func TestKeyringHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		k, _ := fakeKeyring(time.Minute, release)
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		err := k.Set(ctx, "work/refresh-token", "rt")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Set = %v; want context.DeadlineExceeded", err)
		}
		if got := time.Since(start); got != time.Second {
			t.Errorf("gave up after %v; want 1s (the context's deadline)", got)
		}

		cancelled, cancel2 := context.WithCancel(t.Context())
		cancel2()
		if _, err := k.Get(cancelled, "work/password"); !errors.Is(err, context.Canceled) {
			t.Errorf("Get with a cancelled context = %v; want context.Canceled", err)
		}
	})
}

func TestKeyringRecoversPanic(t *testing.T) {
	k, _ := fakeKeyring(time.Second, nil)
	k.get = func(string, string) (string, error) { panic("interface conversion: interface {} is string, not bool") }
	if _, err := k.Get(t.Context(), "work/password"); err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Errorf("Get with a panicking backend = %v; want an error", err)
	}
	// The slot was released.
	k.get = func(string, string) (string, error) { return "ok", nil }
	if v, err := k.Get(t.Context(), "work/password"); v != "ok" || err != nil {
		t.Errorf("Get after a panic = %q, %v; want ok", v, err)
	}
}

// TestMapKeyringError uses the errors go-keyring v0.2.8 returned on
// Debian 12 in each situation (see the comments), as printed with %#v.
func TestMapKeyringError(t *testing.T) {
	dialErr := &net.OpError{Op: "dial", Net: "unix",
		Addr: &net.UnixAddr{Name: "/nonexistent/bus", Net: "unix"},
		Err:  &os.SyscallError{Syscall: "connect", Err: errors.New("no such file or directory")}}
	for _, tc := range []struct {
		name      string
		err       error
		want      error // nil: an unrecognised failure
		wantCause string
	}{
		{"found nothing", keyring.ErrNotFound, ErrNotFound, ""},
		{"too big", keyring.ErrSetDataTooBig, ErrSecretTooBig, "data passed to Set was too big"},
		{
			// DBUS_SESSION_BUS_ADDRESS unset, no /run/user/0/bus, and
			// no dbus-launch installed.
			"no session bus, no dbus-launch",
			&exec.Error{Name: "dbus-launch", Err: exec.ErrNotFound},
			ErrNoSecretService, `exec: "dbus-launch": executable file not found in $PATH`,
		},
		{
			"no session bus address",
			errors.New("dbus: couldn't determine address of session bus"),
			ErrNoSecretService, "couldn't determine address",
		},
		{
			// DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus
			"bus address with nobody listening", dialErr,
			ErrNoSecretService, "dial unix /nonexistent/bus: connect: no such file or directory",
		},
		{
			// A session bus (dbus-run-session with a config without
			// service directories) on which nothing owns
			// org.freedesktop.secrets.
			"nothing provides org.freedesktop.secrets",
			dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown",
				Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"}},
			ErrNoSecretService, "The name org.freedesktop.secrets was not provided by any .service files",
		},
		{
			"activation failed",
			dbus.Error{Name: "org.freedesktop.DBus.Error.Spawn.ChildExited",
				Body: []any{"Process org.freedesktop.secrets exited with status 1"}},
			ErrNoSecretService, "exited with status 1",
		},
		{
			// Plain dbus-run-session: the bus activates gnome-keyring,
			// which has no unlocked default collection and no prompter
			// to ask for a password, so the prompt is dismissed.
			"locked, prompt dismissed",
			errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"),
			ErrKeyringLocked, "failed to unlock correct collection",
		},
		{
			"item locked",
			dbus.Error{Name: "org.freedesktop.Secret.Error.IsLocked", Body: []any{"Cannot get secret of a locked object"}},
			ErrKeyringLocked, "locked object",
		},
		{"unknown", errors.New("something odd"), nil, "something odd"},
		{"unknown, wrapped", fmt.Errorf("x: %w", errors.New("y")), nil, "x: y"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := mapKeyringError(tc.err, "")
			if tc.want == ErrNotFound {
				if err != ErrNotFound {
					t.Errorf("mapKeyringError = %v; want ErrNotFound itself", err)
				}
				return
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("mapKeyringError = %v; want %v", err, tc.want)
			}
			if tc.want == nil && !strings.HasPrefix(err.Error(), "the system keyring failed: ") {
				t.Errorf("mapKeyringError = %q; want it to say the keyring failed", err)
			}
			if !strings.Contains(err.Error(), tc.wantCause) {
				t.Errorf("mapKeyringError = %q; want the cause %q in it", err, tc.wantCause)
			}
		})
	}
	if err := mapKeyringError(nil, "x"); err != nil {
		t.Errorf("mapKeyringError(nil) = %v; want nil", err)
	}
	timeout := &timeoutError{time.Second}
	if err := mapKeyringError(timeout, ""); err != timeout {
		t.Errorf("mapKeyringError(timeout) = %v; want it unchanged", err)
	}
}

func TestMapKeyringErrorWithholdsSecret(t *testing.T) {
	const secret = "hunter2-refresh-token"
	err := mapKeyringError(fmt.Errorf("backend echoed %q", secret), secret)
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error contains the secret: %v", err)
	}
	if errors.Unwrap(err) != nil {
		t.Errorf("unrecognised error keeps a chain (%v); want none that could hold the secret", errors.Unwrap(err))
	}
}
