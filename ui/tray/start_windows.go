package tray

import (
	"context"
	"runtime"

	"fyne.io/systray"
)

// On Windows the tray is a hidden window whose messages must be pumped on
// the thread that created it, so systray.Run (which does both) runs on a
// goroutine locked to its own thread. Untested: TokenTray is developed and
// tested on Linux.
func (b systrayBackend) start(ctx context.Context, title string, icon []byte, tooltip string) (func(), error) {
	if !started.CompareAndSwap(false, true) {
		return nil, errStarted
	}
	ready := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		systray.Run(func() { close(ready) }, nil)
	}()
	select {
	case <-ready:
	case <-ctx.Done():
		systray.Quit()
		return nil, ctx.Err()
	}
	// The icon needs the window: set it once it exists.
	systray.SetTitle(title)
	systray.SetIcon(platformIcon(icon))
	systray.SetTooltip(tooltip)
	return systray.Quit, nil
}

// platformIcon wraps the PNG in an ICO container: systray loads Windows
// icons with LoadImage(IMAGE_ICON), which reads .ico files only.
func platformIcon(png []byte) []byte { return icoFromPNG(png) }
