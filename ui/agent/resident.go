package agent

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"golang.org/x/time/rate"

	"github.com/tokentray/tokentray/assets"
	"github.com/tokentray/tokentray/auth"
	"github.com/tokentray/tokentray/auth/keeper"
	"github.com/tokentray/tokentray/auth/store"
	"github.com/tokentray/tokentray/ui/localapi"
	"github.com/tokentray/tokentray/ui/tray"
)

// ResidentOptions configure RunResident.
type ResidentOptions struct {
	Version string
	Logger  *slog.Logger
	// Socket is the local API's socket path.
	Socket string
	// Store is where accounts live.
	Store *store.Store
}

// RunResident runs TokenTray's resident agent until it is told to quit or
// ctx is done: the local API on the per-user socket, the tray, the
// clipboard and notifications, and one keeper per account.
//
// If an agent already runs for this user, RunResident asks it to open its
// window and returns nil at once: double-clicking the launcher twice gives
// one agent.
func RunResident(ctx context.Context, o ResidentOptions) error {
	log := o.Logger
	ln, err := localapi.Listen(o.Socket)
	if errors.Is(err, localapi.ErrAgentRunning) {
		log.Info("TokenTray is already running; asking it to open its window")
		return localapi.NewClient(o.Socket).OpenWindow(ctx)
	}
	if err != nil {
		return err
	}
	defer ln.Close()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	win := &windows{}
	defer win.closeAll()
	clip := &SystemClipboard{}
	a := New(Options{
		Store:     o.Store,
		NewClient: func(base string) keeper.Granter { return &auth.Client{BaseURL: base} },
		Clipboard: clip,
		Notifier:  BeeepNotifier{Icon: assets.AppIcon()},
		// ESET allows 10 calls a second per credentials and IP: stay at 5.
		Pacer:      rate.NewLimiter(5, 1),
		OpenWindow: win.open,
		Logger:     log,
		Version:    o.Version,
	})
	if err := clip.Init(); err != nil {
		log.Warn("copying is unavailable", "reason", err)
		a.SetClipboardProblem(err.Error())
	}

	srv := localapi.NewServer(a, log)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ctx, ln) }()

	host, err := tray.HostAvailable(ctx)
	if err != nil {
		log.Warn("cannot look for a tray host", "err", err)
	}
	a.SetTrayHost(host)
	if !host {
		log.Warn("no tray host (StatusNotifierWatcher) on this desktop: the tray icon is hidden; on GNOME enable the AppIndicator extension. The command line and window keep working.")
	}
	states, stopWatch := a.Watch()
	defer stopWatch()
	actions := make(chan tray.Event)
	t := tray.New("TokenTray", log)
	go func() {
		if err := t.Run(ctx, states, actions); err != nil && ctx.Err() == nil {
			log.Warn("the tray stopped", "err", err)
		}
	}()
	go handleTray(ctx, a, actions, log)

	if cfg, err := o.Store.Load(); err == nil && (len(cfg.Profiles) == 0 || !host) {
		// First run, or nothing to click on: show the window.
		if err := win.open(); err != nil {
			log.Warn("cannot open the window", "err", err)
		}
	}
	runErr := a.Run(ctx)
	cancel()
	if err := <-serveErr; err != nil && !errors.Is(err, context.Canceled) {
		log.Warn("local API stopped", "err", err)
	}
	if errors.Is(runErr, context.Canceled) {
		return nil
	}
	return runErr
}

// handleTray carries out tray clicks. Failures are notified, since a tray
// click has nowhere else to show them.
func handleTray(ctx context.Context, a *Agent, actions <-chan tray.Event, log *slog.Logger) {
	for {
		var ev tray.Event
		select {
		case <-ctx.Done():
			return
		case ev = <-actions:
		}
		var err error
		opCtx, cancel := context.WithTimeout(ctx, time.Minute)
		switch ev.Action {
		case tray.ActionCopyToken, tray.ActionCopyHeader:
			err = a.Copy(opCtx, ev.Profile, ev.Action == tray.ActionCopyHeader)
		case tray.ActionRefresh:
			err = a.Refresh(opCtx, ev.Profile)
		case tray.ActionSignOut:
			err = a.SignOut(opCtx, ev.Profile, localapi.SignOutRequest{})
		case tray.ActionSignIn, tray.ActionOpen:
			err = a.OpenWindow(opCtx)
		case tray.ActionQuit:
			err = a.Quit(opCtx)
		}
		cancel()
		if err != nil {
			log.Warn("tray action failed", "action", ev.Action, "account", ev.Profile, "err", err)
			a.mu.Lock()
			a.queue("TokenTray could not do that", joinSentences(err.Error(), auth.Hint(err)))
			a.mu.Unlock()
		}
	}
}
