package tray

import (
	"context"
	"errors"
)

// On macOS fyne.io/systray needs the process's main thread for the Cocoa
// run loop, which the agent's goroutine structure does not hand out.
func (systrayBackend) start(context.Context, string, []byte, string) (func(), error) {
	return nil, errors.New("tray: not supported on macOS yet (fyne.io/systray needs the main thread there)")
}

func platformIcon(png []byte) []byte { return png }
