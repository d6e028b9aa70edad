// Package window is TokenTray's window: sign-in, the accounts with their
// tokens' state, and settings. It runs as the short-lived process
// `tokentray window`, which the agent starts from the tray and which exits
// when the window is closed (DESIGN.md §1). It talks to the agent only
// through the local API, so everything it shows comes from the agent's
// streamed Status, and every change it makes is an API call.
//
// UI construction takes the fyne.App as a parameter (newUI), so tests build
// the window with fyne.io/fyne/v2/test against a fake API. Background work
// (API calls, the status stream, the countdown) never touches widgets
// directly: it hands its results to the UI goroutine with fyne.Do.
package window

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/assets"
	"github.com/tokentray/tokentray/ui/autostart"
	"github.com/tokentray/tokentray/ui/localapi"
)

// API is what the window needs of the agent: the methods of
// *localapi.Client it calls. Tests pass a fake.
type API interface {
	Watch(ctx context.Context) (<-chan localapi.Status, error)
	SignIn(ctx context.Context, req localapi.SignInRequest) (localapi.Account, error)
	SignOut(ctx context.Context, profile string, forget bool) error
	Remove(ctx context.Context, profile string) error
	SetDefault(ctx context.Context, profile string) error
	Refresh(ctx context.Context, profile string) error
	UpdateSettings(ctx context.Context, profile string, req localapi.SettingsRequest) (localapi.Account, error)
	Token(ctx context.Context, req localapi.TokenRequest) (localapi.TokenResponse, error)
	// Copy asks the agent to copy: it owns the clipboard (an X11 selection
	// dies with the process that owns it) and clears it after the delay.
	Copy(ctx context.Context, profile string, header bool) error
}

var _ API = (*localapi.Client)(nil)

// Autostart turns "start at login" on and off (package ui/autostart).
type Autostart interface {
	Enabled() (bool, error)
	Enable() error
	Disable() error
}

type realAutostart struct{}

func (realAutostart) Enabled() (bool, error) { return autostart.Enabled() }
func (realAutostart) Enable() error          { return autostart.Enable() }
func (realAutostart) Disable() error         { return autostart.Disable() }

const (
	// appID is the Fyne application ID (preferences, window identity).
	appID = "io.github.tokentray"
	// retryWatch is how long the window waits before asking an absent
	// agent again.
	retryWatch = 2 * time.Second
	// callTimeout bounds one API call; a sign-in waits for ESET, which
	// retries a slow answer (202) for up to two minutes.
	callTimeout   = 30 * time.Second
	signInTimeout = 150 * time.Second
)

// minSize is the window's smallest size; it opens at startSize, which
// shows the whole sign-in form without scrolling.
var (
	minSize   = fyne.NewSize(560, 480)
	startSize = fyne.NewSize(600, 760)
)

// Run shows the window and returns when it is closed or ctx is done. c is
// normally localapi.NewClient(socketPath).
func Run(ctx context.Context, c API, version string) error {
	a := app.NewWithID(appID)
	a.SetIcon(fyne.NewStaticResource("tokentray.png", assets.AppIcon()))
	u := newUI(a, c)
	u.version = version
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	u.start(ctx)
	u.w.SetOnClosed(cancel)
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	u.w.ShowAndRun()
	return nil
}

// screen names what the window shows.
type screen int

const (
	screenConnecting screen = iota
	screenNoAgent
	screenSignIn
	screenAccounts
	screenSettings
	screenDetails
)

// ui is the window and its state. Its fields are touched only on the UI
// goroutine (inside fyne.Do, or callbacks Fyne runs).
type ui struct {
	app       fyne.App
	w         fyne.Window
	api       API
	autostart Autostart
	version   string

	// ctx ends when the window closes; API calls hang off it.
	ctx context.Context
	// async runs f in the background (go f() in production; tests run it
	// in place to stay on one goroutine).
	async func(f func())
	// now is the clock of the countdown.
	now func() time.Time

	status     localapi.Status
	haveStatus bool
	connected  bool
	screen     screen

	banner  *widget.Label
	body    *fyne.Container
	noAgent *fyne.Container

	signIn   *signInForm
	accounts *accountsView
	settings *settingsView
	details  *detailsView
}

// newUI builds the window for app a; nothing runs until start.
func newUI(a fyne.App, c API) *ui {
	u := &ui{
		app:       a,
		api:       c,
		autostart: realAutostart{},
		ctx:       context.Background(),
		async:     func(f func()) { go f() },
		now:       time.Now,
	}
	u.w = a.NewWindow("TokenTray")
	u.w.SetMaster()

	u.banner = widget.NewLabel("")
	u.banner.Importance = widget.DangerImportance
	u.banner.Wrapping = fyne.TextWrapWord
	u.banner.Hide()

	msg := widget.NewLabel("TokenTray is not running: start it with `tokentray`.")
	msg.Wrapping = fyne.TextWrapWord
	msg.Alignment = fyne.TextAlignCenter
	msg.Importance = widget.DangerImportance
	sub := widget.NewLabel("This window shows the accounts of the TokenTray agent, which keeps the tokens fresh. It connects as soon as the agent runs.")
	sub.Wrapping = fyne.TextWrapWord
	sub.Alignment = fyne.TextAlignCenter
	u.noAgent = container.NewVBox(msg, sub, widget.NewProgressBarInfinite())

	u.signIn = newSignInForm(u)
	u.accounts = newAccountsView(u)
	u.settings = newSettingsView(u)
	u.details = newDetailsView(u)

	connecting := widget.NewLabel("Connecting to TokenTray…")
	connecting.Alignment = fyne.TextAlignCenter
	u.body = container.NewStack(container.NewCenter(connecting))

	floor := canvas.NewRectangle(nil)
	floor.SetMinSize(minSize)
	u.w.SetContent(container.NewStack(floor, container.NewBorder(u.banner, nil, nil, nil, u.body)))
	u.w.Resize(startSize)
	return u
}

// start streams the agent's status into the window and ticks the
// countdown, until ctx ends.
func (u *ui) start(ctx context.Context) {
	u.ctx = ctx
	go u.watch(ctx)
	go u.tick(ctx)
}

// watch follows the agent's status stream, reconnecting while the window
// is open.
func (u *ui) watch(ctx context.Context) {
	for ctx.Err() == nil {
		ch, err := u.api.Watch(ctx)
		if err == nil {
			u.consume(ch)
		}
		if ctx.Err() != nil {
			return
		}
		fyne.Do(func() { u.lost(err) })
		select {
		case <-ctx.Done():
			return
		case <-time.After(retryWatch):
		}
	}
}

// consume applies each streamed Status until the stream ends.
func (u *ui) consume(ch <-chan localapi.Status) {
	for st := range ch {
		fyne.Do(func() { u.apply(st) })
	}
}

// tick updates the countdowns once a second.
func (u *ui) tick(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fyne.Do(u.accounts.tick)
		}
	}
}

// lost records that the agent cannot be reached (err may be nil: the
// stream ended because the agent quit).
func (u *ui) lost(err error) {
	u.connected = false
	if !u.haveStatus {
		u.show(screenNoAgent)
		return
	}
	text := "TokenTray is not running: start it with `tokentray`. Reconnecting…"
	if err != nil && !errors.Is(err, localapi.ErrNoAgent) {
		text = "Lost the connection to TokenTray (" + err.Error() + "). Reconnecting…"
	}
	u.banner.SetText(text)
	u.banner.Show()
}

// apply shows a new Status from the agent.
func (u *ui) apply(st localapi.Status) {
	first := !u.haveStatus
	u.status, u.haveStatus, u.connected = st, true, true
	u.banner.Hide()
	u.accounts.update(st)
	u.settings.update(st)
	switch {
	case first || u.screen == screenNoAgent || u.screen == screenConnecting:
		if len(st.Accounts) == 0 {
			u.openSignIn(nil)
		} else {
			u.show(screenAccounts)
		}
	case u.screen == screenAccounts && len(st.Accounts) == 0:
		u.openSignIn(nil)
	case (u.screen == screenSettings || u.screen == screenDetails) && !u.hasAccount(u.openAccount()):
		u.show(screenAccounts)
	}
}

func (u *ui) hasAccount(name string) bool {
	_, ok := u.status.Find(name)
	return ok
}

// openAccount is the account the settings or details screen shows.
func (u *ui) openAccount() string {
	if u.screen == screenDetails {
		return u.details.name
	}
	return u.settings.name
}

// show switches the screen.
func (u *ui) show(s screen) {
	u.screen = s
	var obj fyne.CanvasObject
	switch s {
	case screenNoAgent:
		obj = container.NewPadded(container.NewCenter(u.noAgent))
	case screenSignIn:
		obj = u.signIn.content
	case screenAccounts:
		u.accounts.loadStartup()
		obj = u.accounts.content
	case screenSettings:
		obj = u.settings.content
	case screenDetails:
		obj = u.details.content
	default:
		return
	}
	u.body.Objects = []fyne.CanvasObject{obj}
	u.body.Refresh()
	if s == screenSignIn {
		u.signIn.focus()
	}
}

// openSignIn shows the sign-in form, for a new account (acct nil) or to
// sign an existing one in again (Edit).
func (u *ui) openSignIn(acct *localapi.Account) {
	u.signIn.reset(acct, len(u.status.Accounts) > 0)
	u.show(screenSignIn)
}

// call runs an API call in the background with a timeout and hands its
// error to done on the UI goroutine.
func (u *ui) call(timeout time.Duration, f func(ctx context.Context) error, done func(error)) {
	parent := u.ctx
	u.async(func() {
		ctx, cancel := context.WithTimeout(parent, timeout)
		defer cancel()
		err := f(ctx)
		fyne.Do(func() { done(err) })
	})
}
