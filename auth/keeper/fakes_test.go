package keeper_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tokentray/tokentray/auth"
	"github.com/tokentray/tokentray/auth/keeper"
)

// fakeESET is an in-memory token issuer with ESET's rules: single-use,
// rotating refresh tokens and a fixed password. Errors can be scripted.
type fakeESET struct {
	mu         sync.Mutex
	password   string
	lifetime   time.Duration
	validRT    string
	seq        int
	refreshes  int
	passwords  int
	reused     int
	refreshErr []error // consumed one per Refresh call
	pwErr      []error // consumed one per PasswordGrant call
	delay      time.Duration
	now        func() time.Time // the clock the client side uses
}

func newFakeESET(password string) *fakeESET {
	return &fakeESET{password: password, lifetime: time.Hour, now: time.Now}
}

func (f *fakeESET) issue() *auth.Token {
	f.seq++
	now := f.now().Round(0)
	f.validRT = fmt.Sprintf("refresh-%d-secret", f.seq)
	return &auth.Token{
		AccessToken:  fmt.Sprintf("access-%d-secret", f.seq),
		TokenType:    "Bearer",
		RefreshToken: f.validRT,
		Obtained:     now,
		Expiry:       now.Add(f.lifetime),
		RequestID:    fmt.Sprintf("req-%d", f.seq),
	}
}

func pop(errs *[]error) error {
	if len(*errs) == 0 {
		return nil
	}
	err := (*errs)[0]
	*errs = (*errs)[1:]
	return err
}

func (f *fakeESET) PasswordGrant(ctx context.Context, username, password string) (*auth.Token, error) {
	f.mu.Lock()
	delay := f.delay
	f.mu.Unlock()
	time.Sleep(delay)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.passwords++
	if err := pop(&f.pwErr); err != nil {
		return nil, err
	}
	if password != f.password {
		return nil, &auth.Error{Kind: auth.ErrBadCredentials, Op: auth.OpPassword, Status: 400, Code: "invalid_grant", RequestID: "req-bad"}
	}
	return f.issue(), nil
}

func (f *fakeESET) Refresh(ctx context.Context, rt string) (*auth.Token, error) {
	f.mu.Lock()
	delay := f.delay
	f.mu.Unlock()
	time.Sleep(delay)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refreshes++
	if err := pop(&f.refreshErr); err != nil {
		return nil, err
	}
	if rt != f.validRT {
		if rt != "" {
			f.reused++
		}
		return nil, &auth.Error{Kind: auth.ErrRefreshRejected, Op: auth.OpRefresh, Status: 400, Code: "invalid_grant"}
	}
	return f.issue(), nil
}

// with changes the fake's settings safely while a keeper uses it.
func (f *fakeESET) with(change func(f *fakeESET)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(f)
}

// currentRT is the one refresh token the fake accepts now.
func (f *fakeESET) currentRT() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.validRT
}

func (f *fakeESET) counts() (refreshes, passwords, reused int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshes, f.passwords, f.reused
}

// memCreds is an in-memory keeper.Credentials whose lock is shared by every
// keeper given the same memCreds, like a file lock between processes.
type memCreds struct {
	mu       sync.Mutex
	password string
	refresh  string
	lock     chan struct{}
	setErr   error        // returned by SetRefreshToken when set
	onSetRT  func(string) // called inside SetRefreshToken
	history  []string     // every refresh token stored, in order
}

var _ keeper.Credentials = (*memCreds)(nil)

func newMemCreds() *memCreds { return &memCreds{lock: make(chan struct{}, 1)} }

func (c *memCreds) Password(context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.password, nil
}

func (c *memCreds) SetPassword(_ context.Context, pw string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.password = pw
	return nil
}

func (c *memCreds) RefreshToken(context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.refresh, nil
}

func (c *memCreds) SetRefreshToken(_ context.Context, rt string) error {
	c.mu.Lock()
	hook, err := c.onSetRT, c.setErr
	c.mu.Unlock()
	if hook != nil {
		hook(rt)
	}
	if err != nil && rt != "" {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refresh = rt
	c.history = append(c.history, rt)
	return nil
}

func (c *memCreds) Lock(ctx context.Context) (func(), error) {
	select {
	case c.lock <- struct{}{}:
		return func() { <-c.lock }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// with changes the fake's settings safely while a keeper uses it.
func (c *memCreds) with(change func(c *memCreds)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	change(c)
}

func (c *memCreds) snapshot() (password, refresh string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.password, c.refresh
}

var errKeyring = errors.New("keyring unavailable")
