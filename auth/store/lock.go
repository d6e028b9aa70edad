package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// lockRetryDelay is how often a waiting process polls a file lock that
// another process holds. File locks have no wake-up notification; 20ms
// keeps a hand-over quick without spinning.
const lockRetryDelay = 20 * time.Millisecond

// Lock takes the cross-process lock of the account named profile, a file
// lock on <dir>/locks/<profile>.lock, waiting until ctx is done. The agent
// and a `tokentray token` run take it around every refresh and sign-in, so
// two processes never spend one refresh token. The returned function
// releases the lock; calling it more than once is harmless.
//
// The lock is not reentrant: taking it twice without releasing it waits
// until ctx is done.
func (s *Store) Lock(ctx context.Context, profile string) (unlock func(), err error) {
	if err := ValidateName(profile); err != nil {
		return nil, fmt.Errorf("locking an account: %w", err)
	}
	dir := filepath.Join(s.dir, locksDirName)
	if err := ensurePrivateDir(dir); err != nil {
		return nil, fmt.Errorf("locking account %q: %w", profile, err)
	}
	unlock, err = lockFile(ctx, filepath.Join(dir, profile+".lock"))
	if err != nil {
		return nil, fmt.Errorf("waiting for account %q's lock (another TokenTray process is refreshing or signing in): %w", profile, err)
	}
	return unlock, nil
}

// inProcess holds a one-slot channel per lock file path. File locks alone
// do not always exclude goroutines of one process (fcntl-based locks, used
// on some systems, belong to the process), and waiting on a channel wakes
// a goroutine at once instead of after a poll.
var inProcess sync.Map // path -> chan struct{}

// lockFile takes the in-process lock, then the file lock, on path, waiting
// until ctx is done. Lock files are created with mode 0600 and never
// removed: removing one while another process waits on it would let two
// processes hold "the" lock at once.
func lockFile(ctx context.Context, path string) (func(), error) {
	v, _ := inProcess.LoadOrStore(path, make(chan struct{}, 1))
	slot := v.(chan struct{})
	select {
	case slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	fl := flock.New(path, flock.SetPermissions(0o600))
	ok, err := fl.TryLockContext(ctx, lockRetryDelay)
	if err != nil || !ok {
		<-slot
		if err == nil {
			err = errors.New("the lock was not granted")
		}
		return nil, err
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			// Unlock closes the file too; an error leaves nothing to do,
			// as the lock dies with the descriptor.
			_ = fl.Unlock()
			<-slot
		})
	}, nil
}
