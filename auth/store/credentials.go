package store

import (
	"context"
	"errors"
	"fmt"
)

// Credentials is one account's password, refresh token and lock, kept in
// the store's [Secrets] and lock directory. It implements the Credentials
// interface of auth/keeper (without importing it, so the store does not
// depend on its consumer). It is safe for concurrent use.
type Credentials struct {
	store   *Store
	profile string
}

// Profile is the name of the account.
func (c *Credentials) Profile() string { return c.profile }

// Password returns the stored password, or "" with a nil error when none
// is stored.
func (c *Credentials) Password(ctx context.Context) (string, error) {
	return c.get(ctx, PasswordKey, "password")
}

// SetPassword stores the password; "" deletes it.
func (c *Credentials) SetPassword(ctx context.Context, password string) error {
	return c.set(ctx, PasswordKey, "password", password)
}

// RefreshToken returns the stored refresh token, or "" with a nil error
// when none is stored.
func (c *Credentials) RefreshToken(ctx context.Context) (string, error) {
	return c.get(ctx, RefreshTokenKey, "refresh token")
}

// SetRefreshToken stores the refresh token; "" deletes it. ESET spends the
// old refresh token as soon as it issues a new one, so call this with
// every new token before using the access token that came with it.
func (c *Credentials) SetRefreshToken(ctx context.Context, token string) error {
	return c.set(ctx, RefreshTokenKey, "refresh token", token)
}

// Lock takes the account's cross-process lock; see [Store.Lock].
func (c *Credentials) Lock(ctx context.Context) (unlock func(), err error) {
	return c.store.Lock(ctx, c.profile)
}

func (c *Credentials) get(ctx context.Context, key func(string) string, what string) (string, error) {
	if err := ValidateName(c.profile); err != nil {
		return "", fmt.Errorf("reading a %s: %w", what, err)
	}
	v, err := c.store.secrets.Get(ctx, key(c.profile))
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the %s of account %q from the system keyring: %w", what, c.profile, err)
	}
	return v, nil
}

func (c *Credentials) set(ctx context.Context, key func(string) string, what, value string) error {
	if err := ValidateName(c.profile); err != nil {
		return fmt.Errorf("saving a %s: %w", what, err)
	}
	var err error
	if value == "" {
		err = c.store.secrets.Delete(ctx, key(c.profile))
	} else {
		err = c.store.secrets.Set(ctx, key(c.profile), value)
	}
	if err != nil {
		verb := "saving"
		if value == "" {
			verb = "deleting"
		}
		return fmt.Errorf("%s the %s of account %q in the system keyring: %w", verb, what, c.profile, err)
	}
	return nil
}
