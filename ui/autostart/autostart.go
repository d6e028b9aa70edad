// Package autostart turns "start TokenTray at login" on and off for the
// current user, the way each desktop expects it:
//
//   - Linux and the BSDs: an XDG autostart entry,
//     $XDG_CONFIG_HOME/autostart/tokentray.desktop (default ~/.config);
//   - macOS: a LaunchAgent, ~/Library/LaunchAgents/io.github.tokentray.plist;
//   - Windows: the "TokenTray" value of
//     HKCU\Software\Microsoft\Windows\CurrentVersion\Run.
//
// The entry starts the executable that calls Enable (os.Executable), by its
// absolute path, with no arguments: that is the resident agent. Nothing
// needs root.
package autostart

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Name is the name the entry carries on every system.
const Name = "TokenTray"

// ErrUnsupported is returned on systems without a known autostart
// mechanism.
var ErrUnsupported = errors.New("starting at login is not supported on this system")

// Enabled reports whether TokenTray starts at login.
func Enabled() (bool, error) { return enabled() }

// Enable makes TokenTray start at login, replacing an older entry (so the
// entry follows the executable when it moves).
func Enable() error {
	exe, err := executable()
	if err != nil {
		return err
	}
	return enable(exe)
}

// Disable stops TokenTray from starting at login. Disabling when it is not
// enabled is not an error.
func Disable() error { return disable() }

// executable is the running program's absolute path, with symbolic links
// resolved, so the entry survives the working directory and PATH.
func executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the TokenTray executable: %w", err)
	}
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		exe = p
	}
	return filepath.Abs(exe)
}
