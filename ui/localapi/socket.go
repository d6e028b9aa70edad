package localapi

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

const (
	// socketDirName is the per-user directory under $XDG_RUNTIME_DIR.
	socketDirName = "tokentray"
	// socketName is the socket's file name inside that directory.
	socketName = "agent.sock"

	// listenLockTimeout bounds the wait for another process that is in the
	// middle of Listen (which holds the lock for about pingTimeout at most).
	listenLockTimeout = 10 * time.Second
)

// pingTimeout bounds how long Listen waits for an existing socket's agent to
// answer. A healthy agent answers a status request within milliseconds; a
// starting instance should not wait long on a hung one. (A variable so tests
// can shorten it.)
var pingTimeout = 3 * time.Second

// SocketPath returns where the agent's socket lives for the current user:
// $XDG_RUNTIME_DIR/tokentray/agent.sock, or, when XDG_RUNTIME_DIR is unset
// (or not absolute, which the XDG spec says to ignore), a per-user directory
// in the temporary directory: os.TempDir()/tokentray-<uid>/agent.sock (on
// Windows, where the temporary directory is already per user,
// os.TempDir()/tokentray/agent.sock). Listen creates and checks the
// directory; SocketPath only computes the name.
//
// It fails when the path is too long for a unix socket address (about 100
// bytes), which a deep temporary directory can cause, because binding would
// otherwise fail with a cryptic "invalid argument".
func SocketPath() (string, error) {
	var dir string
	if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" && filepath.IsAbs(rt) {
		dir = filepath.Join(rt, socketDirName)
	} else if uid := os.Getuid(); uid >= 0 {
		dir = filepath.Join(os.TempDir(), socketDirName+"-"+strconv.Itoa(uid))
	} else {
		dir = filepath.Join(os.TempDir(), socketDirName)
	}
	path := filepath.Join(dir, socketName)
	if err := checkPathLength(path); err != nil {
		return "", err
	}
	return path, nil
}

// maxSocketPath is the longest socket path the platform accepts: sun_path
// holds 108 bytes on Linux and 104 on the BSDs and macOS, including the
// terminating NUL.
func maxSocketPath() int {
	if runtime.GOOS == "linux" {
		return 107
	}
	return 103
}

func checkPathLength(path string) error {
	if n := len(path); n > maxSocketPath() {
		return fmt.Errorf("socket path %s is %d bytes long, more than the %d a unix socket allows; set XDG_RUNTIME_DIR or TMPDIR to a shorter directory", path, n, maxSocketPath())
	}
	return nil
}

// listenMu keeps goroutines of one process from interleaving their
// check-remove-bind sequences; the file lock does the same across
// processes (file locks do not reliably exclude threads of one process).
var listenMu sync.Mutex

// Listen opens the agent's socket at path, for Server.Serve.
//
// The socket's directory is created with mode 0700; an existing one must
// belong to the current user and is tightened to 0700 if it is group or
// world accessible (one owned by someone else, or a shared sticky directory
// such as /tmp, is refused: another user could then swap the socket). The
// socket file itself is made 0600 right after it is bound; until then the
// private directory keeps others out, whatever the umask.
//
// If a socket file is already there, Listen asks it for the status: when an
// agent answers, it returns ErrAgentRunning (the caller is a second instance
// and should hand over); when nothing listens, the socket is stale (a
// crashed agent) and is replaced. Something that accepts the connection but
// does not answer as an agent is left alone and reported, since removing
// the socket of a live (if hung) agent would let two agents spend the same
// refresh tokens. A lock file next to the socket keeps two agents starting
// at once from both replacing the same stale socket.
//
// On Linux, the returned listener also checks every connection's peer
// credentials (SO_PEERCRED) and drops connections from other users at
// once; elsewhere the directory's mode is the protection.
func Listen(path string) (net.Listener, error) {
	if err := checkPathLength(path); err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	if err := ensurePrivateDir(dir); err != nil {
		return nil, err
	}

	listenMu.Lock()
	defer listenMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), listenLockTimeout)
	defer cancel()
	lock := flock.New(path+".lock", flock.SetPermissions(0o600))
	ok, err := lock.TryLockContext(ctx, 20*time.Millisecond)
	if err != nil || !ok {
		if err == nil {
			err = errors.New("the lock was not granted")
		}
		return nil, fmt.Errorf("waiting for another TokenTray agent that is starting (lock %s): %w", lock.Path(), err)
	}
	// Unlock closes the file too; the lock dies with the descriptor
	// anyway, so an error leaves nothing to do.
	defer func() { _ = lock.Unlock() }()

	if err := clearStaleSocket(path); err != nil {
		return nil, err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", path, err)
	}
	if err := secureSocket(path); err != nil {
		ln.Close()
		return nil, fmt.Errorf("securing socket %s: %w", path, err)
	}
	return wrapListener(ln), nil
}

// clearStaleSocket removes the socket at path if no agent answers on it,
// and returns ErrAgentRunning if one does.
func clearStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checking for a running agent: %w", err)
	}
	// Only plain files and directories are refused: how a unix socket's
	// file looks differs between systems (a reparse point on Windows).
	if fi.Mode().IsRegular() || fi.IsDir() {
		return fmt.Errorf("%s exists and is not a socket; remove it if it is not needed", path)
	}
	ctx, cancel := context.WithTimeout(context.Background(), pingTimeout)
	defer cancel()
	err = NewClient(path).Ping(ctx)
	switch {
	case err == nil:
		return ErrAgentRunning
	case errors.Is(err, ErrNoAgent):
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing stale socket: %w", err)
		}
		return nil
	default:
		return fmt.Errorf("a process accepts connections on %s but does not answer as a TokenTray agent (%v); if it is a hung agent, stop it", path, err)
	}
}
