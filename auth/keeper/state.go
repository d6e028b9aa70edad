package keeper

import (
	"errors"
	"fmt"
	"time"

	"github.com/tokentray/tokentray/auth"
)

// Phase is where an account's token stands.
type Phase int

// The phases, in the order an account usually moves through them.
const (
	// SignedOut: no credentials are stored; nothing happens until SignIn.
	SignedOut Phase = iota
	// SigningIn: a password grant is in flight.
	SigningIn
	// Fresh: a valid token is held and its refresh is not due yet.
	Fresh
	// Refreshing: a refresh is in flight; the held token (if any) still serves.
	Refreshing
	// Expiring: refreshing failed for a temporary reason and is being
	// retried; the held token is still valid but will not be renewed in time
	// unless a retry succeeds.
	Expiring
	// Failing: refreshing keeps failing for a temporary reason and no valid
	// token is held; retries continue with backoff.
	Failing
	// SignInNeeded: a person must sign in again (password rejected or
	// expired, refresh token rejected with no stored password, access
	// forbidden). Nothing is retried automatically.
	SignInNeeded
)

var phaseNames = [...]string{"signed out", "signing in", "fresh", "refreshing", "expiring", "failing", "sign-in needed"}

// String names the phase for people and logs, e.g. "sign-in needed".
func (p Phase) String() string {
	if p >= 0 && int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return fmt.Sprintf("Phase(%d)", int(p))
}

// State is a snapshot of one account, published on every change. It holds no
// secrets.
type State struct {
	// Profile is the account's name.
	Profile string
	// Phase is where the token stands.
	Phase Phase
	// Err says why, in the Expiring, Failing and SignInNeeded phases: usually
	// an *auth.Error (test it with errors.Is and show auth.Hint(Err)), or a
	// keyring error.
	Err error
	// Obtained and Expiry bound the held token; both are zero when none is held.
	Obtained, Expiry time.Time
	// NextRefresh is when the next refresh (or retry) is planned; zero when
	// none is.
	NextRefresh time.Time
	// RequestID is the request-id of the last answer from ESET.
	RequestID string
	// Failures counts consecutive failed attempts.
	Failures int
	// Seq increases with every published change.
	Seq uint64
}

// ErrSignInNeeded matches (with errors.Is) every error that needs a person
// to sign in again before a token can be had.
var ErrSignInNeeded = errors.New("sign-in needed")

// ErrSignedOut is returned for a token of an account that is signed out.
var ErrSignedOut = errors.New("signed out")

// SignInNeededError tells which account needs a new sign-in, and why.
type SignInNeededError struct {
	Profile string
	// Err is the reason: an *auth.Error, or nil when no password is stored.
	Err error
}

// Error reads like `account "eu-api" needs a new sign-in: ...`.
func (e *SignInNeededError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("account %q needs a new sign-in", e.Profile)
	}
	return fmt.Sprintf("account %q needs a new sign-in: %v", e.Profile, e.Err)
}

// Unwrap returns the reason.
func (e *SignInNeededError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrSignInNeeded) true.
func (e *SignInNeededError) Is(target error) bool { return target == ErrSignInNeeded }

// Hint tells a person what to do.
func (e *SignInNeededError) Hint() string {
	if h := auth.Hint(e.Err); h != "" {
		return h
	}
	return "Sign in again with the API user's password."
}

// SignedOutError says which account is signed out.
type SignedOutError struct{ Profile string }

// Error reads like `account "eu-api" is signed out`.
func (e *SignedOutError) Error() string { return fmt.Sprintf("account %q is signed out", e.Profile) }

// Is makes errors.Is(err, ErrSignedOut) true.
func (e *SignedOutError) Is(target error) bool { return target == ErrSignedOut }

// Hint tells a person what to do.
func (e *SignedOutError) Hint() string { return "Sign in first." }

// ErrLifetimeTooShort is returned when the server's tokens live for less
// than the minimum validity asked for, so waiting would never help.
var ErrLifetimeTooShort = errors.New("the server's tokens live for less than the minimum validity asked for")

// Backoff spaces out retries after temporary failures: Min after the first,
// doubling up to Max, each delay jittered to 0.5–1.5 times so that many
// accounts (or many users behind one IP) do not retry in step.
type Backoff struct {
	Min, Max time.Duration
}

// DefaultBackoff retries after about 2 s, then 4 s, 8 s ... up to 5 minutes.
var DefaultBackoff = Backoff{Min: 2 * time.Second, Max: 5 * time.Minute}

// Delay is the pause after the given number of consecutive failures (1 or
// more); rnd is a random number in [0, 1).
func (b Backoff) Delay(failures int, rnd float64) time.Duration {
	d := b.Min
	for i := 1; i < failures && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	return min(time.Duration(float64(d)*(0.5+rnd)), b.Max)
}

// RefreshMargin is how long before expiry a token is refreshed: a quarter
// of its lifetime but at least 5 minutes, and never more than half its
// lifetime (so a short-lived token is not refreshed the moment it arrives).
func RefreshMargin(lifetime time.Duration) time.Duration {
	return min(max(5*time.Minute, lifetime/4), lifetime/2)
}
