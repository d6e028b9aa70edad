package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/tokentray/tokentray/auth/keeper"
	"github.com/tokentray/tokentray/auth/store"
)

// The store implements what a Keeper needs, without importing auth/keeper.
var _ keeper.Credentials = (*store.Credentials)(nil)

func TestCredentialsRoundTrip(t *testing.T) {
	s, sec := openStore(t)
	ctx := t.Context()
	c := s.Credentials("work")
	if got, want := c.Profile(), "work"; got != want {
		t.Errorf("Profile() = %q; want %q", got, want)
	}

	// Absent secrets read as "" without an error.
	if pw, err := c.Password(ctx); pw != "" || err != nil {
		t.Errorf("Password() before any = %q, %v; want \"\", nil", pw, err)
	}
	if rt, err := c.RefreshToken(ctx); rt != "" || err != nil {
		t.Errorf("RefreshToken() before any = %q, %v; want \"\", nil", rt, err)
	}

	if err := c.SetPassword(ctx, "s3cret"); err != nil {
		t.Fatal(err)
	}
	if err := c.SetRefreshToken(ctx, "rt-1"); err != nil {
		t.Fatal(err)
	}
	if err := c.SetRefreshToken(ctx, "rt-2"); err != nil {
		t.Fatal(err)
	}
	if pw, err := c.Password(ctx); pw != "s3cret" || err != nil {
		t.Errorf("Password() = %q, %v; want s3cret", pw, err)
	}
	if rt, err := c.RefreshToken(ctx); rt != "rt-2" || err != nil {
		t.Errorf("RefreshToken() = %q, %v; want the newest, rt-2", rt, err)
	}
	if got, want := sec.Keys(), []string{"work/password", "work/refresh-token"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("keys = %v; want %v", got, want)
	}

	// Setting "" deletes, and deleting twice is fine.
	for range 2 {
		if err := c.SetPassword(ctx, ""); err != nil {
			t.Fatal(err)
		}
		if err := c.SetRefreshToken(ctx, ""); err != nil {
			t.Fatal(err)
		}
	}
	if got := sec.Keys(); len(got) != 0 {
		t.Errorf("keys after deleting = %v; want none", got)
	}
}

func TestCredentialsErrorsCarryNoSecret(t *testing.T) {
	s, sec := openStore(t)
	ctx := t.Context()
	c := s.Credentials("work")

	big := "TOPSECRET-" + strings.Repeat("x", store.MaxSecretSize)
	err := c.SetPassword(ctx, big)
	if !errors.Is(err, store.ErrSecretTooBig) {
		t.Fatalf("SetPassword(2 KB) = %v; want ErrSecretTooBig", err)
	}
	if strings.Contains(err.Error(), "TOPSECRET") {
		t.Errorf("error contains the secret: %v", err)
	}
	if !strings.Contains(err.Error(), `password of account "work"`) {
		t.Errorf("error %q does not say what failed", err)
	}
	if err := c.SetRefreshToken(ctx, big[:store.MaxSecretSize]); err != nil {
		t.Errorf("SetRefreshToken(exactly MaxSecretSize) = %v; want nil", err)
	}

	sec.SetHook(func(context.Context, string, string) error { return store.ErrKeyringLocked })
	if _, err := c.Password(ctx); !errors.Is(err, store.ErrKeyringLocked) {
		t.Errorf("Password() with a locked keyring = %v; want ErrKeyringLocked", err)
	}
	if err := c.SetRefreshToken(ctx, "rt-secret-value"); !errors.Is(err, store.ErrKeyringLocked) || strings.Contains(err.Error(), "rt-secret-value") {
		t.Errorf("SetRefreshToken() with a locked keyring = %v; want ErrKeyringLocked without the token", err)
	}
}

func TestCredentialsRejectBadName(t *testing.T) {
	s, _ := openStore(t)
	c := s.Credentials("../evil")
	if _, err := c.Password(t.Context()); err == nil {
		t.Error("Password() for a bad name succeeded; want an error")
	}
	if err := c.SetRefreshToken(t.Context(), "x"); err == nil {
		t.Error("SetRefreshToken() for a bad name succeeded; want an error")
	}
	if _, err := c.Lock(t.Context()); err == nil {
		t.Error("Lock() for a bad name succeeded; want an error")
	}
}

func TestMemSecrets(t *testing.T) {
	ctx := t.Context()
	var m store.MemSecrets // the zero value works
	if _, err := m.Get(ctx, "k"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get(absent) = %v; want ErrNotFound", err)
	}
	if err := m.Delete(ctx, "k"); err != nil {
		t.Errorf("Delete(absent) = %v; want nil", err)
	}
	if err := m.Set(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if v, err := m.Get(ctx, "k"); v != "v" || err != nil {
		t.Errorf("Get(k) = %q, %v; want v", v, err)
	}
	if err := m.Set(ctx, "k", strings.Repeat("x", store.MaxSecretSize+1)); !errors.Is(err, store.ErrSecretTooBig) {
		t.Errorf("Set(too big) = %v; want ErrSecretTooBig", err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := m.Get(cancelled, "k"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with a cancelled context = %v; want context.Canceled", err)
	}

	var ops []string
	var mu sync.Mutex
	m.SetHook(func(_ context.Context, op, key string) error {
		mu.Lock()
		defer mu.Unlock()
		ops = append(ops, op+" "+key)
		if op == "delete" {
			return store.ErrKeyringTimeout
		}
		return nil
	})
	_, _ = m.Get(ctx, "k")
	_ = m.Set(ctx, "k", "w")
	if err := m.Delete(ctx, "k"); !errors.Is(err, store.ErrKeyringTimeout) {
		t.Errorf("Delete with a failing hook = %v; want the hook's error", err)
	}
	if got, want := strings.Join(ops, ","), "get k,set k,delete k"; got != want {
		t.Errorf("hook saw %q; want %q", got, want)
	}
	if got := m.Keys(); len(got) != 1 {
		t.Errorf("Keys() = %v; want k still there after a failed delete", got)
	}
}
