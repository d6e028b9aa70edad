//go:build fynebaseline

// Command fynebaseline is the framework baseline for TokenTray's resident
// agent: a minimal Fyne app holding a system tray menu of the same shape as
// TokenTray's, with its window hidden. It is what a naive all-Fyne TokenTray
// would keep running all day, and .ci/bench-agent measures it side by side
// with the real agent (time to tray registration, idle CPU, RSS); see
// DESIGN.md §1 and BENCHMARKS.md.
//
// It does nothing useful: the menu items only log what was clicked, and
// "Open TokenTray…" shows the (empty) window. Because Fyne needs cgo and
// takes minutes to compile cold, the command sits behind a build tag so that
// normal builds, vet and CI never compile it:
//
//	go build -tags fynebaseline -o fynebaseline ./ui/internal/fynebaseline
//
// On Linux its tray item is org.kde.StatusNotifierItem-<pid>-1 on the session
// bus, exactly like the agent's (both use fyne.io/systray underneath).
package main

import (
	"fmt"
	"log"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/assets"
)

func main() {
	a := app.NewWithID("io.github.tokentray.fynebaseline")
	desk, ok := a.(desktop.App)
	if !ok {
		fmt.Fprintln(os.Stderr, "fynebaseline: this Fyne driver has no system tray")
		os.Exit(1)
	}

	w := a.NewWindow("TokenTray")
	w.SetContent(widget.NewLabel("TokenTray (Fyne baseline)"))
	w.Resize(fyne.NewSize(420, 300))
	// Closing the window only hides it; the app lives on in the tray.
	w.SetCloseIntercept(w.Hide)

	click := func(what string) func() {
		return func() { log.Printf("fynebaseline: %s clicked", what) }
	}
	status := fyne.NewMenuItem("alice@example.com: valid until 15:04", nil)
	status.Disabled = true
	quit := fyne.NewMenuItem("Quit", a.Quit)
	quit.IsQuit = true
	menu := fyne.NewMenu("TokenTray",
		status,
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Copy token", click("copy token")),
		fyne.NewMenuItem(`Copy "Authorization: Bearer …"`, click("copy header")),
		fyne.NewMenuItem("Refresh now", click("refresh now")),
		fyne.NewMenuItem("Sign out", click("sign out")),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Open TokenTray…", w.Show),
		quit,
	)
	desk.SetSystemTrayIcon(fyne.NewStaticResource("tray.png", assets.TrayIcon(assets.IconFresh)))
	desk.SetSystemTrayMenu(menu)

	// Run without showing the window: the resident state of a tray app.
	a.Run()
}
