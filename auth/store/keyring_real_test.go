package store

import (
	"crypto/rand"
	"errors"
	"github.com/tokentray/tokentray/auth/authtest"
	"strings"
	"testing"
	"time"
)

func requireRealServices(t *testing.T, what string) {
	t.Helper()
	authtest.RequireRealServices(t, what)
}

func TestKeyringRealSecretService(t *testing.T) {
	requireRealServices(t, "Secret Service")

	// A service and key of our own, so that running this on a desktop
	// never touches a real account's items.
	k := NewKeyring("tokentray-test", 10*time.Second)
	ctx := t.Context()
	key := "test-" + rand.Text() + "/refresh-token"
	t.Cleanup(func() { _ = k.Delete(ctx, key) })

	value := "rt-Ünïcødé\nline two " + rand.Text()
	if err := k.Set(ctx, key, value); err != nil {
		if errors.Is(err, ErrNoSecretService) || errors.Is(err, ErrKeyringLocked) || errors.Is(err, ErrKeyringTimeout) {
			t.Fatalf("the Secret Service is not usable: %v", err)
		}
		t.Fatalf("Set: %v", err)
	}
	if got, err := k.Get(ctx, key); err != nil || got != value {
		t.Fatalf("Get after Set = %q, %v; want the value set", got, err)
	}

	// Set replaces rather than adding a second item.
	value2 := strings.Repeat("r", MaxSecretSize)
	if err := k.Set(ctx, key, value2); err != nil {
		t.Fatalf("Set (replace, exactly MaxSecretSize): %v", err)
	}
	if got, err := k.Get(ctx, key); err != nil || got != value2 {
		t.Fatalf("Get after replacing = %d bytes, %v; want the %d-byte value", len(got), err, len(value2))
	}

	if err := k.Delete(ctx, key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := k.Get(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete = %v; want ErrNotFound", err)
	}
	if err := k.Delete(ctx, key); err != nil {
		t.Fatalf("Delete of an absent key = %v; want nil", err)
	}

	big := "SECRET" + strings.Repeat("x", MaxSecretSize)
	err := k.Set(ctx, key, big)
	if !errors.Is(err, ErrSecretTooBig) {
		t.Fatalf("Set(too big) = %v; want ErrSecretTooBig", err)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error contains the secret: %v", err)
	}
	if _, err := k.Get(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after a refused Set = %v; want ErrNotFound (nothing stored)", err)
	}
}
