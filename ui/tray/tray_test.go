package tray

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tokentray/tokentray/assets"
	"github.com/tokentray/tokentray/ui/localapi"
)

// fakeBackend is a tray that records what it is told.
type fakeBackend struct {
	mu        sync.Mutex
	top       []*fakeItem
	icon      []byte
	tooltip   string
	icons     int // setIcon calls
	tooltips  int
	resets    int
	labelSets int
	stopped   bool
}

type fakeItem struct {
	label, tooltip string
	enabled, sep   bool
	children       []*fakeItem
	ch             chan struct{}
}

func (f *fakeBackend) start(_ context.Context, _ string, icon []byte, tooltip string) (func(), error) {
	f.setIcon(icon)
	f.setTooltip(tooltip)
	return func() { f.mu.Lock(); f.stopped = true; f.mu.Unlock() }, nil
}

func (f *fakeBackend) setIcon(b []byte) { f.mu.Lock(); f.icon = b; f.icons++; f.mu.Unlock() }
func (f *fakeBackend) setTooltip(s string) {
	f.mu.Lock()
	f.tooltip = s
	f.tooltips++
	f.mu.Unlock()
}

func (f *fakeBackend) resetMenu() {
	f.mu.Lock()
	defer f.mu.Unlock()
	var closeAll func([]*fakeItem)
	closeAll = func(items []*fakeItem) {
		for _, it := range items {
			if it.ch != nil {
				close(it.ch)
			}
			closeAll(it.children)
		}
	}
	closeAll(f.top)
	f.top = nil
	f.resets++
}

func (f *fakeBackend) addItem(parent menuItem, it Item) menuItem {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := &fakeItem{label: it.Label, tooltip: it.Tooltip, enabled: !it.Disabled, ch: make(chan struct{})}
	if p, ok := parent.(fakeHandle); ok {
		p.it.children = append(p.it.children, n)
	} else {
		f.top = append(f.top, n)
	}
	return fakeHandle{f, n}
}

func (f *fakeBackend) addSeparator(parent menuItem) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := &fakeItem{sep: true}
	if p, ok := parent.(fakeHandle); ok {
		p.it.children = append(p.it.children, n)
	} else {
		f.top = append(f.top, n)
	}
}

type fakeHandle struct {
	f  *fakeBackend
	it *fakeItem
}

func (h fakeHandle) setLabel(s string) {
	h.f.mu.Lock()
	h.it.label = s
	h.f.labelSets++
	h.f.mu.Unlock()
}
func (h fakeHandle) setTooltip(s string)      { h.f.mu.Lock(); h.it.tooltip = s; h.f.mu.Unlock() }
func (h fakeHandle) setEnabled(on bool)       { h.f.mu.Lock(); h.it.enabled = on; h.f.mu.Unlock() }
func (h fakeHandle) clicked() <-chan struct{} { return h.it.ch }

// dump renders the shown menu like dump does Items, without actions.
func (f *fakeBackend) dump() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	var walk func([]*fakeItem, string)
	walk = func(items []*fakeItem, indent string) {
		for _, it := range items {
			if it.sep {
				b.WriteString(indent + "---\n")
				continue
			}
			state := ""
			if !it.enabled {
				state = " (disabled)"
			}
			fmt.Fprintf(&b, "%s%s%s\n", indent, it.label, state)
			walk(it.children, indent+"  ")
		}
	}
	walk(f.top, "")
	return b.String()
}

// find returns the shown item labelled label, searching submenus too.
func (f *fakeBackend) find(t *testing.T, label string) *fakeItem {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	var walk func([]*fakeItem) *fakeItem
	walk = func(items []*fakeItem) *fakeItem {
		for _, it := range items {
			if it.label == label {
				return it
			}
			if c := walk(it.children); c != nil {
				return c
			}
		}
		return nil
	}
	it := walk(f.top)
	if it == nil {
		t.Fatalf("no item %q in\n%s", label, f.dumpLocked())
	}
	return it
}

func (f *fakeBackend) dumpLocked() string {
	f.mu.Unlock()
	defer f.mu.Lock()
	return f.dump()
}

// click clicks it as systray does: without blocking.
func click(t *testing.T, it *fakeItem) {
	t.Helper()
	select {
	case it.ch <- struct{}{}:
	default:
		t.Fatalf("click on %q dropped: nobody listens", it.label)
	}
}

// want renders Items the way fakeBackend.dump shows them.
func want(items []Item) string {
	var b strings.Builder
	var walk func([]Item, string)
	walk = func(items []Item, indent string) {
		for _, it := range items {
			if it.Separator {
				b.WriteString(indent + "---\n")
				continue
			}
			state := ""
			if it.Disabled {
				state = " (disabled)"
			}
			fmt.Fprintf(&b, "%s%s%s\n", indent, it.Label, state)
			walk(it.Children, indent+"  ")
		}
	}
	walk(items, "")
	return b.String()
}

// listeners counts the goroutines waiting for clicks.
func listeners() int {
	buf := make([]byte, 1<<20)
	return strings.Count(string(buf[:runtime.Stack(buf, true)]), "tray.(*renderer).listen(")
}

// harness runs a Tray on a fake backend inside a synctest bubble.
type harness struct {
	f       *fakeBackend
	states  chan localapi.Status
	actions chan Event
	cancel  context.CancelFunc
	done    chan error
}

func startHarness(t *testing.T) *harness {
	h := &harness{f: &fakeBackend{}, states: make(chan localapi.Status, 1), actions: make(chan Event), done: make(chan error, 1)}
	tr := New("TokenTray", nil)
	tr.b = h.f
	ctx, cancel := context.WithCancel(t.Context())
	h.cancel = cancel
	go func() { h.done <- tr.Run(ctx, h.states, h.actions) }()
	synctest.Wait()
	return h
}

func (h *harness) send(st localapi.Status) {
	h.states <- st
	synctest.Wait()
}

func (h *harness) stop(t *testing.T) {
	t.Helper()
	h.cancel()
	if err := <-h.done; err != nil {
		t.Errorf("Run = %v", err)
	}
	synctest.Wait() // goroutines past their wg.Done have returned
	if n := listeners(); n != 0 {
		t.Errorf("%d click goroutines still running after Run returned", n)
	}
}

func fixture(phase string, left time.Duration) localapi.Status {
	a := localapi.Account{Name: "eu-api", Region: "eu", Username: "api@corp.example", Phase: phase,
		NotifyLead: localapi.Duration(5 * time.Minute)}
	if left != 0 {
		a.Expiry = time.Now().Add(left)
	}
	return localapi.Status{Default: "eu-api", Accounts: []localapi.Account{a}, TrayHost: true}
}

func TestRunShowsStateAndDeliversClicks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startHarness(t)
		if got := h.f.dump(); !strings.HasPrefix(got, "Starting… (disabled)\n") {
			t.Errorf("before the first state the menu is\n%s", got)
		}

		st := fixture(localapi.PhaseFresh, 47*time.Minute+30*time.Second)
		h.send(st)
		if got, want := h.f.dump(), want(Menu(st, time.Now())); got != want {
			t.Errorf("menu\n%s\nwant\n%s", got, want)
		}
		h.f.mu.Lock()
		icon, tooltip := string(h.f.icon), h.f.tooltip
		h.f.mu.Unlock()
		if icon != string(assets.TrayIcon(assets.IconFresh)) {
			t.Error("icon is not the fresh one")
		}
		if want := Tooltip(st, time.Now()); tooltip != want {
			t.Errorf("tooltip %q; want %q", tooltip, want)
		}

		for label, want := range map[string]Event{
			"Copy token":                     {ActionCopyToken, "eu-api"},
			`Copy "Authorization: Bearer …"`: {ActionCopyHeader, "eu-api"},
			"Refresh now":                    {ActionRefresh, "eu-api"},
			"Sign out":                       {ActionSignOut, "eu-api"},
			"Open TokenTray…":                {ActionOpen, ""},
			"Quit":                           {ActionQuit, ""},
		} {
			click(t, h.f.find(t, label))
			if got := <-h.actions; got != want {
				t.Errorf("click on %q sent %+v; want %+v", label, got, want)
			}
		}
		h.stop(t)
		h.f.mu.Lock()
		defer h.f.mu.Unlock()
		if !h.f.stopped {
			t.Error("the tray was not stopped")
		}
	})
}

func TestCountdownUpdatesOncePerMinuteInPlace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startHarness(t)
		h.send(fixture(localapi.PhaseFresh, 20*time.Minute+30*time.Second))
		status := h.f.find(t, "eu · api@corp.example — valid until 00:20 (20 min)")
		copyItem := h.f.find(t, "Copy token")
		h.f.mu.Lock()
		resets, labels, icons := h.f.resets, h.f.labelSets, h.f.icons
		h.f.mu.Unlock()

		time.Sleep(29 * time.Second) // before the first boundary, at +30 s
		synctest.Wait()
		h.f.mu.Lock()
		if h.f.labelSets != labels {
			t.Error("a label changed before its minute count did")
		}
		h.f.mu.Unlock()

		time.Sleep(10 * time.Minute) // 10 boundaries later, 1 s before the 11th
		synctest.Wait()
		h.f.mu.Lock()
		if got := status.label; got != "eu · api@corp.example — valid until 00:20 (10 min)" {
			t.Errorf("status line %q after 10 minutes", got)
		}
		if n := h.f.labelSets - labels; n != 10 {
			t.Errorf("%d label updates in 10 minutes; want 10", n)
		}
		if h.f.resets != resets {
			t.Error("a countdown rebuilt the menu; want updates in place")
		}
		if h.f.icons != icons {
			t.Error("the icon was set again though it did not change")
		}
		h.f.mu.Unlock()
		if h.f.find(t, "Copy token") != copyItem {
			t.Error("the copy item was replaced")
		}

		// At the notify lead (5 min before expiry) the icon turns busy.
		time.Sleep(5*time.Minute + time.Second)
		synctest.Wait()
		h.f.mu.Lock()
		if string(h.f.icon) != string(assets.TrayIcon(assets.IconBusy)) {
			t.Error("icon not busy within the notify lead")
		}
		h.f.mu.Unlock()

		// After expiry nothing counts down: the loop sleeps until the next
		// state (synctest would report a goroutine left running a ticker
		// as never idle).
		time.Sleep(6 * time.Minute)
		synctest.Wait()
		h.f.mu.Lock()
		labels = h.f.labelSets
		h.f.mu.Unlock()
		time.Sleep(time.Hour)
		synctest.Wait()
		h.f.mu.Lock()
		if h.f.labelSets != labels {
			t.Error("labels changed with nothing counting down")
		}
		h.f.mu.Unlock()
		h.stop(t)
	})
}

func TestStructureChangeRebuilds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startHarness(t)
		h.send(fixture(localapi.PhaseFresh, time.Hour))
		old := h.f.find(t, "Copy token")
		if n := listeners(); n != 6 {
			t.Errorf("%d click goroutines; want 6 (one per actionable item)", n)
		}

		st := fixture(localapi.PhaseSignInNeeded, 0)
		st.Accounts[0].Error = "wrong password"
		h.send(st)
		if got, want := h.f.dump(), want(Menu(st, time.Now())); got != want {
			t.Errorf("menu\n%s\nwant\n%s", got, want)
		}
		if h.f.find(t, "Copy token") == old {
			t.Error("the menu was not rebuilt")
		}
		if n := listeners(); n != 6 {
			t.Errorf("%d click goroutines after the rebuild; want 6: the old ones must end", n)
		}

		// A disabled item's click is ignored.
		click(t, h.f.find(t, "Copy token"))
		synctest.Wait()
		select {
		case e := <-h.actions:
			t.Errorf("click on a disabled item sent %+v", e)
		default:
		}
		click(t, h.f.find(t, "Sign in…"))
		if got, want := <-h.actions, (Event{ActionSignIn, "eu-api"}); got != want {
			t.Errorf("got %+v; want %+v", got, want)
		}
		h.stop(t)
	})
}

func TestSubmenuClicks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startHarness(t)
		st := fixture(localapi.PhaseFresh, time.Hour)
		b := st.Accounts[0]
		b.Name, b.Region = "us-ops", "us"
		st.Accounts = append(st.Accounts, b)
		h.send(st)
		if got, want := h.f.dump(), want(Menu(st, time.Now())); got != want {
			t.Errorf("menu\n%s\nwant\n%s", got, want)
		}
		h.f.mu.Lock()
		var sub *fakeItem
		for _, it := range h.f.top {
			if strings.HasPrefix(it.label, "us · ") {
				sub = it
			}
		}
		h.f.mu.Unlock()
		click(t, sub.children[2]) // Refresh now
		if got, want := <-h.actions, (Event{ActionRefresh, "us-ops"}); got != want {
			t.Errorf("got %+v; want %+v", got, want)
		}
		click(t, h.f.find(t, "Copy token (eu-api)"))
		if got, want := <-h.actions, (Event{ActionCopyToken, "eu-api"}); got != want {
			t.Errorf("got %+v; want %+v", got, want)
		}
		h.stop(t)
	})
}

func TestPendingClickEndsWithRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startHarness(t)
		h.send(fixture(localapi.PhaseFresh, time.Hour))
		click(t, h.f.find(t, "Quit")) // nobody reads actions
		synctest.Wait()
		h.stop(t) // must not hang on the pending send
	})
}

func TestClosedStatesKeepsLastState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startHarness(t)
		st := fixture(localapi.PhaseFresh, 30*time.Minute+30*time.Second)
		h.send(st)
		close(h.states)
		synctest.Wait()
		time.Sleep(time.Minute)
		synctest.Wait()
		h.find(t, "eu · api@corp.example — valid until 00:30 (29 min)")
		h.stop(t)
	})
}

func (h *harness) find(t *testing.T, label string) *fakeItem { t.Helper(); return h.f.find(t, label) }

func TestSameShape(t *testing.T) {
	base := Menu(fixture(localapi.PhaseFresh, time.Hour), now)
	for _, c := range []struct {
		name string
		st   localapi.Status
		same bool
	}{
		{"countdown", fixture(localapi.PhaseFresh, 30*time.Minute), true},
		{"refreshing", fixture(localapi.PhaseRefreshing, 30*time.Minute), true},
		{"failing: labels and enabled only", fixture(localapi.PhaseFailing, 0), true},
		{"signed out: sign out becomes sign in", fixture(localapi.PhaseSignedOut, 0), false},
		{"no accounts", localapi.Status{}, false},
	} {
		if got := sameShape(base, Menu(c.st, now)); got != c.same {
			t.Errorf("%s: sameShape = %v; want %v", c.name, got, c.same)
		}
	}
}
