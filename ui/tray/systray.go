package tray

import (
	"errors"
	"log/slog"
	"sync/atomic"

	"fyne.io/systray"
)

// systrayBackend shows the tray with fyne.io/systray. Its start is per
// platform (start_*.go).
type systrayBackend struct {
	log *slog.Logger
}

// started makes Run once-only: fyne.io/systray's state is global and its
// exit cannot be undone (it closes its quit channel and its bus connection).
var started atomic.Bool

var errStarted = errors.New("tray: already run in this process (fyne.io/systray allows one tray per process, once)")

func (systrayBackend) setIcon(png []byte)  { systray.SetIcon(platformIcon(png)) }
func (systrayBackend) setTooltip(s string) { systray.SetTooltip(s) }
func (systrayBackend) resetMenu()          { systray.ResetMenu() }

func (systrayBackend) addItem(parent menuItem, it Item) menuItem {
	var mi *systray.MenuItem
	if p, ok := parent.(sysItem); ok {
		mi = p.mi.AddSubMenuItem(it.Label, it.Tooltip)
	} else {
		mi = systray.AddMenuItem(it.Label, it.Tooltip)
	}
	if it.Disabled {
		mi.Disable()
	}
	return sysItem{mi}
}

func (systrayBackend) addSeparator(parent menuItem) {
	if p, ok := parent.(sysItem); ok {
		p.mi.AddSeparator()
	} else {
		systray.AddSeparator()
	}
}

// sysItem is a fyne.io/systray menu item.
type sysItem struct{ mi *systray.MenuItem }

func (s sysItem) setLabel(l string)   { s.mi.SetTitle(l) }
func (s sysItem) setTooltip(t string) { s.mi.SetTooltip(t) }

func (s sysItem) setEnabled(on bool) {
	if on {
		s.mi.Enable()
	} else {
		s.mi.Disable()
	}
}

// clicked is the item's ClickedCh, which systray closes when the item is
// removed. systray sends without blocking: a click while nobody listens is
// dropped.
func (s sysItem) clicked() <-chan struct{} { return s.mi.ClickedCh }
