// Package agent is TokenTray's resident process: it keeps one keeper per
// account running, serves tokens to the surfaces (tray, command line,
// window) through one state, owns the clipboard, and sends the
// notifications. State flows one way: keepers publish, the agent folds
// their states into one localapi.Status, and the surfaces render that.
//
// An Agent implements localapi.Backend, so the local API serves it
// directly; the tray calls the same methods.
package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/tokentray/tokentray/auth"
	"github.com/tokentray/tokentray/auth/keeper"
	"github.com/tokentray/tokentray/auth/store"
	"github.com/tokentray/tokentray/ui/localapi"
)

// Options are an Agent's dependencies. Store, NewClient, Clipboard and
// Notifier are required.
type Options struct {
	Store *store.Store
	// NewClient returns the token client for a base URL.
	NewClient func(baseURL string) keeper.Granter
	Clipboard Clipboard
	Notifier  Notifier
	// OpenWindow starts the window process; nil means it is not available.
	OpenWindow func() error
	// Pacer is shared by every keeper, so many accounts waking at once stay
	// under ESET's rate limit; nil means none.
	Pacer   keeper.Pacer
	Logger  *slog.Logger
	Version string
	// Now is the wall clock; nil means time.Now.
	Now func() time.Time
}

var _ localapi.Backend = (*Agent)(nil)

// Agent keeps every account's token fresh and serves them. Create it with
// New, then call Run; the localapi.Backend methods are safe to call from
// any goroutine once Run has started.
type Agent struct {
	opts Options
	log  *slog.Logger

	quitOnce sync.Once
	quit     chan struct{}
	dirty    chan struct{} // 1-slot: some state changed
	notes    chan note     // notifications waiting to be shown

	mu        sync.Mutex // guards everything below
	runCtx    context.Context
	accounts  map[string]*account
	order     []string
	def       string
	watchers  map[chan localapi.Status]struct{}
	trayHost  bool
	clipErr   string
	notifyErr string
	clip      clipOwner
}

// account is one account with its keeper.
type account struct {
	profile   store.Profile
	k         *keeper.Keeper
	stop      context.CancelFunc
	done      chan struct{}
	handedOut time.Time    // expiry of the last token handed out
	leadSent  time.Time    // the handedOut we already warned about
	alerted   keeper.Phase // SignInNeeded or Failing once notified; SignedOut (zero) when none
}

// clipOwner remembers what the agent last put on the clipboard.
type clipOwner struct {
	replaced <-chan struct{} // fires when someone else took the clipboard; nil before any copy
	timer    *time.Timer     // clears it after the account's delay; nil when never
}

type note struct{ title, message string }

// New returns an Agent. Nothing runs until Run.
func New(opts Options) *Agent {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Agent{
		opts:     opts,
		log:      opts.Logger,
		quit:     make(chan struct{}),
		dirty:    make(chan struct{}, 1),
		notes:    make(chan note, 16),
		accounts: make(map[string]*account),
		watchers: make(map[chan localapi.Status]struct{}),
	}
}

// SetTrayHost records whether a tray host shows the icon; the window and
// `tokentray status` report it.
func (a *Agent) SetTrayHost(ok bool) {
	a.mu.Lock()
	a.trayHost = ok
	a.mu.Unlock()
	a.markDirty()
}

// SetClipboardProblem records why copying cannot work ("" when it can).
func (a *Agent) SetClipboardProblem(why string) {
	a.mu.Lock()
	a.clipErr = why
	a.mu.Unlock()
	a.markDirty()
}

// Quitting is closed when a surface asked the agent to quit.
func (a *Agent) Quitting() <-chan struct{} { return a.quit }

// Run loads the accounts, starts their keepers and serves until ctx is done
// or Quit is called. On the way out it stops the keepers and clears the
// clipboard if it still holds a token the agent put there.
func (a *Agent) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cfg, err := a.opts.Store.Load()
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.runCtx = ctx
	a.def = cfg.Default
	a.mu.Unlock()
	for _, p := range cfg.Profiles {
		a.addAccount(p, nil)
	}
	go a.notifyLoop(ctx)

	lead := time.NewTimer(time.Hour)
	defer lead.Stop()
	a.markDirty()
	for {
		select {
		case <-ctx.Done():
			a.shutdown()
			return ctx.Err()
		case <-a.quit:
			a.shutdown()
			return nil
		case <-a.dirty:
		case <-lead.C:
		}
		st := a.Status(ctx)
		a.publish(st)
		next := a.checkNotifications(st)
		lead.Reset(next)
	}
}

func (a *Agent) shutdown() {
	a.mu.Lock()
	accounts := make([]*account, 0, len(a.accounts))
	for _, acc := range a.accounts {
		accounts = append(accounts, acc)
	}
	clip := a.clip
	a.mu.Unlock()
	for _, acc := range accounts {
		acc.stop()
		<-acc.done
	}
	if clip.timer != nil {
		clip.timer.Stop()
	}
	if clip.replaced != nil { // a token we copied may still be there
		a.clearIfOurs(clip.replaced)
	}
	a.mu.Lock()
	for ch := range a.watchers {
		delete(a.watchers, ch)
		close(ch)
	}
	a.mu.Unlock()
}

// addAccount starts a keeper for p (or adopts k, already signed in).
func (a *Agent) addAccount(p store.Profile, k *keeper.Keeper) *account {
	if k == nil {
		k = a.newKeeper(p)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	ctx, stop := context.WithCancel(a.runCtx)
	acc := &account{profile: p, k: k, stop: stop, done: make(chan struct{})}
	a.accounts[p.Name] = acc
	a.order = append(a.order, p.Name)
	states, unsubscribe := k.Subscribe()
	ran := make(chan struct{})
	go func() { k.Run(ctx); close(ran) }()
	go func() {
		defer close(acc.done)
		defer unsubscribe()
		for {
			select {
			case <-ran: // stopped, with any grant in flight finished and saved
				return
			case <-states:
				a.markDirty()
			}
		}
	}()
	return acc
}

func (a *Agent) newKeeper(p store.Profile) *keeper.Keeper {
	var client keeper.Granter
	if base, err := p.BaseURL(); err != nil {
		// Saved profiles are validated; a hand-edited file is not. Say what
		// is wrong at the first grant instead of sending it anywhere.
		client = badEndpoint{&auth.Error{Kind: auth.ErrRejected, Description: err.Error()}}
	} else {
		client = a.opts.NewClient(base)
	}
	return keeper.New(keeper.Config{
		Profile: p.Name, Username: p.Username,
		Client: client, Creds: a.opts.Store.Credentials(p.Name),
		Pacer: a.opts.Pacer, Now: a.opts.Now,
	})
}

// badEndpoint is the Granter of an account whose endpoint is invalid: every
// grant fails with the reason, and the account asks for attention.
type badEndpoint struct{ err error }

func (b badEndpoint) PasswordGrant(context.Context, string, string) (*auth.Token, error) {
	return nil, b.err
}

func (b badEndpoint) Refresh(context.Context, string) (*auth.Token, error) { return nil, b.err }

func (a *Agent) markDirty() {
	select {
	case a.dirty <- struct{}{}:
	default:
	}
}

// lookup finds an account; "" means the default one (or the only one).
func (a *Agent) lookup(name string) (*account, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if name == "" {
		name = a.def
		if name == "" && len(a.order) == 1 {
			name = a.order[0]
		}
		if name == "" {
			if len(a.order) == 0 {
				return nil, fmt.Errorf("%w: no account yet: sign in first", localapi.ErrNotFound)
			}
			return nil, fmt.Errorf("%w: several accounts and no default: name one with --profile", localapi.ErrBadRequest)
		}
	}
	acc, ok := a.accounts[name]
	if !ok {
		return nil, fmt.Errorf("%w: no account named %q: run `tokentray profiles` to list them", localapi.ErrNotFound, name)
	}
	return acc, nil
}

// Status folds every account's state into one Status.
func (a *Agent) Status(context.Context) localapi.Status {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := localapi.Status{
		Default: a.def, TrayHost: a.trayHost, Clipboard: a.clipErr,
		Notifications: a.notifyErr, Version: a.opts.Version, PID: os.Getpid(),
		Accounts: make([]localapi.Account, 0, len(a.order)),
	}
	for _, name := range a.order {
		st.Accounts = append(st.Accounts, a.accounts[name].status())
	}
	return st
}

func (acc *account) status() localapi.Account {
	ks := acc.k.State()
	p := acc.profile
	out := localapi.Account{
		Name: p.Name, Region: string(p.Region), Endpoint: p.Endpoint, Username: p.Username,
		Phase: ks.Phase.String(), RequestID: ks.RequestID,
		Obtained: ks.Obtained, Expiry: ks.Expiry, NextRefresh: ks.NextRefresh, Failures: ks.Failures,
		HandedOut:      acc.handedOut,
		MinValid:       localapi.Duration(p.Settings.MinValid),
		NotifyLead:     localapi.Duration(p.Settings.NotifyLead),
		ClipboardClear: localapi.Duration(p.Settings.ClipboardClear),
	}
	if ks.Err != nil {
		out.Error = ks.Err.Error()
		out.Hint = auth.Hint(ks.Err)
		if out.Hint == "" && ks.Phase == keeper.SignInNeeded {
			out.Hint = (&keeper.SignInNeededError{Err: ks.Err}).Hint()
		}
	} else if ks.Phase == keeper.SignInNeeded {
		out.Hint = "Sign in again with the API user's password."
	}
	return out
}

// Watch sends the current Status and then every change; a slow reader
// sees only the newest.
func (a *Agent) Watch() (<-chan localapi.Status, func()) {
	ch := make(chan localapi.Status, 1)
	st := a.Status(context.Background())
	a.mu.Lock()
	a.watchers[ch] = struct{}{}
	ch <- st
	a.mu.Unlock()
	return ch, func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		if _, ok := a.watchers[ch]; ok {
			delete(a.watchers, ch)
			close(ch)
		}
	}
}

func (a *Agent) publish(st localapi.Status) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for ch := range a.watchers {
		select {
		case <-ch:
		default:
		}
		ch <- st // cannot block: only publish sends, under a.mu
	}
}

// Token hands out a token with at least the asked (or the account's)
// minimum validity, and remembers its expiry for the expiry notification.
func (a *Agent) Token(ctx context.Context, req localapi.TokenRequest) (localapi.TokenResponse, error) {
	acc, err := a.lookup(req.Profile)
	if err != nil {
		return localapi.TokenResponse{}, err
	}
	minValid := time.Duration(acc.profile.Settings.MinValid)
	if req.MinValid != nil && *req.MinValid >= 0 {
		minValid = time.Duration(*req.MinValid)
	}
	tok, err := acc.k.Token(ctx, minValid)
	if err != nil {
		return localapi.TokenResponse{}, err
	}
	if !req.Inspect {
		a.handedOut(acc, tok)
	}
	return localapi.TokenResponse{
		Profile: acc.profile.Name, AccessToken: tok.AccessToken, TokenType: tok.TokenType,
		ExpiresAt: tok.Expiry.UTC(), ExpiresIn: int64(tok.Expiry.Sub(a.opts.Now()).Seconds()),
	}, nil
}

func (a *Agent) handedOut(acc *account, tok *auth.Token) {
	a.mu.Lock()
	if tok.Expiry.After(acc.handedOut) {
		acc.handedOut = tok.Expiry
	}
	a.mu.Unlock()
	a.markDirty()
}

// Copy puts the account's token (or, with header, the whole
// "Authorization: Bearer …" line) on the clipboard, and clears it after the
// account's delay if it still holds what was copied.
func (a *Agent) Copy(ctx context.Context, profile string, header bool) error {
	acc, err := a.lookup(profile)
	if err != nil {
		return err
	}
	a.mu.Lock()
	problem := a.clipErr
	a.mu.Unlock()
	if problem != "" {
		return errors.New(problem)
	}
	tok, err := acc.k.Token(ctx, time.Duration(acc.profile.Settings.MinValid))
	if err != nil {
		return err
	}
	text := tok.AccessToken
	if header {
		text = "Authorization: Bearer " + tok.AccessToken
	}
	replaced, err := a.opts.Clipboard.Write(ctx, text)
	if err != nil {
		return fmt.Errorf("copying to the clipboard: %w", err)
	}
	a.handedOut(acc, tok)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.clip.timer != nil {
		a.clip.timer.Stop()
	}
	a.clip = clipOwner{replaced: replaced}
	if d := time.Duration(acc.profile.Settings.ClipboardClear); d > 0 {
		a.clip.timer = time.AfterFunc(d, func() { a.clearIfOurs(replaced) })
	}
	a.log.Info("copied token", "account", acc.profile.Name, "header", header, "expires", tok.Expiry.Format(time.RFC3339))
	return nil
}

// clearIfOurs empties the clipboard unless someone copied something else since.
func (a *Agent) clearIfOurs(replaced <-chan struct{}) {
	select {
	case <-replaced:
		return
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.opts.Clipboard.Clear(ctx); err != nil {
		a.log.Warn("clearing the clipboard failed", "err", err)
	}
}

// SignIn adds an account (or signs an existing one in again) with a
// password grant; nothing is saved unless it succeeds.
func (a *Agent) SignIn(ctx context.Context, req localapi.SignInRequest) (localapi.Account, error) {
	p, err := ProfileFromRequest(req)
	if err != nil {
		return localapi.Account{}, fmt.Errorf("%w: %v", localapi.ErrBadRequest, err)
	}
	a.mu.Lock()
	acc := a.accounts[p.Name]
	a.mu.Unlock()
	if acc != nil && (acc.profile.Username != p.Username || acc.profile.Region != p.Region || acc.profile.Endpoint != p.Endpoint) {
		// A changed user or endpoint is a new session: drop the old keeper.
		a.dropAccount(p.Name)
		acc = nil
	}
	k := a.newKeeper(p)
	if acc != nil {
		k = acc.k
		p.Settings = acc.profile.Settings
		p.Settings.RememberPassword = req.Remember
	}
	if err := k.SignIn(ctx, req.Password, req.Remember); err != nil {
		return localapi.Account{}, err
	}
	if err := a.opts.Store.SaveProfile(ctx, p, req.MakeDefault); err != nil {
		return localapi.Account{}, err
	}
	if err := a.reloadDefault(); err != nil {
		return localapi.Account{}, err
	}
	if acc == nil {
		acc = a.addAccount(p, k)
	} else {
		a.mu.Lock()
		acc.profile = p
		a.mu.Unlock()
	}
	a.markDirty()
	a.log.Info("signed in", "account", p.Name, "user", p.Username)
	a.mu.Lock()
	defer a.mu.Unlock()
	return acc.status(), nil
}

// ProfileFromRequest checks a sign-in request and turns it into a profile
// with default settings: the username is trimmed, the region parsed, the
// name defaults to REGION-USERNAME.
func ProfileFromRequest(req localapi.SignInRequest) (store.Profile, error) {
	p := store.Profile{Name: req.Profile, Endpoint: strings.TrimSpace(req.Endpoint),
		Username: strings.TrimSpace(req.Username), Settings: store.DefaultSettings()}
	p.Settings.RememberPassword = req.Remember
	if p.Username == "" {
		return p, errors.New("the username is required: the API user's email")
	}
	if req.Password == "" {
		return p, errors.New("the password is required")
	}
	switch {
	case req.Region != "":
		r, err := auth.ParseRegion(req.Region)
		if err != nil {
			return p, err
		}
		p.Region = r
	case p.Endpoint == "":
		return p, errors.New("a region is required: one of eu, de, us, ca, jpn")
	}
	if p.Endpoint != "" {
		ep, err := auth.CheckEndpoint(p.Endpoint)
		if err != nil {
			return p, err
		}
		p.Endpoint = ep
	}
	if p.Name == "" {
		prefix := string(p.Region)
		if p.Endpoint != "" {
			prefix = "custom"
		}
		p.Name = prefix + "-" + p.Username
	}
	return p, p.Validate()
}

func (a *Agent) reloadDefault() error {
	cfg, err := a.opts.Store.Load()
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.def = cfg.Default
	a.mu.Unlock()
	return nil
}

// SignOut signs an account out; forget also deletes its stored password.
func (a *Agent) SignOut(ctx context.Context, profile string, req localapi.SignOutRequest) error {
	acc, err := a.lookup(profile)
	if err != nil {
		return err
	}
	if err := acc.k.SignOut(ctx, req.Forget); err != nil {
		return err
	}
	a.mu.Lock()
	acc.handedOut, acc.leadSent = time.Time{}, time.Time{}
	a.mu.Unlock()
	a.markDirty()
	return nil
}

// Remove signs an account out, deletes its keyring items and forgets it.
func (a *Agent) Remove(ctx context.Context, profile string) error {
	acc, err := a.lookup(profile)
	if err != nil {
		return err
	}
	a.dropAccount(acc.profile.Name)
	if err := a.opts.Store.RemoveProfile(ctx, acc.profile.Name); err != nil {
		return err
	}
	if err := a.reloadDefault(); err != nil {
		return err
	}
	a.markDirty()
	return nil
}

// dropAccount stops an account's keeper and removes it from the agent.
func (a *Agent) dropAccount(name string) {
	a.mu.Lock()
	acc := a.accounts[name]
	delete(a.accounts, name)
	for i, n := range a.order {
		if n == name {
			a.order = append(a.order[:i:i], a.order[i+1:]...)
			break
		}
	}
	a.mu.Unlock()
	if acc != nil {
		acc.stop()
		<-acc.done
	}
}

// SetDefault makes an account the default one.
func (a *Agent) SetDefault(ctx context.Context, profile string) error {
	acc, err := a.lookup(profile)
	if err != nil {
		return err
	}
	err = a.opts.Store.Update(ctx, func(c *store.Config) error {
		c.Default = acc.profile.Name
		return nil
	})
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.def = acc.profile.Name
	a.mu.Unlock()
	a.markDirty()
	return nil
}

// Refresh asks an account's keeper to refresh now.
func (a *Agent) Refresh(_ context.Context, profile string) error {
	acc, err := a.lookup(profile)
	if err != nil {
		return err
	}
	acc.k.RefreshNow()
	return nil
}

// UpdateSettings changes an account's settings (saved to the config file)
// and returns the account.
func (a *Agent) UpdateSettings(ctx context.Context, profile string, req localapi.SettingsRequest) (localapi.Account, error) {
	acc, err := a.lookup(profile)
	if err != nil {
		return localapi.Account{}, err
	}
	var settings store.Settings
	err = a.opts.Store.Update(ctx, func(c *store.Config) error {
		p, ok := c.Find(acc.profile.Name)
		if !ok {
			return fmt.Errorf("%w: account %q was removed", localapi.ErrNotFound, acc.profile.Name)
		}
		for _, f := range []struct {
			from *localapi.Duration
			to   *store.Duration
		}{{req.MinValid, &p.Settings.MinValid}, {req.NotifyLead, &p.Settings.NotifyLead}, {req.ClipboardClear, &p.Settings.ClipboardClear}} {
			if f.from != nil {
				*f.to = store.Duration(*f.from)
			}
		}
		if err := p.Settings.Validate(); err != nil {
			return fmt.Errorf("%w: %v", localapi.ErrBadRequest, err)
		}
		settings = p.Settings
		return nil
	})
	if err != nil {
		return localapi.Account{}, err
	}
	a.mu.Lock()
	acc.profile.Settings = settings
	acc.leadSent = time.Time{} // a new lead time may warrant a new warning
	out := acc.status()
	a.mu.Unlock()
	a.markDirty()
	return out, nil
}

// OpenWindow starts the window process.
func (a *Agent) OpenWindow(context.Context) error {
	if a.opts.OpenWindow == nil {
		return errors.New("the window is not available in this build")
	}
	return a.opts.OpenWindow()
}

// Quit makes Run return.
func (a *Agent) Quit(context.Context) error {
	a.quitOnce.Do(func() { close(a.quit) })
	return nil
}
