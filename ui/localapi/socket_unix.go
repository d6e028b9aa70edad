//go:build unix

package localapi

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// ensurePrivateDir creates dir (and missing parents) with mode 0700, or
// checks an existing one: it must be a real directory (not a symlink, which
// could point into another user's hands), owned by the current user, and
// not a shared sticky directory such as /tmp. A group or world accessible
// directory of ours is tightened to 0700, since an older version or an odd
// umask may have created it so.
func ensurePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating socket directory: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("checking socket directory: %w", err)
	}
	return checkPrivateDir(dir, fi, os.Getuid())
}

// checkPrivateDir checks the Lstat result fi of dir against uid, and
// tightens the mode when the directory is ours.
func checkPrivateDir(dir string, fi fs.FileInfo, uid int) error {
	if !fi.IsDir() {
		return fmt.Errorf("socket directory %s is not a directory (%v); remove it", dir, fi.Mode().Type())
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("socket directory %s: cannot read its owner", dir)
	}
	if int(st.Uid) != uid {
		return fmt.Errorf("socket directory %s belongs to uid %d, not to you (uid %d): another user could intercept the agent's socket; remove the directory or set XDG_RUNTIME_DIR", dir, st.Uid, uid)
	}
	if fi.Mode()&fs.ModeSticky != 0 {
		return fmt.Errorf("socket directory %s is a shared (sticky) directory; give the socket a directory of its own", dir)
	}
	if fi.Mode().Perm() != 0o700 {
		// 0700 exactly: looser lets others in, tighter (an odd umask)
		// would keep the agent itself from creating its socket.
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("making socket directory %s private: %w", dir, err)
		}
	}
	return nil
}

// secureSocket makes the socket file readable and writable by its owner
// only. net.Listen creates it with the umask's mode; the 0700 directory
// keeps others out until this chmod.
func secureSocket(path string) error {
	if err := os.Chmod(path, 0o600); err != nil {
		return err
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if fi.Mode().Perm() != 0o600 {
		return errors.New("the socket's mode did not change")
	}
	return nil
}
