package localapi

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// peerListener accepts only connections whose peer runs as the same user as
// the agent. The socket's 0700 directory and 0600 mode already keep other
// users out; this also catches a socket whose permissions were loosened
// by hand or by a bind-mounted runtime directory.
type peerListener struct {
	net.Listener
	uid    int
	logger atomic.Pointer[slog.Logger]
}

func wrapListener(ln net.Listener) net.Listener {
	return &peerListener{Listener: ln, uid: os.Getuid()}
}

// setLogger lets Server.Serve give the listener its logger for refusals.
func (l *peerListener) setLogger(logger *slog.Logger) { l.logger.Store(logger) }

// Accept returns the next connection from the same user; connections of
// other users are closed at once, and Accept goes on waiting.
func (l *peerListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if err := checkPeer(c, l.uid); err != nil {
			c.Close()
			if lg := l.logger.Load(); lg != nil {
				lg.Warn("refused a local API connection", "reason", err.Error())
			}
			continue
		}
		return c, nil
	}
}

// checkPeer fails unless the process at the other end of c runs as uid, or
// if its credentials cannot be read (failing closed).
func checkPeer(c net.Conn, uid int) error {
	sc, ok := c.(interface {
		SyscallConn() (syscall.RawConn, error)
	})
	if !ok {
		return fmt.Errorf("cannot read the peer credentials of a %T", c)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return fmt.Errorf("reading peer credentials: %w", err)
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return fmt.Errorf("reading peer credentials: %w", err)
	}
	if credErr != nil {
		return fmt.Errorf("reading peer credentials: %w", credErr)
	}
	if int(cred.Uid) != uid {
		return fmt.Errorf("peer process %d runs as uid %d, not as the agent's uid %d", cred.Pid, cred.Uid, uid)
	}
	return nil
}
