// Package assets holds TokenTray's icons: one tray icon per state and the
// application icon, as PNG files embedded in the binary.
//
// The icons are placeholders drawn in Go (internal/icondraw) until designed
// artwork arrives; `go generate` in this directory writes them to icons/,
// and the tests render them again and compare, so the committed files
// always match the drawing code. `go generate` also redraws
// ../docs/icons-panel.png (the tray icons at real size on light and dark
// panels). app.svg is the app icon as SVG, drawn on the same grid (for the
// scalable hicolor icon; see packaging/README.md). To look at them:
//
//	go run ./internal/gen -dir /tmp/icons -preview /tmp/tray-preview.png
package assets

import (
	"embed"
	"fmt"
)

//go:generate go run ./internal/gen -dir icons -panel ../docs/icons-panel.png

// IconState is what the tray icon shows.
type IconState int

// Tray icon states.
const (
	// IconSignedOut: no account is signed in (or there is none). A pale
	// badge with a grey rim and key.
	IconSignedOut IconState = iota
	// IconFresh: the token is valid and kept fresh. A green badge with a key.
	IconFresh
	// IconBusy: a refresh or sign-in is under way, or the token is about
	// to expire. An amber badge with a clock.
	IconBusy
	// IconAttention: someone has to act (sign-in needed, or failing). A red
	// badge with an exclamation mark.
	IconAttention
)

var stateNames = [...]string{"signed-out", "fresh", "busy", "attention"}

// String is the state's name, as used in the icon file names
// ("signed-out", "fresh", "busy", "attention").
func (s IconState) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return fmt.Sprintf("IconState(%d)", int(s))
	}
	return stateNames[s]
}

//go:embed icons/*.png
var icons embed.FS

func mustRead(name string) []byte {
	b, err := icons.ReadFile("icons/" + name)
	if err != nil {
		panic("assets: " + err.Error()) // the files are embedded: cannot happen
	}
	return b
}

// TrayIcon returns state s's tray icon: a 44×44 PNG (hosts scale it down
// to their panel; 44 px stays sharp on HiDPI panels). An unknown state
// gets the signed-out icon. Each call returns a new slice.
func TrayIcon(s IconState) []byte { return trayIcon(s, 44) }

// TrayIconSmall returns state s's tray icon as a 22×22 PNG, drawn on the
// pixel grid for panels that show it unscaled. Each call returns a new
// slice.
func TrayIconSmall(s IconState) []byte { return trayIcon(s, 22) }

func trayIcon(s IconState, px int) []byte {
	if s < 0 || int(s) >= len(stateNames) {
		s = IconSignedOut
	}
	return mustRead(fmt.Sprintf("tray-%s-%d.png", s, px))
}

// AppIcon returns the application icon, a 256×256 PNG. Each call
// returns a new slice.
func AppIcon() []byte { return mustRead("app-256.png") }
