// Package keeper keeps one ESET Connect account's token fresh.
//
// A Keeper holds the current token and serves it without waiting when it has
// enough validity left ([Keeper.Token]); its background loop ([Keeper.Run])
// refreshes before expiry, retries temporary failures with capped,
// jittered backoff, falls back once to the stored password when the refresh
// token is rejected, and stops (phase [SignInNeeded]) when a password is
// rejected, so a wrong password is never sent twice. Every change is
// published as a [State] to subscribers.
//
// Refresh and sign-in run under the account's cross-process lock and read
// the newest refresh token from storage inside it, so two processes (the
// agent and a command-line run) never spend one refresh token twice; a
// rotated refresh token is stored before its access token is served (if
// storing fails, it is kept in memory for the next attempt and the failure
// is reported in State.Err). The stored password is used only as the one
// fallback after a rejected refresh token: a signed-out account stays
// signed out, and a failed SignIn is never retried.
//
// Go timers stop while a laptop sleeps (golang/go#24595), so the keeper
// compares wall-clock times on a coarse timer and on every Token call, and
// refreshes after a wake before it serves a token again.
package keeper

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokentray/tokentray/auth"
)

// Granter obtains tokens; *auth.Client is the real one.
type Granter interface {
	PasswordGrant(ctx context.Context, username, password string) (*auth.Token, error)
	Refresh(ctx context.Context, refreshToken string) (*auth.Token, error)
}

var _ Granter = (*auth.Client)(nil)

// Pacer spaces out requests; a *rate.Limiter from golang.org/x/time/rate
// shared by all keepers keeps many accounts waking at once under ESET's
// rate limit.
type Pacer interface {
	Wait(ctx context.Context) error
}

// Config is what a Keeper needs. Profile, Username, Client and Creds are
// required.
type Config struct {
	Profile  string
	Username string
	Client   Granter
	Creds    Credentials
	// Now is the wall clock; nil means time.Now.
	Now func() time.Time
	// Pacer, if set, is waited on before every grant.
	Pacer Pacer
	// Backoff spaces retries; the zero value means DefaultBackoff.
	Backoff Backoff
	// Rand returns jitter in [0, 1); nil means math/rand/v2.
	Rand func() float64
	// AttemptTimeout bounds one refresh or sign-in, lock wait included;
	// 0 means 4 minutes (ESET's 202 polling can take 2).
	AttemptTimeout time.Duration
}

// Timing constants of the loop.
const (
	// tick is the coarse timer that re-reads the wall clock, so a sleep
	// that froze the timers is noticed within this long after waking.
	tick = 30 * time.Second
	// sleepSlack is how far the wall clock may run ahead of the monotonic
	// clock before we conclude the machine slept.
	sleepSlack = time.Minute
	// urgentGap is the least time between attempts asked for by waiting
	// callers, which keeps an impatient script within ESET's rate limit.
	urgentGap = time.Second
	// shutdownGrace is how long a grant in flight may finish after Run is
	// stopped.
	shutdownGrace = 10 * time.Second
)

// Keeper keeps one account's token fresh. Create it with New, start Run in
// a goroutine, then call Token from any goroutine. All methods are safe for
// concurrent use.
type Keeper struct {
	cfg Config

	// held is read without locks by Token's fast path.
	held atomic.Pointer[held]

	// grantMu serialises grants within this process (the cross-process
	// lock in Creds serialises them between processes).
	grantMu sync.Mutex
	// memPassword is a password the person chose not to store; it lives
	// only in this process. memRefresh is a rotated refresh token that could
	// not be stored; it is used (and stored again) on the next attempt.
	memPassword, memRefresh string // guarded by grantMu
	// needPassword is set when the refresh token was rejected and the
	// one password grant that follows has not been made yet (it may be
	// waiting out a network failure). Guarded by grantMu.
	needPassword bool

	kick chan struct{} // 1-slot: a waiting caller wants a token now

	mu          sync.Mutex // guards the fields below
	state       State
	changed     chan struct{} // closed and replaced on every change
	subs        map[chan State]struct{}
	attempts    uint64    // finished attempts (refresh or sign-in)
	lastErr     error     // of the last attempt
	lastAttempt time.Time // monotonic, when the last attempt finished
	loaded      bool      // Run has read what is stored
	// waiters holds the minimum validity each waiting Token call needs, so
	// the loop makes an early attempt only while one is unsatisfied.
	waiters map[*time.Duration]struct{}
}

// held is a token with the clock readings that detect a sleep: the wall and
// monotonic clocks advance together while the machine is awake.
type held struct {
	tok  *auth.Token
	wall time.Time // wall clock (no monotonic reading)
	mono time.Time // with monotonic reading
}

func newHeld(tok *auth.Token, now time.Time) *held {
	return &held{tok: tok, wall: now.Round(0), mono: time.Now()}
}

// slept reports whether the machine slept since h was taken.
func (h *held) slept(now time.Time) bool { return sleptSince(h.wall, h.mono, now) }

// sleptSince reports whether the wall clock ran ahead of the monotonic clock
// (which stands still during suspend) since the readings wall and mono.
func sleptSince(wall, mono, now time.Time) bool {
	return now.Round(0).Sub(wall)-time.Since(mono) > sleepSlack
}

// New returns a Keeper for cfg. Nothing happens until Run starts.
func New(cfg Config) *Keeper {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Backoff.Min <= 0 || cfg.Backoff.Max < cfg.Backoff.Min {
		cfg.Backoff = DefaultBackoff // a zero Min would retry in a tight loop
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	if cfg.AttemptTimeout <= 0 {
		cfg.AttemptTimeout = 4 * time.Minute
	}
	return &Keeper{
		cfg:     cfg,
		kick:    make(chan struct{}, 1),
		changed: make(chan struct{}),
		subs:    make(map[chan State]struct{}),
		waiters: make(map[*time.Duration]struct{}),
		state:   State{Profile: cfg.Profile, Phase: SignedOut},
	}
}

// Token returns a token with at least minValid left, waiting for a refresh
// when the held one has less (or when the machine slept since it was
// obtained). It returns an error when the account is signed out or needs a
// new sign-in (errors.Is ErrSignInNeeded), when an attempt that finished
// after the call began failed, while retries are spaced out after a rate
// limit or server failure (the last failure), or when ctx is done. Run
// must be running.
//
// The returned Token is shared and must not be modified. A token with
// enough validity is returned without locks or allocations.
func (k *Keeper) Token(ctx context.Context, minValid time.Duration) (*auth.Token, error) {
	if h := k.held.Load(); h != nil {
		if now := k.cfg.Now(); h.tok.ValidFor(now, minValid) && !h.slept(now) {
			return h.tok, nil
		}
	}
	return k.waitToken(ctx, minValid)
}

func (k *Keeper) waitToken(ctx context.Context, minValid time.Duration) (*auth.Token, error) {
	need := &minValid
	k.mu.Lock()
	start := k.attempts
	k.waiters[need] = struct{}{}
	k.mu.Unlock()
	defer func() {
		k.mu.Lock()
		delete(k.waiters, need)
		k.mu.Unlock()
	}()
	for {
		k.mu.Lock()
		now := k.cfg.Now()
		h := k.held.Load()
		if h != nil && h.tok.ValidFor(now, minValid) && !h.slept(now) {
			k.mu.Unlock()
			return h.tok, nil
		}
		st, attempts, lastErr, changed, loaded := k.state, k.attempts, k.lastErr, k.changed, k.loaded
		k.mu.Unlock()

		switch {
		case st.Phase == SignedOut && loaded:
			return nil, &SignedOutError{Profile: k.cfg.Profile}
		case st.Phase == SignInNeeded:
			return nil, &SignInNeededError{Profile: k.cfg.Profile, Err: st.Err}
		case attempts > start && lastErr != nil:
			return nil, lastErr
		case inBackoff(st, lastErr, now):
			// ESET asked us to slow down (429) or is failing (5xx): a
			// caller gets the last failure rather than another attempt.
			return nil, lastErr
		case attempts > start && h != nil && h.tok.Lifetime() < minValid:
			return nil, fmt.Errorf("%w: %s issued, %s asked for", ErrLifetimeTooShort,
				h.tok.Lifetime().Round(time.Second), minValid)
		}
		select {
		case k.kick <- struct{}{}:
		default:
		}
		select {
		case <-changed:
		case <-ctx.Done():
			if lastErr != nil {
				return nil, fmt.Errorf("no token with %s left yet (last attempt: %w): %w", minValid, lastErr, ctx.Err())
			}
			return nil, fmt.Errorf("no token with %s left yet: %w", minValid, ctx.Err())
		}
	}
}

// inBackoff reports whether retries are being spaced out after a rate
// limit or server failure, which callers must not cut short.
func inBackoff(st State, lastErr error, now time.Time) bool {
	return (st.Phase == Expiring || st.Phase == Failing) && now.Before(st.NextRefresh) &&
		(errors.Is(lastErr, auth.ErrRateLimited) || errors.Is(lastErr, auth.ErrServer))
}

// unsatisfied reports whether a waiting caller needs more validity than
// the held token has. Call with k.mu held.
func (k *Keeper) unsatisfied(now time.Time) bool {
	h := k.held.Load()
	for need := range k.waiters {
		if h == nil || !h.tok.ValidFor(now, *need) || h.slept(now) {
			return true
		}
	}
	return false
}

// State returns the current state.
func (k *Keeper) State() State {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.state
}

// Subscribe returns a channel that always holds the newest State: it is sent
// the current state at once and then every change, and a slow reader just
// sees the latest one (bursts coalesce; the keeper never blocks on it).
// Call cancel to stop; it closes the channel.
func (k *Keeper) Subscribe() (states <-chan State, cancel func()) {
	ch := make(chan State, 1)
	k.mu.Lock()
	k.subs[ch] = struct{}{}
	ch <- k.state
	k.mu.Unlock()
	return ch, func() {
		k.mu.Lock()
		defer k.mu.Unlock()
		if _, ok := k.subs[ch]; ok {
			delete(k.subs, ch)
			close(ch)
		}
	}
}

// update changes the state under k.mu and publishes it.
func (k *Keeper) update(change func(*State)) {
	k.mu.Lock()
	defer k.mu.Unlock()
	change(&k.state)
	k.state.Seq++
	close(k.changed)
	k.changed = make(chan struct{})
	for ch := range k.subs {
		select { // replace an unread state with the newest
		case <-ch:
		default:
		}
		ch <- k.state // cannot block: only update sends, under k.mu
	}
}

// RefreshNow asks the loop to refresh at once.
func (k *Keeper) RefreshNow() {
	k.planNow()
	select {
	case k.kick <- struct{}{}:
	default:
	}
}

// SignIn signs in with the password and, when remember is true, stores it
// for later automatic sign-ins (after the refresh token is rejected);
// otherwise it is kept in this process's memory only, and any stored one is
// deleted. A failure is returned as is (an *auth.Error): the person sees it
// and decides; nothing is retried.
func (k *Keeper) SignIn(ctx context.Context, password string, remember bool) error {
	k.grantMu.Lock()
	defer k.grantMu.Unlock()
	prev := k.State()
	k.update(func(s *State) { s.Phase = SigningIn; s.Err = nil })

	tok, err := k.signIn(ctx, password, remember)
	if tok != nil {
		k.needPassword = false
	}
	k.finish(tok, err, func(s *State) {
		switch {
		case tok != nil:
		case prev.Phase != SignedOut && prev.Phase != SignInNeeded && k.held.Load() != nil:
			// A failed re-sign-in leaves a working account as it was.
			s.Phase, s.Err, s.NextRefresh, s.Failures = prev.Phase, prev.Err, prev.NextRefresh, prev.Failures
		default:
			// The person sees the failure and decides: nothing is retried
			// with this password, or with a stored one.
			s.Phase, s.Err, s.NextRefresh, s.Failures = SignInNeeded, err, time.Time{}, 0
			if prev.Phase == SignedOut && auth.IsTemporary(err) {
				s.Phase = SignedOut
			}
		}
	})
	return err
}

func (k *Keeper) signIn(ctx context.Context, password string, remember bool) (*auth.Token, error) {
	ctx, cancel := context.WithTimeout(ctx, k.cfg.AttemptTimeout)
	defer cancel()
	unlock, err := k.cfg.Creds.Lock(ctx)
	if err != nil {
		return nil, fmt.Errorf("locking account %q: %w", k.cfg.Profile, err)
	}
	defer unlock()
	if err := k.pace(ctx); err != nil {
		return nil, err
	}
	tok, err := k.cfg.Client.PasswordGrant(ctx, k.cfg.Username, password)
	if err != nil {
		return nil, err
	}
	if err := k.saveRefresh(ctx, tok.RefreshToken); err != nil {
		return tok, err
	}
	stored := password
	k.memPassword = ""
	if !remember {
		stored, k.memPassword = "", password
	}
	if err := k.cfg.Creds.SetPassword(ctx, stored); err != nil {
		k.memPassword = password
		return tok, fmt.Errorf("signed in, but the password could not be saved: %w", err)
	}
	return tok, nil
}

// SignOut drops the token and the stored refresh token; forget also deletes
// the stored password. The account stays signed out until SignIn.
func (k *Keeper) SignOut(ctx context.Context, forget bool) error {
	k.grantMu.Lock()
	defer k.grantMu.Unlock()
	k.memRefresh, k.needPassword = "", false
	err := k.cfg.Creds.SetRefreshToken(ctx, "")
	if forget {
		k.memPassword = ""
		err = errors.Join(err, k.cfg.Creds.SetPassword(ctx, ""))
	}
	k.update(func(s *State) {
		k.loaded = true // nothing left to load: callers learn "signed out"
		k.held.Store(nil)
		*s = State{Profile: k.cfg.Profile, Phase: SignedOut, Seq: s.Seq}
	})
	if err != nil {
		return fmt.Errorf("signing out %q: %w", k.cfg.Profile, err)
	}
	return nil
}

// Run keeps the token fresh until ctx is done, then returns ctx's error
// (after letting a grant in flight finish, for up to 10 s). It
// first reads what is stored: with a refresh token it gets a token at once,
// otherwise the account is signed out until SignIn.
func (k *Keeper) Run(ctx context.Context) error {
	k.load(ctx)
	wall, mono := k.cfg.Now().Round(0), time.Now()
	for {
		urgent := false
		wait := tick
		if due := k.State().NextRefresh; !due.IsZero() {
			wait = min(wait, due.Sub(k.cfg.Now()))
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			case <-k.kick:
				urgent = true
			}
			t.Stop()
		}
		now := k.cfg.Now()
		if sleptSince(wall, mono, now) {
			k.planNow() // refresh before serving again
		}
		wall, mono = now.Round(0), time.Now()
		k.step(ctx, now, urgent)
	}
}

// planNow makes the next refresh due now, unless the account waits for a person.
func (k *Keeper) planNow() {
	k.update(func(s *State) {
		if s.Phase != SignedOut && s.Phase != SignInNeeded {
			s.NextRefresh = k.cfg.Now().Round(0)
		}
	})
}

// step runs an attempt when one is due, or when a waiting caller asked and
// the last attempt is at least urgentGap old; otherwise it just refreshes
// the phase (a failing token that has since expired).
func (k *Keeper) step(ctx context.Context, now time.Time, urgent bool) {
	k.mu.Lock()
	st, last := k.state, k.lastAttempt
	k.mu.Unlock()
	if st.Phase == SignedOut || st.Phase == SignInNeeded {
		return
	}
	due := !st.NextRefresh.IsZero() && !now.Before(st.NextRefresh)
	k.mu.Lock()
	wanted := k.unsatisfied(now)
	lastErr := k.lastErr
	k.mu.Unlock()
	if urgent && !due && (!wanted || inBackoff(st, lastErr, now)) {
		urgent = false // a stale kick, or a backoff that must run its course
	}
	if urgent && !due {
		if gap := urgentGap - time.Since(last); !last.IsZero() && gap > 0 {
			// Too soon after the last attempt: come back in gap. (Publish
			// only a real change: waiting callers wake on every change.)
			if at := now.Round(0).Add(gap); st.NextRefresh.IsZero() || st.NextRefresh.After(at) {
				k.update(func(s *State) { s.NextRefresh = at })
			}
			return
		}
		due = true
	}
	if due {
		k.attempt(ctx)
		return
	}
	if h := k.held.Load(); st.Phase == Expiring && (h == nil || !h.tok.ValidFor(now, 0)) {
		k.update(func(s *State) { s.Phase = Failing })
	}
}

// load reads what is stored and plans the first attempt.
func (k *Keeper) load(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, k.cfg.AttemptTimeout)
	defer cancel()
	// Only a refresh token resumes a session. A stored password alone
	// (after SignOut) does not sign in by itself: it serves as the fallback
	// when a refresh token is rejected.
	//
	// loaded is set in the same update that publishes the outcome, so no
	// caller can see "loaded and signed out" on the way to "refreshing".
	loaded := func(*State) { k.loaded = true } // update runs it under k.mu
	if k.held.Load() != nil {
		// Signed in before Run started (a new account): nothing to resume.
		k.update(loaded)
		return
	}
	rt, err := k.cfg.Creds.RefreshToken(ctx)
	switch {
	case err != nil:
		k.finish(nil, fmt.Errorf("reading the keyring: %w", err), loaded)
	case rt != "":
		k.update(func(s *State) {
			k.loaded = true
			s.Phase, s.NextRefresh = Refreshing, k.cfg.Now().Round(0)
		})
	default:
		k.update(loaded) // wakes callers waiting to learn we are signed out
	}
}

// attempt refreshes (or signs in with the stored password) and records the outcome.
func (k *Keeper) attempt(ctx context.Context) {
	k.grantMu.Lock()
	defer k.grantMu.Unlock()
	if p := k.State().Phase; p == SignedOut || p == SignInNeeded {
		return // signed out (or failed) while this attempt waited its turn
	}
	prev := k.State().Phase
	k.update(func(s *State) { s.Phase = Refreshing })
	// A grant in flight when Run is stopped gets a short grace to finish:
	// ESET may already have rotated the refresh token, and the new one must
	// reach the keyring before the process exits.
	actx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stopGrace := context.AfterFunc(ctx, func() { time.AfterFunc(shutdownGrace, cancel) })
	defer stopGrace()
	tok, err := k.obtain(actx)
	if tok == nil && ctx.Err() != nil {
		// Shutting down: this is no failure to report or retry.
		k.update(func(s *State) { s.Phase = prev })
		return
	}
	k.finish(tok, err, nil)
}

// obtain gets a new token under the cross-process lock: with the newest
// refresh token, or once with the password when that is rejected.
func (k *Keeper) obtain(ctx context.Context) (*auth.Token, error) {
	ctx, cancel := context.WithTimeout(ctx, k.cfg.AttemptTimeout)
	defer cancel()
	unlock, err := k.cfg.Creds.Lock(ctx)
	if err != nil {
		return nil, fmt.Errorf("locking account %q: %w", k.cfg.Profile, err)
	}
	defer unlock()

	rt := k.memRefresh
	if rt == "" {
		// Read inside the lock: another process may have rotated it.
		if rt, err = k.cfg.Creds.RefreshToken(ctx); err != nil {
			return nil, fmt.Errorf("reading the refresh token from the keyring: %w", err)
		}
	}
	var refreshErr error
	if rt == "" && !k.needPassword {
		// Signed out elsewhere (another process deleted the refresh token).
		return nil, &SignedOutError{Profile: k.cfg.Profile}
	}
	if rt != "" {
		if err := k.pace(ctx); err != nil {
			return nil, err
		}
		tok, err := k.cfg.Client.Refresh(ctx, rt)
		if err == nil {
			return tok, k.saveRefresh(ctx, tok.RefreshToken)
		}
		if !errors.Is(err, auth.ErrRefreshRejected) {
			return nil, err
		}
		// Spent or revoked: fall back to the password once. The rejected
		// token stays stored until that grant has an outcome, so a process
		// stopped in between still finds the account signed in.
		refreshErr = err
		k.memRefresh, k.needPassword = "", true
	}
	forgetRejected := func() {
		if refreshErr != nil {
			k.cfg.Creds.SetRefreshToken(context.WithoutCancel(ctx), "")
		}
	}
	pw := k.memPassword
	if pw == "" {
		if pw, err = k.cfg.Creds.Password(ctx); err != nil {
			return nil, fmt.Errorf("reading the password from the keyring: %w", err)
		}
	}
	if pw == "" {
		k.needPassword = false
		forgetRejected()
		return nil, &SignInNeededError{Profile: k.cfg.Profile, Err: refreshErr}
	}
	if err := k.pace(ctx); err != nil {
		return nil, err
	}
	tok, err := k.cfg.Client.PasswordGrant(ctx, k.cfg.Username, pw)
	if err == nil || !auth.IsTemporary(err) {
		k.needPassword = false // done: a temporary failure keeps it for the retry
	}
	if err != nil && !auth.IsTemporary(err) {
		forgetRejected()
	}
	if errors.Is(err, auth.ErrBadCredentials) {
		// Never send a rejected password again, from this process or any
		// other: delete it. Repeated failures can lock the account.
		k.memPassword = ""
		if derr := k.cfg.Creds.SetPassword(ctx, ""); derr != nil {
			return nil, errors.Join(err, fmt.Errorf("deleting the rejected password: %w", derr))
		}
	}
	if err != nil {
		return nil, err
	}
	return tok, k.saveRefresh(ctx, tok.RefreshToken)
}

// saveRefresh stores a rotated refresh token. If storing fails, the token
// is kept in memory for the next attempt, so it is not lost.
func (k *Keeper) saveRefresh(ctx context.Context, rt string) error {
	k.memRefresh = ""
	if rt == "" {
		return nil
	}
	// The old token is spent: saving the new one must not be cut short by a
	// caller that gave up or a shutdown.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := k.cfg.Creds.SetRefreshToken(ctx, rt); err != nil {
		k.memRefresh = rt
		return fmt.Errorf("saving the new refresh token to the keyring: %w", err)
	}
	return nil
}

func (k *Keeper) pace(ctx context.Context) error {
	if k.cfg.Pacer == nil {
		return nil
	}
	return k.cfg.Pacer.Wait(ctx)
}

// finish records an attempt's outcome: a new token (err may still report a
// keyring problem), or a failure that is retried with backoff when
// temporary and stops the account otherwise. adjust, if set, edits the
// state before it is published.
func (k *Keeper) finish(tok *auth.Token, err error, adjust func(*State)) {
	now := k.cfg.Now().Round(0)
	if tok != nil {
		k.held.Store(newHeld(tok, now))
	} else if h := k.held.Load(); h != nil && h.slept(now) {
		// A failed attempt after a wake still counts as "refreshed
		// before serving": keep serving the token while it is valid.
		k.held.Store(newHeld(h.tok, now))
	}
	k.mu.Lock()
	k.attempts++
	k.lastAttempt = time.Now()
	k.lastErr = nil
	if tok == nil {
		k.lastErr = err
	}
	k.mu.Unlock()

	k.update(func(s *State) {
		if h := k.held.Load(); h != nil {
			s.Obtained, s.Expiry = h.tok.Obtained, h.tok.Expiry
		}
		if rid := auth.RequestID(err); rid != "" {
			s.RequestID = rid
		} else if tok != nil {
			s.RequestID = tok.RequestID
		}
		switch {
		case tok != nil:
			s.Phase, s.Err, s.Failures = Fresh, err, 0
			// Never plan the next refresh in the past (a clock that
			// disagrees with the token's stamps would otherwise spin).
			s.NextRefresh = maxTime(tok.Expiry.Add(-RefreshMargin(tok.Lifetime())), now.Add(urgentGap))
		case errors.Is(err, ErrSignedOut):
			k.held.Store(nil)
			s.Phase, s.Err, s.NextRefresh, s.Obtained, s.Expiry = SignedOut, nil, time.Time{}, time.Time{}, time.Time{}
		case needsPerson(err):
			var sin *SignInNeededError
			if errors.As(err, &sin) {
				err = sin.Err
			}
			s.Phase, s.Err, s.NextRefresh = SignInNeeded, err, time.Time{}
		default:
			s.Failures++
			s.Err = err
			s.NextRefresh = now.Add(k.cfg.Backoff.Delay(s.Failures, k.cfg.Rand()))
			s.Phase = Failing
			if h := k.held.Load(); h != nil && h.tok.ValidFor(now, 0) {
				s.Phase = Expiring
			}
		}
		if adjust != nil {
			adjust(s)
		}
	})
}

// needsPerson reports whether err can only be fixed by a person: a rejected
// password, refresh token (with no password to fall back on), forbidden
// access, or another rejected request. Network, server, rate-limit and
// keyring failures are retried instead.
func needsPerson(err error) bool {
	var ae *auth.Error
	return errors.Is(err, ErrSignInNeeded) || (errors.As(err, &ae) && !ae.Temporary())
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
