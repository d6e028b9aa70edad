//go:build linux

package tray

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"image/png"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/tokentray/tokentray/assets"
	"github.com/tokentray/tokentray/auth/authtest"
	"github.com/tokentray/tokentray/ui/localapi"
)

const (
	sniIface  = "org.kde.StatusNotifierItem"
	sniPath   = dbus.ObjectPath("/StatusNotifierItem")
	menuIface = "com.canonical.dbusmenu"
)

// host is the test acting as a tray host: its own connection to the
// session bus, reading the tray the way a panel does.
type host struct {
	t    *testing.T
	conn *dbus.Conn
	name string // the tray's bus name
}

// layoutItem is one com.canonical.dbusmenu layout node.
type layoutItem struct {
	ID       int32
	Props    map[string]dbus.Variant
	Children []layoutItem
}

func (l layoutItem) label() string {
	s, _ := l.Props["label"].Value().(string)
	return s
}

func (l layoutItem) enabled() bool {
	on, ok := l.Props["enabled"].Value().(bool)
	return on || !ok // absent means enabled
}

func (l layoutItem) separator() bool {
	s, _ := l.Props["type"].Value().(string)
	return s == "separator"
}

// parseLayout decodes a layout node: godbus hands nested structs over as
// []any.
func parseLayout(v any) (layoutItem, error) {
	f, ok := v.([]any)
	if !ok || len(f) != 3 {
		return layoutItem{}, fmt.Errorf("layout node %T %v", v, v)
	}
	id, _ := f[0].(int32)
	props, _ := f[1].(map[string]dbus.Variant)
	kids, _ := f[2].([]dbus.Variant)
	l := layoutItem{ID: id, Props: props}
	for _, k := range kids {
		c, err := parseLayout(k.Value())
		if err != nil {
			return l, err
		}
		l.Children = append(l.Children, c)
	}
	return l, nil
}

// menuPath reads the item's Menu property, as a host does.
func (h *host) menuPath() dbus.ObjectPath {
	h.t.Helper()
	v, err := h.conn.Object(h.name, sniPath).GetProperty(sniIface + ".Menu")
	if err != nil {
		h.t.Fatalf("reading %s.Menu: %v", sniIface, err)
	}
	p, ok := v.Value().(dbus.ObjectPath)
	if !ok {
		h.t.Fatalf("Menu is %T %v; want an object path", v.Value(), v.Value())
	}
	return p
}

// layout calls GetLayout(0, -1, []) on the menu.
func (h *host) layout() layoutItem {
	h.t.Helper()
	var rev uint32
	var raw struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	ctx, cancel := context.WithTimeout(h.t.Context(), 5*time.Second)
	defer cancel()
	err := h.conn.Object(h.name, h.menuPath()).CallWithContext(ctx, menuIface+".GetLayout", 0, int32(0), int32(-1), []string{}).Store(&rev, &raw)
	if err != nil {
		h.t.Fatalf("GetLayout: %v", err)
	}
	root := layoutItem{ID: raw.ID, Props: raw.Props}
	for _, k := range raw.Children {
		c, err := parseLayout(k.Value())
		if err != nil {
			h.t.Fatal(err)
		}
		root.Children = append(root.Children, c)
	}
	return root
}

// dumpLayout renders a layout like want renders Items.
func dumpLayout(l layoutItem) string {
	var b strings.Builder
	var walk func([]layoutItem, string)
	walk = func(items []layoutItem, indent string) {
		for _, it := range items {
			if it.separator() {
				b.WriteString(indent + "---\n")
				continue
			}
			state := ""
			if !it.enabled() {
				state = " (disabled)"
			}
			fmt.Fprintf(&b, "%s%s%s\n", indent, it.label(), state)
			walk(it.Children, indent+"  ")
		}
	}
	walk(l.Children, "")
	return b.String()
}

func find(l layoutItem, label string) (layoutItem, bool) {
	for _, c := range l.Children {
		if c.label() == label {
			return c, true
		}
		if f, ok := find(c, label); ok {
			return f, true
		}
	}
	return layoutItem{}, false
}

// waitMenu polls GetLayout until the tray shows Menu(st): states apply
// asynchronously, and right after a rebuild fyne.io/systray answers the
// first GetLayout one level deep only (a workaround for libdbusmenu-gtk),
// so submenus fill in on a later call.
func (h *host) waitMenu(st localapi.Status) layoutItem {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l := h.layout()
		got, want := dumpLayout(l), want(Menu(st, time.Now()))
		if got == want {
			return l
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("the tray's layout is\n%s\nwant\n%s", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// click sends a dbusmenu "clicked" event, as a host does.
func (h *host) click(id int32) {
	h.t.Helper()
	err := h.conn.Object(h.name, h.menuPath()).Call(menuIface+".Event", 0, id, "clicked", dbus.MakeVariant(int32(0)), uint32(0)).Err
	if err != nil {
		h.t.Fatalf("Event(%d, clicked): %v", id, err)
	}
}

type pixmap struct {
	W, H int32
	Pix  []byte
}

func (h *host) iconPixmap() []pixmap {
	h.t.Helper()
	v, err := h.conn.Object(h.name, sniPath).GetProperty(sniIface + ".IconPixmap")
	if err != nil {
		h.t.Fatalf("reading IconPixmap: %v", err)
	}
	var px []pixmap
	if err := dbus.Store([]any{v.Value()}, &px); err != nil {
		h.t.Fatalf("IconPixmap %T: %v", v.Value(), err)
	}
	return px
}

// checkIcon asserts the pixmap shows state's icon: the opaque pixels are
// exact (ARGB, network byte order); partly transparent ones differ, as
// systray sends them premultiplied.
func (h *host) checkIcon(state assets.IconState) {
	h.t.Helper()
	px := h.iconPixmap()
	if len(px) != 1 || px[0].W != 44 || px[0].H != 44 || len(px[0].Pix) != 44*44*4 {
		h.t.Fatalf("IconPixmap: %d pixmaps, first %dx%d with %d bytes; want one 44x44", len(px), px[0].W, px[0].H, len(px[0].Pix))
	}
	img, err := png.Decode(bytes.NewReader(assets.TrayIcon(state)))
	if err != nil {
		h.t.Fatal(err)
	}
	opaque := 0
	for y := range 44 {
		for x := range 44 {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			if c.A != 0xff {
				continue
			}
			opaque++
			i := (y*44 + x) * 4
			if got, want := px[0].Pix[i:i+4], []byte{c.A, c.R, c.G, c.B}; !bytes.Equal(got, want) {
				h.t.Fatalf("IconPixmap at (%d,%d) = % x; want % x (the %v icon)", x, y, got, want, state)
			}
		}
	}
	if opaque < 44*44/2 {
		h.t.Fatalf("only %d opaque pixels in the %v icon", opaque, state)
	}
}

// watcher is a fake StatusNotifierWatcher: it records registrations.
type watcher struct {
	mu   sync.Mutex
	regs []string // "sender service"
}

// RegisterStatusNotifierItem is the watcher's method items call.
func (w *watcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.regs = append(w.regs, string(sender)+" "+service)
	return nil
}

func (w *watcher) registrations() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.regs...)
}

func receive(t *testing.T, events <-chan Event, want Event) {
	t.Helper()
	select {
	case got := <-events:
		if got != want {
			t.Errorf("event %+v; want %+v", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no event; want %+v", want)
	}
}

func nameOwned(t *testing.T, conn *dbus.Conn, name string) bool {
	t.Helper()
	var owned bool
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&owned); err != nil {
		t.Fatalf("NameHasOwner(%s): %v", name, err)
	}
	return owned
}

// The tray under test runs in a child process: this test binary again,
// with helperEnv set (see TestMain). That is how the agent and a panel
// meet, and it keeps fyne.io/systray's process-wide, once-only state out of
// the test process. It also lets the test tell fyne.io/systray's own data
// race from ours: the child's race reports go to files (GORACE log_path),
// which the parent reads.
const helperEnv = "TOKENTRAY_TRAY_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		os.Exit(helperMain())
	}
	os.Exit(m.Run())
}

// helperMain runs a Tray: it reads states as JSON lines on stdin and writes
// events as JSON lines to file descriptor 3. When stdin closes it stops the
// tray, checks that a second Run fails, and exits.
func helperMain() int {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	out := json.NewEncoder(os.NewFile(3, "events"))
	states := make(chan localapi.Status, 1)
	actions := make(chan Event)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- New("TokenTray", logger).Run(ctx, states, actions) }()
	go func() {
		defer cancel()
		in := json.NewDecoder(os.Stdin)
		for {
			var st localapi.Status
			if err := in.Decode(&st); err != nil {
				return
			}
			select {
			case states <- st:
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		select {
		case e := <-actions:
			if err := out.Encode(e); err != nil {
				logger.Error("writing event", "err", err)
				return 1
			}
		case err := <-done:
			if err != nil {
				logger.Error("Run", "err", err)
				return 1
			}
			if err := New("again", logger).Run(context.Background(), nil, nil); !errors.Is(err, errStarted) {
				logger.Error("a second Run in the process", "err", err)
				return 3
			}
			return 0
		}
	}
}

// child is the tray process under test.
type child struct {
	cmd     *exec.Cmd
	stdin   *json.Encoder
	closeIn func() error
	events  chan Event
	stderr  authtest.Buffer
	raceLog string // GORACE log_path prefix
}

func startChild(t *testing.T) *child {
	t.Helper()
	c := &child{events: make(chan Event, 10), raceLog: filepath.Join(t.TempDir(), "race")}
	c.cmd = exec.Command(os.Args[0], "-test.run=^$")
	c.cmd.Env = append(os.Environ(), helperEnv+"=1", "GORACE=atexit_sleep_ms=0 log_path="+c.raceLog)
	c.cmd.Stderr = &c.stderr
	in, err := c.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	c.stdin, c.closeIn = json.NewEncoder(in), in.Close
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c.cmd.ExtraFiles = []*os.File{w}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	go func() {
		defer r.Close()
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			var e Event
			if err := json.Unmarshal(sc.Bytes(), &e); err == nil {
				c.events <- e
			}
		}
	}()
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			c.cmd.Process.Kill()
			c.cmd.Wait()
		}
		t.Logf("tray process output:\n%s", c.stderr.String())
	})
	return c
}

func (c *child) send(t *testing.T, st localapi.Status) {
	t.Helper()
	if err := c.stdin.Encode(st); err != nil {
		t.Fatalf("sending a state to the tray process: %v", err)
	}
}

// upstreamRace matches fyne.io/systray's own data race: the goroutine
// GetLayout starts for libdbusmenu-gtk (systray_menu_unix.go, "go func() {
// time.Sleep(150 * time.Millisecond); refresh() }()") writes menuVersion
// under instance.lock, while GetLayout reads it under menuLock only. Any
// host calling GetLayout after a rebuild can trigger it; it is harmless at
// run time (a uint32 revision), but the race detector rightly reports it.
var upstreamRace = regexp.MustCompile(`(?s)fyne\.io/systray\.refresh\(\)\n[^\n]*\n\s+fyne\.io/systray\.\(\*tray\)\.GetLayout\.func1\(\)`)

// checkRaces fails the test for every data race the child reported except
// fyne.io/systray's known one.
func (c *child) checkRaces(t *testing.T) (known int) {
	t.Helper()
	files, _ := filepath.Glob(c.raceLog + ".*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, rep := range strings.Split(string(b), "==================") {
			if !strings.Contains(rep, "WARNING: DATA RACE") {
				continue
			}
			if upstreamRace.MatchString(rep) {
				known++
				continue
			}
			t.Errorf("data race in the tray process:\n%s", rep)
		}
	}
	return known
}

// TestTrayOnSessionBus starts the real tray on the session bus (in a child
// process, see helperEnv) and drives it as a tray host would.
func TestTrayOnSessionBus(t *testing.T) {
	authtest.RequireRealServices(t, "session bus")

	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if ok, err := HostAvailable(t.Context()); err != nil || ok {
		t.Fatalf("HostAvailable = %v, %v; want false, nil (no watcher in this private session)", ok, err)
	}

	c := startChild(t)
	h := &host{t: t, conn: conn, name: fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", c.cmd.Process.Pid)}
	fresh := fixture(localapi.PhaseFresh, 47*time.Minute+30*time.Second)
	c.send(t, fresh)
	// systray takes its bus name before it exports the item's properties
	// (hosts learn of it only from its registration, which comes last):
	// wait for both.
	authtest.WaitFor(t, h.name+" on the bus", 5*time.Second, func() bool {
		if !nameOwned(t, conn, h.name) {
			return false
		}
		_, err := conn.Object(h.name, sniPath).GetProperty(sniIface + ".Menu")
		return err == nil
	})

	signals := make(chan *dbus.Signal, 100)
	conn.Signal(signals)
	if err := conn.AddMatchSignal(dbus.WithMatchInterface(sniIface), dbus.WithMatchMember("NewIcon")); err != nil {
		t.Fatal(err)
	}

	var shown layoutItem // the layout last waited for
	t.Run("exported item", func(t *testing.T) {
		h.t = t
		if p := h.menuPath(); p != "/StatusNotifierItem/menu" {
			t.Errorf("Menu = %s; want /StatusNotifierItem/menu (fyne.io/systray v1.12)", p)
		}
		for prop, want := range map[string]any{"Id": "TokenTray", "Title": "TokenTray", "ItemIsMenu": true, "Status": "Active"} {
			v, err := conn.Object(h.name, sniPath).GetProperty(sniIface + "." + prop)
			if err != nil || v.Value() != want {
				t.Errorf("%s = %v (%v); want %v", prop, v.Value(), err, want)
			}
		}
		authtest.WaitFor(t, "the tooltip", 5*time.Second, func() bool {
			v, err := conn.Object(h.name, sniPath).GetProperty(sniIface + ".ToolTip")
			if err != nil {
				t.Fatal(err)
			}
			f, _ := v.Value().([]any)
			return len(f) == 4 && f[2] == Tooltip(fresh, time.Now())
		})
		h.checkIcon(assets.IconFresh)
		// Without a watcher, registering fails and is only logged: the
		// item stays exported for a host that starts later.
		authtest.WaitFor(t, "systray to log the failed registration", 5*time.Second, func() bool {
			return strings.Contains(c.stderr.String(), "systray error: failed to register")
		})
	})

	t.Run("menu and click", func(t *testing.T) {
		h.t = t
		shown = h.waitMenu(fresh)
		status := shown.Children[0]
		if !strings.HasPrefix(status.label(), "eu · api@corp.example — valid until ") || status.enabled() {
			t.Errorf("first item %q enabled=%v; want the disabled status line", status.label(), status.enabled())
		}
		it, _ := find(shown, "Copy token")
		h.click(it.ID)
		receive(t, c.events, Event{ActionCopyToken, "eu-api"})
	})

	t.Run("countdown updates in place", func(t *testing.T) {
		h.t = t
		later := fixture(localapi.PhaseFresh, 12*time.Minute+30*time.Second)
		c.send(t, later)
		l := h.waitMenu(later)
		for i := range l.Children {
			if l.Children[i].ID != shown.Children[i].ID {
				t.Errorf("item %q changed id %d -> %d; want same-shape updates in place", l.Children[i].label(), shown.Children[i].ID, l.Children[i].ID)
			}
		}
	})

	t.Run("sign-in needed", func(t *testing.T) {
		h.t = t
		drain(signals)
		st := fixture(localapi.PhaseSignInNeeded, 0)
		st.Accounts[0].Error = "ESET rejected the password"
		c.send(t, st)
		l := h.waitMenu(st)
		if it, ok := find(l, "Copy token"); !ok || it.enabled() {
			t.Error("Copy token is not disabled")
		} else {
			h.click(it.ID) // a client may click anything: ignored
		}
		signIn, ok := find(l, "Sign in…")
		if !ok {
			t.Fatal("no Sign in… item")
		}
		h.click(signIn.ID)
		receive(t, c.events, Event{ActionSignIn, "eu-api"}) // and not the disabled copy
		h.checkIcon(assets.IconAttention)
		select {
		case s := <-signals:
			if s.Name != sniIface+".NewIcon" || s.Path != sniPath {
				t.Errorf("signal %s at %s; want NewIcon at %s", s.Name, s.Path, sniPath)
			}
		case <-time.After(5 * time.Second):
			t.Error("no NewIcon signal")
		}
	})

	t.Run("submenus", func(t *testing.T) {
		h.t = t
		st := fixture(localapi.PhaseFresh, time.Hour)
		b := st.Accounts[0]
		b.Name, b.Region = "us-ops", "us"
		st.Accounts = append(st.Accounts, b)
		c.send(t, st)
		l := h.waitMenu(st)
		var sub layoutItem
		for _, it := range l.Children {
			if strings.HasPrefix(it.label(), "us · ") {
				sub = it
			}
		}
		if got, _ := sub.Props["children-display"].Value().(string); got != "submenu" {
			t.Errorf("children-display = %q; want submenu", got)
		}
		refresh, ok := find(sub, "Refresh now")
		if !ok {
			t.Fatalf("no Refresh now in %s", dumpLayout(sub))
		}
		h.click(refresh.ID)
		receive(t, c.events, Event{ActionRefresh, "us-ops"})
	})

	t.Run("a watcher that starts later", func(t *testing.T) {
		h.t = t
		w := &watcher{}
		if err := conn.Export(w, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
			t.Fatal(err)
		}
		if r, err := conn.RequestName(watcherName, dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
			t.Fatalf("RequestName(%s) = %v, %v", watcherName, r, err)
		}
		defer conn.ReleaseName(watcherName)
		var owner string
		if err := conn.BusObject().Call("org.freedesktop.DBus.GetNameOwner", 0, h.name).Store(&owner); err != nil {
			t.Fatal(err)
		}
		// Other tests' trays share this session bus and may register too:
		// look for ours among the registrations.
		want := owner + " /StatusNotifierItem"
		authtest.WaitFor(t, "the tray to register with the new watcher", 5*time.Second, func() bool {
			return slices.Contains(w.registrations(), want)
		})
		if ok, err := HostAvailable(t.Context()); err != nil || !ok {
			t.Errorf("HostAvailable = %v, %v; want true", ok, err)
		}
	})

	t.Run("stop", func(t *testing.T) {
		h.t = t
		c.closeIn()
		errc := make(chan error, 1)
		go func() { errc <- c.cmd.Wait() }()
		var err error
		select {
		case err = <-errc:
		case <-time.After(10 * time.Second):
			t.Fatal("the tray process did not exit after its states closed")
		}
		known := c.checkRaces(t)
		if known > 0 {
			t.Logf("fyne.io/systray's known data race (menuVersion, GetLayout's delayed refresh) was reported %d times: ignored", known)
		}
		var ee *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &ee) && ee.ExitCode() == 66 && known > 0 && !t.Failed():
			// The race detector's exit code, for the known race only.
		default:
			t.Errorf("tray process: %v", err)
		}
		// The bus daemon drops the name when it notices the disconnect.
		authtest.WaitFor(t, h.name+" to leave the bus", 5*time.Second, func() bool { return !nameOwned(t, conn, h.name) })
	})
}

func drain(ch chan *dbus.Signal) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}
