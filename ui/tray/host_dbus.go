//go:build (linux || freebsd || openbsd || netbsd) && !android

package tray

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"
)

// watcherName is the bus name of the tray host registry (KDE, the GNOME
// AppIndicator extension, Xfce, waybar, ...).
const watcherName = "org.kde.StatusNotifierWatcher"

// HostAvailable reports whether a tray host can show the icon: on Linux,
// whether a StatusNotifierWatcher owns its name on the session bus (GNOME
// has none without the AppIndicator extension). On Windows and macOS it is
// always true. It opens and closes its own bus connection.
func HostAvailable(ctx context.Context) (bool, error) {
	conn, err := dbus.ConnectSessionBus(dbus.WithContext(ctx))
	if err != nil {
		return false, fmt.Errorf("tray: connecting to the session bus: %w", err)
	}
	defer conn.Close()
	var owned bool
	err = conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, watcherName).Store(&owned)
	if err != nil {
		return false, fmt.Errorf("tray: looking for %s: %w", watcherName, err)
	}
	return owned, nil
}
