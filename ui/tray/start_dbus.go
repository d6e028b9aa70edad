//go:build (linux || freebsd || openbsd || netbsd) && !android

package tray

import (
	"context"
	"fmt"
	"os"

	"fyne.io/systray"
	"github.com/godbus/dbus/v5"
)

// On these systems fyne.io/systray is a D-Bus service written in Go: the
// StatusNotifierItem at /StatusNotifierItem, its menu at
// /StatusNotifierItem/menu, served by godbus's own goroutines. There is no
// GUI loop to run, so RunWithExternalLoop fits: its start exports the
// objects and returns, and its end closes the connection. (systray.Run
// would only block on a channel until Quit.)
func (b systrayBackend) start(ctx context.Context, title string, icon []byte, tooltip string) (func(), error) {
	if !started.CompareAndSwap(false, true) {
		return nil, errStarted
	}
	// systray logs and carries on without a bus, then panics on exit
	// (nativeEnd closes a nil connection): check first. It uses the same
	// shared connection.
	if _, err := dbus.SessionBus(); err != nil {
		started.Store(false) // systray untouched: a later try may work
		return nil, fmt.Errorf("tray: connecting to the session bus: %w", err)
	}
	// Set before start, these go into the exported properties: Title also
	// becomes the item's Id.
	systray.SetTitle(title)
	systray.SetIcon(icon)
	systray.SetTooltip(tooltip)
	ready := make(chan struct{})
	start, end := systray.RunWithExternalLoop(func() { close(ready) }, nil)
	start()
	select {
	case <-ready:
	case <-ctx.Done():
	}
	b.log.Info("tray exported on the session bus",
		"name", fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", os.Getpid()), "path", "/StatusNotifierItem")
	return func() {
		defer func() {
			// If an export failed half-way (systray only logs it), its end
			// closes a nil connection. Leaving must not crash the agent.
			if v := recover(); v != nil {
				b.log.Warn("tray: fyne.io/systray failed while stopping", "panic", v)
			}
		}()
		end()
	}, nil
}

func platformIcon(png []byte) []byte { return png }
