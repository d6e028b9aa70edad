package keeper

import "context"

// Credentials is what a Keeper needs from storage for its one account: the
// password and the current refresh token (kept in the OS keyring by
// auth/store), and a lock that serialises refresh and sign-in across
// processes, so that the agent and a `tokentray token` run never spend one
// refresh token twice.
//
// Implementations must be safe for concurrent use. Getters return "" and a
// nil error when nothing is stored.
type Credentials interface {
	// Password returns the stored password, or "" when none is stored.
	Password(ctx context.Context) (string, error)
	// SetPassword stores the password; "" deletes it.
	SetPassword(ctx context.Context, password string) error
	// RefreshToken returns the stored refresh token, or "" when none is stored.
	RefreshToken(ctx context.Context) (string, error)
	// SetRefreshToken stores the refresh token; "" deletes it.
	SetRefreshToken(ctx context.Context, token string) error
	// Lock takes the account's cross-process lock, waiting until ctx is done.
	// The returned function releases it.
	Lock(ctx context.Context) (unlock func(), err error)
}
