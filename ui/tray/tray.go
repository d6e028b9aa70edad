// Package tray is TokenTray's tray icon and menu. It renders the agent's
// [localapi.Status] (the same one the window and the command line see) and
// turns clicks into [Event]s for the agent to act on.
//
// The menu is a pure function of the state ([Menu], [Icon], [Tooltip]),
// table-tested without a tray host. [Tray] shows it with fyne.io/systray,
// which on Linux exports an org.kde.StatusNotifierItem and a
// com.canonical.dbusmenu menu on the session bus in pure Go: no GUI loop
// and no cgo, so the resident agent stays idle between changes. The tray
// redraws on each state change and, for countdowns, once at the instant a
// label changes ([NextChange]), never on a ticker.
//
// fyne.io/systray keeps global state: one tray per process, and [Tray.Run]
// can run once.
package tray

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/tokentray/tokentray/assets"
	"github.com/tokentray/tokentray/ui/localapi"
)

// Event is a click on a menu item: what to do, for which account.
type Event struct {
	Action  Action
	Profile string // "" for app-wide actions (open, quit, adding an account)
}

// Tray shows the tray icon and menu. Create it with [New].
type Tray struct {
	title string
	log   *slog.Logger
	now   func() time.Time
	b     backend
}

// New returns a tray whose item is called title (its Title and Id on the
// bus). A nil logger logs nowhere.
func New(title string, logger *slog.Logger) *Tray {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Tray{title: title, log: logger, now: time.Now, b: systrayBackend{log: logger}}
}

// Run shows the tray and blocks until ctx is done, then removes it and
// returns nil; it returns an error at once if the tray cannot be shown (no
// session bus, or Run was called before in this process). Choosing "Quit"
// sends an [Event] like any other item: the caller quits by cancelling ctx.
//
// Each value received on states (the sender coalesces bursts) rebuilds the
// menu from [Menu] and sets the icon and tooltip; until the first one, the
// menu says "Starting…". If states is closed, the last state stays shown.
// Clicks on enabled items are sent to actions; a send blocks until it is
// received or ctx is done. When Run returns, nothing sends on actions any
// more.
//
// On Linux the tray stays exported on the bus even when no tray host
// (StatusNotifierWatcher) runs, so a host that starts later shows it; see
// [HostAvailable]. Stopping closes the process's shared session-bus
// connection (dbus.SessionBus), as fyne.io/systray does on exit; godbus
// opens a new one on the next dbus.SessionBus call.
func (t *Tray) Run(ctx context.Context, states <-chan localapi.Status, actions chan<- Event) error {
	stop, err := t.b.start(ctx, t.title, assets.TrayIcon(assets.IconSignedOut), appName)
	if err != nil {
		return err
	}
	defer stop()
	t.loop(ctx, states, actions)
	return nil
}

// loop applies states until ctx is done. A single timer, set to
// NextChange, redraws countdowns. Go timers do not advance while the
// machine sleeps (golang/go#24595): after a wake the agent sends a new
// state, and countdowns are never more than a minute from their next
// change anyway.
func (t *Tray) loop(ctx context.Context, states <-chan localapi.Status, actions chan<- Event) {
	r := newRenderer(ctx, t.b, actions, t.log)
	defer r.close()
	r.show(placeholder(), assets.IconSignedOut, appName)

	var st localapi.Status
	timer := time.NewTimer(0)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case s, ok := <-states:
			if !ok {
				states = nil // keep showing the last state
				continue
			}
			st = s
		case <-timer.C:
		}
		now := t.now()
		r.show(Menu(st, now), Icon(st, now), Tooltip(st, now))
		timer.Stop()
		if next := NextChange(st, now); !next.IsZero() {
			timer.Reset(next.Sub(now))
		}
	}
}

// backend is what the renderer needs from a tray library; systrayBackend
// is the real one, tests use a fake.
type backend interface {
	// start shows the tray; stop removes it.
	start(ctx context.Context, title string, icon []byte, tooltip string) (stop func(), err error)
	setIcon(png []byte)
	setTooltip(s string)
	// resetMenu removes every item; their click channels are closed.
	resetMenu()
	// addItem appends an item to parent's submenu (the top level when
	// parent is nil).
	addItem(parent menuItem, it Item) menuItem
	addSeparator(parent menuItem)
}

// menuItem is one shown item.
type menuItem interface {
	setLabel(string)
	setTooltip(string)
	setEnabled(bool)
	// clicked delivers clicks; it is closed when the item is removed.
	clicked() <-chan struct{}
}

// node is a shown item: what it shows and its handle.
type node struct {
	mi       menuItem // nil for separators
	it       Item     // Children unused; Disabled guarded by renderer.mu
	children []*node
}

// renderer keeps the shown menu in step with the wanted one. When only
// labels, tooltips or enabled states change (countdowns, most state
// changes), it updates the items in place: their ids stay, so a menu open
// on screen keeps working, and no item is removed while a host may click
// it (fyne.io/systray can panic when a click races an item's removal: it
// sends on the item's channel after releasing its lock, and removal closes
// it). When the structure changes, it rebuilds the menu.
type renderer struct {
	ctx     context.Context // Run's: ends pending sends
	b       backend
	actions chan<- Event
	log     *slog.Logger

	mu    sync.Mutex // guards node.it of shown nodes
	shown []Item     // as shown, with children
	nodes []*node

	cancel context.CancelFunc // ends the current build's click goroutines
	wg     sync.WaitGroup     // click goroutines of every build

	icon    assets.IconState
	tooltip string
	drawn   bool // icon and tooltip have been set
}

func newRenderer(ctx context.Context, b backend, actions chan<- Event, log *slog.Logger) *renderer {
	return &renderer{ctx: ctx, b: b, actions: actions, log: log, cancel: func() {}}
}

// show makes the tray show items, icon and tooltip, changing only what
// differs from what is shown.
func (r *renderer) show(items []Item, icon assets.IconState, tooltip string) {
	if !r.drawn || icon != r.icon {
		r.b.setIcon(assets.TrayIcon(icon))
	}
	if !r.drawn || tooltip != r.tooltip {
		r.b.setTooltip(tooltip)
	}
	r.icon, r.tooltip, r.drawn = icon, tooltip, true

	if r.shown != nil && sameShape(r.shown, items) {
		r.update(r.nodes, items)
	} else {
		r.rebuild(items)
	}
	r.shown = items
}

// sameShape reports whether b can be shown by updating a's items in place:
// the same separators, submenus and, per item, the same action and
// account, so a click never changes meaning under the pointer.
func sameShape(a, b []Item) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Separator != y.Separator || x.Action != y.Action || x.Profile != y.Profile || !sameShape(x.Children, y.Children) {
			return false
		}
	}
	return true
}

func (r *renderer) update(nodes []*node, items []Item) {
	for i, n := range nodes {
		it := items[i]
		if n.mi == nil {
			continue
		}
		if it.Label != n.it.Label {
			n.mi.setLabel(it.Label)
		}
		if it.Tooltip != n.it.Tooltip {
			n.mi.setTooltip(it.Tooltip)
		}
		if it.Disabled != n.it.Disabled {
			n.mi.setEnabled(!it.Disabled)
		}
		r.mu.Lock()
		n.it = leaf(it)
		r.mu.Unlock()
		r.update(n.children, it.Children)
	}
}

func (r *renderer) rebuild(items []Item) {
	r.cancel()
	ctx, cancel := context.WithCancel(r.ctx)
	r.cancel = cancel
	r.b.resetMenu()
	r.nodes = r.add(ctx, nil, items)
	r.log.Debug("tray menu rebuilt", "items", len(items))
}

func (r *renderer) add(ctx context.Context, parent menuItem, items []Item) []*node {
	nodes := make([]*node, len(items))
	for i, it := range items {
		n := &node{it: leaf(it)}
		nodes[i] = n
		if it.Separator {
			r.b.addSeparator(parent)
			continue
		}
		n.mi = r.b.addItem(parent, it)
		if len(it.Children) > 0 {
			n.children = r.add(ctx, n.mi, it.Children)
			continue
		}
		if it.Action != ActionNone {
			r.wg.Add(1)
			go r.listen(ctx, n)
		}
	}
	return nodes
}

// listen turns n's clicks into events until its build is replaced.
func (r *renderer) listen(ctx context.Context, n *node) {
	defer r.wg.Done()
	ch := n.mi.clicked()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-ch:
			if !ok {
				return
			}
			r.mu.Lock()
			it := n.it
			r.mu.Unlock()
			if it.Disabled {
				// Hosts do not offer disabled items, but the protocol lets
				// any client send a click.
				r.log.Debug("tray: click on a disabled item ignored", "label", it.Label)
				continue
			}
			// A click made just before a rebuild is still delivered.
			select {
			case r.actions <- Event{Action: it.Action, Profile: it.Profile}:
			case <-r.ctx.Done():
				return
			}
		}
	}
}

// close ends every click goroutine and waits for them, so nothing sends on
// actions after Run returns. Run's ctx is done by then.
func (r *renderer) close() {
	r.cancel()
	r.wg.Wait()
}

func leaf(it Item) Item {
	it.Children = nil
	return it
}
