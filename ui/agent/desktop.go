package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/gen2brain/beeep"
	"golang.design/x/clipboard"
)

// Clipboard is the system clipboard as the agent uses it.
type Clipboard interface {
	// Write puts text on the clipboard, marked for clipboard managers as a
	// secret where the platform allows. The returned channel fires when
	// something else later takes the clipboard over.
	Write(ctx context.Context, text string) (replaced <-chan struct{}, err error)
	// Clear empties the clipboard.
	Clear(ctx context.Context) error
}

// Notifier shows desktop notifications. Texts never contain secrets.
type Notifier interface {
	Notify(title, message string) error
}

// passwordHint is the MIME type KDE's Klipper, and clipboard managers that
// follow it, read as "do not keep this in history".
const passwordHint = "x-kde-passwordManagerHint"

// SystemClipboard is the real clipboard (golang.design/x/clipboard). On X11
// the agent process owns the selection and serves it while it runs.
type SystemClipboard struct {
	once sync.Once
	err  error
	hint clipboard.Format
}

// Init connects to the clipboard; it returns why copying cannot work
// (no display, no Wayland data-control) when it cannot.
func (c *SystemClipboard) Init() error {
	c.once.Do(func() {
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			c.err = errors.New("no display (DISPLAY and WAYLAND_DISPLAY are unset): copying is unavailable, use `tokentray token`")
			return
		}
		if err := clipboard.Init(); err != nil {
			c.err = fmt.Errorf("the clipboard is unavailable (%v): use `tokentray token`", err)
			return
		}
		c.hint = clipboard.Register(passwordHint)
	})
	return c.err
}

// Write implements Clipboard.
func (c *SystemClipboard) Write(ctx context.Context, text string) (<-chan struct{}, error) {
	if err := c.Init(); err != nil {
		return nil, err
	}
	return clipboard.WriteAll(ctx,
		clipboard.Item{Format: clipboard.FmtText, Bytes: []byte(text)},
		clipboard.Item{Format: c.hint, Bytes: []byte("secret")},
	)
}

// Clear implements Clipboard.
func (c *SystemClipboard) Clear(ctx context.Context) error {
	if err := c.Init(); err != nil {
		return err
	}
	_, err := clipboard.Write(ctx, clipboard.FmtText, []byte{})
	return err
}

// BeeepNotifier sends notifications with github.com/gen2brain/beeep (the
// freedesktop Notifications service on Linux).
type BeeepNotifier struct {
	// Icon is a PNG shown with the notification.
	Icon []byte
}

// Notify implements Notifier.
func (n BeeepNotifier) Notify(title, message string) error {
	beeep.AppName = "TokenTray"
	var icon any = ""
	if len(n.Icon) > 0 {
		icon = n.Icon
	}
	return beeep.Notify(title, message, icon)
}
