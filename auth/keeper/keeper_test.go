package keeper_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tokentray/tokentray/auth"
	"github.com/tokentray/tokentray/auth/keeper"
)

const (
	user     = "api@corp.example"
	password = "correct-horse-secret"
)

// rig runs one Keeper against a fakeESET inside a synctest bubble.
type rig struct {
	t      *testing.T
	eset   *fakeESET
	creds  *memCreds
	k      *keeper.Keeper
	ctx    context.Context
	cancel context.CancelFunc
	done   chan error
	jump   atomic.Int64 // how far the wall clock ran ahead (a sleep)
}

func newRig(t *testing.T, eset *fakeESET, creds *memCreds, mod ...func(*keeper.Config)) *rig {
	t.Helper()
	r := &rig{t: t, eset: eset, creds: creds, done: make(chan error, 1)}
	cfg := keeper.Config{
		Profile: "eu", Username: user, Client: eset, Creds: creds,
		Now:  func() time.Time { return time.Now().Add(time.Duration(r.jump.Load())) },
		Rand: func() float64 { return 0.5 }, // no jitter: delays are exact
	}
	for _, m := range mod {
		m(&cfg)
	}
	eset.now = cfg.Now // a real Client stamps tokens with the keeper's clock
	r.k = keeper.New(cfg)
	r.ctx, r.cancel = context.WithCancel(context.Background())
	go func() { r.done <- r.k.Run(r.ctx) }()
	t.Cleanup(r.stop)
	synctest.Wait()
	return r
}

func (r *rig) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	if err := <-r.done; !errors.Is(err, context.Canceled) {
		r.t.Errorf("Run returned %v; want context.Canceled", err)
	}
}

// suspend makes the wall clock jump by d while timers stand still, as a
// laptop's sleep does.
func (r *rig) suspend(d time.Duration) { r.jump.Add(int64(d)) }

func (r *rig) signIn() {
	r.t.Helper()
	if err := r.k.SignIn(context.Background(), password, true); err != nil {
		r.t.Fatalf("SignIn: %v", err)
	}
}

func (r *rig) token(minValid time.Duration) (*auth.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return r.k.Token(ctx, minValid)
}

func (r *rig) mustToken(minValid time.Duration) *auth.Token {
	r.t.Helper()
	tok, err := r.token(minValid)
	if err != nil {
		r.t.Fatalf("Token(%v): %v", minValid, err)
	}
	return tok
}

func wantPhase(t *testing.T, k *keeper.Keeper, want keeper.Phase) keeper.State {
	t.Helper()
	st := k.State()
	if st.Phase != want {
		t.Fatalf("phase = %v (err %v); want %v", st.Phase, st.Err, want)
	}
	return st
}

func TestStartsSignedOutWithoutCredentials(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, newFakeESET(password), newMemCreds())
		wantPhase(t, r.k, keeper.SignedOut)
		_, err := r.token(time.Minute)
		if !errors.Is(err, keeper.ErrSignedOut) {
			t.Fatalf("Token err = %v; want ErrSignedOut", err)
		}
		if got := auth.Hint(err); got == "" {
			t.Errorf("signed-out error has no hint")
		}
	})
}

func TestSignInStoresSecretsAndServesWithoutWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset, creds := newFakeESET(password), newMemCreds()
		r := newRig(t, eset, creds)
		r.signIn()
		st := wantPhase(t, r.k, keeper.Fresh)
		if got, want := st.Expiry.Sub(st.Obtained), time.Hour; got != want {
			t.Errorf("lifetime = %v; want %v", got, want)
		}
		if got, want := st.NextRefresh, st.Expiry.Add(-15*time.Minute); !got.Equal(want) {
			t.Errorf("NextRefresh = %v; want %v (25%% of an hour before expiry)", got, want)
		}
		pw, rt := creds.snapshot()
		if pw != password || rt != eset.currentRT() {
			t.Errorf("stored password/refresh = %q/%q; want the password and %q", pw, rt, eset.currentRT())
		}
		a, b := r.mustToken(5*time.Minute), r.mustToken(5*time.Minute)
		if a != b {
			t.Errorf("two Token calls returned different tokens without a refresh")
		}
		if refreshes, passwords, _ := eset.counts(); refreshes != 0 || passwords != 1 {
			t.Errorf("grants = %d refreshes, %d passwords; want 0, 1", refreshes, passwords)
		}
	})
}

func TestRefreshesOnScheduleAndRotates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset, creds := newFakeESET(password), newMemCreds()
		r := newRig(t, eset, creds)
		r.signIn()
		first := r.mustToken(0)

		time.Sleep(44*time.Minute + 59*time.Second)
		synctest.Wait()
		if refreshes, _, _ := eset.counts(); refreshes != 0 {
			t.Fatalf("refreshed %d times before 45 min; want 0", refreshes)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if refreshes, _, _ := eset.counts(); refreshes != 1 {
			t.Fatalf("refreshes after 45 min = %d; want 1", refreshes)
		}
		second := r.mustToken(0)
		if second == first || second.AccessToken == first.AccessToken {
			t.Errorf("token not replaced by the refresh")
		}
		if _, rt := creds.snapshot(); rt != second.RefreshToken {
			t.Errorf("stored refresh token is not the rotated one")
		}
		// A day later it has kept refreshing every 45 minutes.
		time.Sleep(24 * time.Hour)
		synctest.Wait()
		if refreshes, passwords, reused := eset.counts(); refreshes != 33 || passwords != 1 || reused != 0 {
			t.Errorf("after a day: %d refreshes, %d passwords, %d reused; want 33, 1, 0", refreshes, passwords, reused)
		}
	})
}

func TestRotatedRefreshTokenIsStoredBeforeServed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset, creds := newFakeESET(password), newMemCreds()
		r := newRig(t, eset, creds)
		r.signIn()
		old := r.mustToken(0)
		time.Sleep(5 * time.Minute) // 55 minutes left: a 58-minute ask must wait

		release := make(chan struct{})
		var storedBeforeRelease atomic.Bool
		creds.with(func(c *memCreds) { c.onSetRT = func(string) { <-release; storedBeforeRelease.Store(true) } })

		got := make(chan *auth.Token)
		go func() { tok, _ := r.token(58 * time.Minute); got <- tok }()
		synctest.Wait() // the refresh is blocked inside SetRefreshToken
		select {
		case <-got:
			t.Fatal("a token was served while its refresh token was not yet stored")
		default:
		}
		if r.k.State().Phase != keeper.Refreshing {
			t.Errorf("phase while storing = %v; want refreshing", r.k.State().Phase)
		}
		close(release)
		tok := <-got
		if tok == nil || tok.AccessToken == old.AccessToken {
			t.Fatalf("after storing: got %v; want a new token", tok)
		}
		if _, rt := creds.snapshot(); rt != tok.RefreshToken || !storedBeforeRelease.Load() {
			t.Errorf("served a token whose refresh token is not the stored one")
		}
	})
}

func TestConcurrentCallersShareOneRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset := newFakeESET(password)
		// a slow answer keeps the refresh in flight
		eset.with(func(f *fakeESET) { f.delay = 2 * time.Second })
		r := newRig(t, eset, newMemCreds())
		r.signIn()
		time.Sleep(10 * time.Minute) // 50 min left, not due yet

		var wg sync.WaitGroup
		tokens := make([]*auth.Token, 50)
		for i := range tokens {
			wg.Go(func() { tokens[i] = r.mustToken(55 * time.Minute) })
		}
		wg.Wait()
		for i, tok := range tokens {
			if tok != tokens[0] {
				t.Fatalf("caller %d got a different token", i)
			}
		}
		if refreshes, _, reused := eset.counts(); refreshes != 1 || reused != 0 {
			t.Errorf("refreshes = %d, reused = %d; want 1, 0", refreshes, reused)
		}
		// The kicks the waiters left behind cause no second refresh.
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if refreshes, _, _ := eset.counts(); refreshes != 1 {
			t.Errorf("refreshes after the waiters were served = %d; want 1", refreshes)
		}
	})
}

func TestTemporaryFailuresBackOffThenRecover(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset := newFakeESET(password)
		r := newRig(t, eset, newMemCreds())
		r.signIn()
		serverErr := &auth.Error{Kind: auth.ErrServer, Status: 503, RequestID: "rid-503"}
		eset.with(func(f *fakeESET) {
			f.refreshErr = []error{serverErr, &auth.Error{Kind: auth.ErrRateLimited, Status: 429}, &auth.Error{Kind: auth.ErrNetwork}}
		})

		time.Sleep(45 * time.Minute)
		synctest.Wait()
		st := wantPhase(t, r.k, keeper.Expiring)
		if !errors.Is(st.Err, auth.ErrServer) || st.RequestID != "rid-503" || st.Failures != 1 {
			t.Errorf("state = %+v; want ErrServer with request-id rid-503, 1 failure", st)
		}
		// Rand is 0.5, so delays are exactly 2 s, 4 s, 8 s.
		for i, want := range []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second} {
			st := r.k.State()
			if got := time.Until(st.NextRefresh); got != want {
				t.Errorf("retry %d in %v; want %v", i+1, got, want)
			}
			time.Sleep(want)
			synctest.Wait()
		}
		wantPhase(t, r.k, keeper.Fresh)
		if refreshes, passwords, _ := eset.counts(); refreshes != 4 || passwords != 1 {
			t.Errorf("grants = %d refreshes, %d passwords; want 4, 1", refreshes, passwords)
		}
	})
}

func TestFailingOnceTheTokenExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset := newFakeESET(password)
		r := newRig(t, eset, newMemCreds())
		r.signIn()
		for range 100 {
			eset.with(func(f *fakeESET) { f.refreshErr = append(f.refreshErr, &auth.Error{Kind: auth.ErrNetwork}) })
		}
		time.Sleep(61 * time.Minute)
		synctest.Wait()
		st := wantPhase(t, r.k, keeper.Failing)
		if !errors.Is(st.Err, auth.ErrNetwork) {
			t.Errorf("err = %v; want ErrNetwork", st.Err)
		}
		// A caller gets the failure of the attempt it triggered, promptly.
		start := time.Now()
		_, err := r.token(time.Minute)
		if !errors.Is(err, auth.ErrNetwork) {
			t.Errorf("Token err = %v; want ErrNetwork", err)
		}
		if waited := time.Since(start); waited > 5*time.Minute+time.Second {
			t.Errorf("Token waited %v; want at most one backoff", waited)
		}
		// Backoff is capped at 5 minutes.
		if d := time.Until(st.NextRefresh); d > 5*time.Minute {
			t.Errorf("next retry in %v; want <= 5m", d)
		}
	})
}

func TestRejectedRefreshFallsBackToPasswordOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset, creds := newFakeESET(password), newMemCreds()
		r := newRig(t, eset, creds)
		r.signIn()
		time.Sleep(time.Minute) // age the token so a 59-minute ask must refresh
		// the server forgot every refresh token
		eset.with(func(f *fakeESET) { f.validRT = "" })
		tok, err := r.token(time.Hour - time.Second)
		if err != nil {
			t.Fatalf("Token: %v", err)
		}
		refreshes, passwords, _ := eset.counts()
		if refreshes != 1 || passwords != 2 {
			t.Errorf("grants = %d refreshes, %d passwords; want 1, 2", refreshes, passwords)
		}
		if _, rt := creds.snapshot(); rt != tok.RefreshToken {
			t.Errorf("the password grant's refresh token was not stored")
		}
		wantPhase(t, r.k, keeper.Fresh)
	})
}

func TestRejectedPasswordStopsAndIsNeverResent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset, creds := newFakeESET(password), newMemCreds()
		r := newRig(t, eset, creds)
		r.signIn()
		time.Sleep(time.Minute) // age the token so a 59-minute ask must refresh
		eset.with(func(f *fakeESET) { f.validRT = "" })
		// the stored password expired
		eset.with(func(f *fakeESET) { f.password = "changed-in-eba" })

		_, err := r.token(time.Hour - time.Second)
		if !errors.Is(err, keeper.ErrSignInNeeded) || !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("Token err = %v; want ErrSignInNeeded wrapping ErrBadCredentials", err)
		}
		if !strings.Contains(auth.Hint(err), "expire") {
			t.Errorf("hint %q does not mention password expiry", auth.Hint(err))
		}
		st := wantPhase(t, r.k, keeper.SignInNeeded)
		if !errors.Is(st.Err, auth.ErrBadCredentials) || st.RequestID != "req-bad" {
			t.Errorf("state err = %v, request-id %q", st.Err, st.RequestID)
		}
		if pw, rt := creds.snapshot(); pw != "" || rt != "" {
			t.Errorf("rejected secrets still stored: password %v, refresh %v", pw != "", rt != "")
		}
		// Days pass, callers keep asking: nothing is sent again.
		for range 5 {
			time.Sleep(24 * time.Hour)
			r.k.RefreshNow()
			if _, err := r.token(time.Minute); !errors.Is(err, keeper.ErrSignInNeeded) {
				t.Fatalf("Token err = %v; want ErrSignInNeeded", err)
			}
		}
		if _, passwords, _ := eset.counts(); passwords != 2 {
			t.Errorf("password grants = %d; want 2 (sign-in and one fallback)", passwords)
		}
		// Signing in again with the new password recovers.
		if err := r.k.SignIn(context.Background(), "changed-in-eba", true); err != nil {
			t.Fatalf("SignIn: %v", err)
		}
		wantPhase(t, r.k, keeper.Fresh)
	})
}

func TestWrongPasswordAtSignInIsNotRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset, creds := newFakeESET(password), newMemCreds()
		r := newRig(t, eset, creds)
		err := r.k.SignIn(context.Background(), "typo", true)
		if !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("SignIn err = %v; want ErrBadCredentials", err)
		}
		wantPhase(t, r.k, keeper.SignInNeeded)
		time.Sleep(48 * time.Hour)
		if _, passwords, _ := eset.counts(); passwords != 1 {
			t.Errorf("password grants = %d; want 1", passwords)
		}
		if pw, _ := creds.snapshot(); pw != "" {
			t.Errorf("a rejected password was stored")
		}
	})
}

func TestForbiddenNeedsAPerson(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset := newFakeESET(password)
		eset.with(func(f *fakeESET) { f.pwErr = []error{&auth.Error{Kind: auth.ErrForbidden, Status: 403}} })
		r := newRig(t, eset, newMemCreds())
		err := r.k.SignIn(context.Background(), password, true)
		if !errors.Is(err, auth.ErrForbidden) || !strings.Contains(auth.Hint(err), "Integrations") {
			t.Fatalf("SignIn err = %v (hint %q); want ErrForbidden naming the Integrations permission", err, auth.Hint(err))
		}
		wantPhase(t, r.k, keeper.SignInNeeded)
	})
}

func TestRejectedRefreshWithoutStoredPasswordNeedsSignIn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset, creds := newFakeESET(password), newMemCreds()
		r := newRig(t, eset, creds)
		r.signIn()
		creds.SetPassword(context.Background(), "")
		eset.with(func(f *fakeESET) { f.validRT = "" })
		time.Sleep(45 * time.Minute)
		synctest.Wait()
		st := wantPhase(t, r.k, keeper.SignInNeeded)
		if !errors.Is(st.Err, auth.ErrRefreshRejected) {
			t.Errorf("reason = %v; want ErrRefreshRejected", st.Err)
		}
		if _, passwords, _ := eset.counts(); passwords != 1 {
			t.Errorf("password grants = %d; want 1", passwords)
		}
	})
}

func TestUnrememberedPasswordStaysInMemory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset, creds := newFakeESET(password), newMemCreds()
		creds.password = "old-stored-password"
		r := newRig(t, eset, creds)
		if err := r.k.SignIn(context.Background(), password, false); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute) // age the token so a 59-minute ask must refresh
		if pw, _ := creds.snapshot(); pw != "" {
			t.Errorf("password stored although remember was off")
		}
		eset.with(func(f *fakeESET) { f.validRT = "" })
		if _, err := r.token(time.Hour - time.Second); err != nil {
			t.Fatalf("fallback with the in-memory password failed: %v", err)
		}
	})
}

func TestResumesFromStoredRefreshToken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset, creds := newFakeESET(password), newMemCreds()
		creds.refresh = eset.issue().RefreshToken // a previous run's
		r := newRig(t, eset, creds)
		wantPhase(t, r.k, keeper.Fresh)
		if refreshes, passwords, _ := eset.counts(); refreshes != 1 || passwords != 0 {
			t.Errorf("start-up grants = %d refreshes, %d passwords; want 1, 0", refreshes, passwords)
		}
	})
}

func TestSleepResumeRefreshesBeforeServing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset := newFakeESET(password)
		r := newRig(t, eset, newMemCreds())
		r.signIn()
		before := r.mustToken(0)

		// Asleep 20 minutes: by the wall clock 40 minutes are left, but the
		// token may have been revoked meanwhile; refresh before serving.
		r.suspend(20 * time.Minute)
		after := r.mustToken(5 * time.Minute)
		if after == before {
			t.Fatal("served the pre-sleep token without refreshing")
		}
		if refreshes, _, _ := eset.counts(); refreshes != 1 {
			t.Errorf("refreshes = %d; want 1", refreshes)
		}
		// Afterwards the fast path serves again.
		if again := r.mustToken(5 * time.Minute); again != after {
			t.Errorf("no fast path after the post-wake refresh")
		}
	})
}

func TestSleepPastExpiryIsNoticedByTheLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset := newFakeESET(password)
		r := newRig(t, eset, newMemCreds())
		r.signIn()
		r.suspend(3 * time.Hour) // timers stood still: the 45-min timer has not fired
		time.Sleep(31 * time.Second)
		synctest.Wait()
		if refreshes, _, _ := eset.counts(); refreshes != 1 {
			t.Fatalf("refreshes within a coarse tick after waking = %d; want 1", refreshes)
		}
		wantPhase(t, r.k, keeper.Fresh)
	})
}

func TestFailedRefreshAfterWakeStillServesValidToken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset := newFakeESET(password)
		r := newRig(t, eset, newMemCreds())
		r.signIn()
		old := r.mustToken(0)
		eset.with(func(f *fakeESET) { f.refreshErr = []error{&auth.Error{Kind: auth.ErrNetwork}} })
		r.suspend(10 * time.Minute) // Wi-Fi not back yet
		// One refresh is tried; it fails, and the token that is still valid
		// by the wall clock serves rather than nothing.
		if tok := r.mustToken(5 * time.Minute); tok != old {
			t.Errorf("after a failed post-wake attempt, want the still-valid token")
		}
		if refreshes, _, _ := eset.counts(); refreshes != 1 {
			t.Errorf("refreshes = %d; want 1 (tried before serving)", refreshes)
		}
		synctest.Wait()
		st := wantPhase(t, r.k, keeper.Expiring)
		if !errors.Is(st.Err, auth.ErrNetwork) {
			t.Errorf("state err = %v; want the network error", st.Err)
		}
	})
}

func TestLifetimeShorterThanMinValid(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset := newFakeESET(password)
		eset.with(func(f *fakeESET) { f.lifetime = 2 * time.Minute })
		r := newRig(t, eset, newMemCreds())
		r.signIn()
		if st := r.k.State(); st.NextRefresh.Sub(st.Obtained) != time.Minute {
			t.Errorf("a 2-minute token refreshes after %v; want 1m", st.NextRefresh.Sub(st.Obtained))
		}
		_, err := r.token(5 * time.Minute)
		if !errors.Is(err, keeper.ErrLifetimeTooShort) {
			t.Fatalf("Token err = %v; want ErrLifetimeTooShort", err)
		}
	})
}

func TestKeyringWriteFailureKeepsRotatedTokenInMemory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset, creds := newFakeESET(password), newMemCreds()
		r := newRig(t, eset, creds)
		r.signIn()
		time.Sleep(time.Minute) // age the token so a 59-minute ask must refresh
		creds.with(func(c *memCreds) { c.setErr = errKeyring })
		tok := r.mustToken(time.Hour - time.Second) // refresh 1: its token cannot be stored
		st := wantPhase(t, r.k, keeper.Fresh)
		if !errors.Is(st.Err, errKeyring) {
			t.Errorf("state err = %v; want the keyring error reported", st.Err)
		}
		creds.with(func(c *memCreds) { c.setErr = nil })
		r.k.RefreshNow()
		time.Sleep(time.Second)
		synctest.Wait()
		if _, _, reused := eset.counts(); reused != 0 {
			t.Fatalf("the unsaved rotated token was lost: a spent one was sent %d times", reused)
		}
		if _, rt := creds.snapshot(); rt == tok.RefreshToken || rt != eset.currentRT() {
			t.Errorf("stored refresh token is not the newest")
		}
		wantPhase(t, r.k, keeper.Fresh)
	})
}

func TestTwoKeepersOneAccountNeverReuseARefreshToken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset, creds := newFakeESET(password), newMemCreds()
		a := newRig(t, eset, creds)
		a.signIn()
		b := newRig(t, eset, creds) // a second process: loads the stored refresh token
		var wg sync.WaitGroup
		for range 20 {
			time.Sleep(2 * time.Second) // both tokens now have less than an hour left
			wg.Go(func() { a.mustToken(time.Hour - time.Second) })
			wg.Go(func() { b.mustToken(time.Hour - time.Second) })
			wg.Wait()
		}
		refreshes, passwords, reused := eset.counts()
		if reused != 0 || passwords != 1 {
			t.Errorf("reused = %d, passwords = %d; want 0 and 1", reused, passwords)
		}
		if refreshes < 20 {
			t.Errorf("refreshes = %d; want at least 20", refreshes)
		}
	})
}

func TestSubscribersGetLatestStateWithoutBlocking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, newFakeESET(password), newMemCreds())
		states, cancel := r.k.Subscribe()
		first := <-states
		if first.Phase != keeper.SignedOut {
			t.Errorf("first state = %v; want signed out", first.Phase)
		}
		// Nobody reads while several changes happen.
		r.signIn()
		for range 5 {
			r.k.RefreshNow()
			time.Sleep(2 * time.Second)
			synctest.Wait()
		}
		latest := <-states
		if want := r.k.State(); latest.Seq != want.Seq {
			t.Errorf("coalesced state Seq = %d; want the latest %d", latest.Seq, want.Seq)
		}
		select {
		case s := <-states:
			t.Errorf("extra state %d queued; want only the latest", s.Seq)
		default:
		}
		cancel()
		if _, ok := <-states; ok {
			t.Errorf("channel not closed by cancel")
		}
		cancel() // idempotent
	})
}

func TestSignOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset, creds := newFakeESET(password), newMemCreds()
		r := newRig(t, eset, creds)
		r.signIn()
		if err := r.k.SignOut(context.Background(), false); err != nil {
			t.Fatal(err)
		}
		wantPhase(t, r.k, keeper.SignedOut)
		if _, err := r.token(0); !errors.Is(err, keeper.ErrSignedOut) {
			t.Errorf("Token after sign-out: %v; want ErrSignedOut", err)
		}
		if pw, rt := creds.snapshot(); pw != password || rt != "" {
			t.Errorf("after sign-out: password kept %v, refresh kept %v; want true, false", pw == password, rt != "")
		}
		if err := r.k.SignOut(context.Background(), true); err != nil {
			t.Fatal(err)
		}
		if pw, _ := creds.snapshot(); pw != "" {
			t.Errorf("forget did not delete the password")
		}
		time.Sleep(2 * time.Hour)
		if refreshes, passwords, _ := eset.counts(); refreshes != 0 || passwords != 1 {
			t.Errorf("while signed out: %d refreshes, %d password grants; want 0 and 1", refreshes, passwords)
		}
	})
}

func TestStateAndErrorsHoldNoSecrets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset := newFakeESET(password)
		r := newRig(t, eset, newMemCreds())
		r.signIn()
		time.Sleep(time.Minute) // age the token so a 59-minute ask must refresh
		tok := r.mustToken(0)
		eset.with(func(f *fakeESET) { f.validRT, f.password = "", "other" })
		_, err := r.token(time.Hour - time.Second)
		text := fmt.Sprintf("%v %+v %#v %v %s", r.k.State(), r.k.State(), r.k.State(), err, tok)
		for _, secret := range []string{password, tok.AccessToken, tok.RefreshToken} {
			if strings.Contains(text, secret) {
				t.Errorf("secret %q appears in %s", secret, text)
			}
		}
	})
}

func TestRefreshMargin(t *testing.T) {
	for _, tc := range []struct{ lifetime, want time.Duration }{
		{time.Hour, 15 * time.Minute},
		{2 * time.Hour, 30 * time.Minute},
		{16 * time.Minute, 5 * time.Minute},
		{8 * time.Minute, 4 * time.Minute},
		{2 * time.Minute, time.Minute},
	} {
		if got := keeper.RefreshMargin(tc.lifetime); got != tc.want {
			t.Errorf("RefreshMargin(%v) = %v; want %v", tc.lifetime, got, tc.want)
		}
	}
}

func TestBackoffDelay(t *testing.T) {
	b := keeper.DefaultBackoff
	for _, tc := range []struct {
		failures int
		rnd      float64
		want     time.Duration
	}{
		{1, 0.5, 2 * time.Second},
		{1, 0, time.Second},
		{1, 0.999, 2998 * time.Millisecond},
		{3, 0.5, 8 * time.Second},
		{9, 0.5, 5 * time.Minute}, // 512 s capped
		{9, 0, 150 * time.Second},
		{100, 0.99, 5 * time.Minute},
	} {
		got := b.Delay(tc.failures, tc.rnd)
		if diff := got - tc.want; diff < -time.Millisecond || diff > time.Millisecond {
			t.Errorf("Delay(%d, %v) = %v; want %v", tc.failures, tc.rnd, got, tc.want)
		}
	}
}

func TestPhaseString(t *testing.T) {
	if got, want := keeper.SignInNeeded.String(), "sign-in needed"; got != want {
		t.Errorf("String = %q; want %q", got, want)
	}
	if got, want := keeper.Phase(42).String(), "Phase(42)"; got != want {
		t.Errorf("String = %q; want %q", got, want)
	}
}

func TestTokenCalledBeforeRunLoadsLearnsSignedOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := keeper.New(keeper.Config{Profile: "eu", Username: user, Client: newFakeESET(password), Creds: newMemCreds()})
		errc := make(chan error, 1)
		go func() { _, err := k.Token(context.Background(), time.Minute); errc <- err }()
		synctest.Wait() // the caller waits: nothing is loaded yet
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { k.Run(ctx); close(done) }()
		if err := <-errc; !errors.Is(err, keeper.ErrSignedOut) {
			t.Errorf("Token = %v; want ErrSignedOut once Run has loaded", err)
		}
		cancel()
		<-done
	})
}

func TestSignOutSticksWithAStoredPassword(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset, creds := newFakeESET(password), newMemCreds()
		r := newRig(t, eset, creds)
		r.signIn()
		if err := r.k.SignOut(context.Background(), false); err != nil {
			t.Fatal(err)
		}
		r.k.RefreshNow()
		if _, err := r.token(time.Minute); !errors.Is(err, keeper.ErrSignedOut) {
			t.Errorf("Token after sign-out: %v; want ErrSignedOut", err)
		}
		time.Sleep(3 * time.Hour)
		synctest.Wait()
		wantPhase(t, r.k, keeper.SignedOut)
		if _, passwords, _ := eset.counts(); passwords != 1 {
			t.Errorf("password grants = %d; the stored password signed the account back in", passwords)
		}
		// A restarted process stays signed out too.
		r2 := newRig(t, eset, creds)
		wantPhase(t, r2.k, keeper.SignedOut)
	})
}

func TestFailedSignInIsNotRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset, creds := newFakeESET(password), newMemCreds()
		creds.password = "an-old-stored-password"
		eset.pwErr = []error{&auth.Error{Kind: auth.ErrNetwork}}
		r := newRig(t, eset, creds)
		if err := r.k.SignIn(context.Background(), password, true); !errors.Is(err, auth.ErrNetwork) {
			t.Fatalf("SignIn: %v; want the network error", err)
		}
		wantPhase(t, r.k, keeper.SignedOut)
		time.Sleep(time.Hour)
		synctest.Wait()
		if _, passwords, _ := eset.counts(); passwords != 1 {
			t.Errorf("password grants = %d; a failed sign-in was retried", passwords)
		}
		if pw, _ := creds.snapshot(); pw != "an-old-stored-password" {
			t.Errorf("the stored password changed")
		}
	})
}

func TestWaitersRespectRateLimitBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset := newFakeESET(password)
		r := newRig(t, eset, newMemCreds())
		r.signIn()
		time.Sleep(50 * time.Minute) // refreshed once at 45 min
		eset.with(func(f *fakeESET) {
			for range 20 {
				f.refreshErr = append(f.refreshErr, &auth.Error{Kind: auth.ErrRateLimited, Status: 429})
			}
		})
		r.k.RefreshNow()
		time.Sleep(time.Second)
		synctest.Wait()
		before, _, _ := eset.counts()
		// The retry is due 2 s after the failure. A script asks five times
		// in the half second before: each gets the 429 at once, and none
		// sends a request before the backoff is over.
		for range 5 {
			if _, err := r.token(55 * time.Minute); !errors.Is(err, auth.ErrRateLimited) {
				t.Fatalf("Token: %v; want ErrRateLimited", err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if after, _, _ := eset.counts(); after != before {
			t.Errorf("waiters caused %d extra requests during a rate-limit backoff", after-before)
		}
	})
}

func TestSignInBeforeRunDoesNotRefreshAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eset, creds := newFakeESET(password), newMemCreds()
		k := keeper.New(keeper.Config{Profile: "eu", Username: user, Client: eset, Creds: creds})
		if err := k.SignIn(context.Background(), password, true); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { k.Run(ctx); close(done) }()
		synctest.Wait()
		if refreshes, _, _ := eset.counts(); refreshes != 0 {
			t.Errorf("Run refreshed %d times right after a sign-in", refreshes)
		}
		wantPhase(t, k, keeper.Fresh)
		cancel()
		<-done
	})
}
