package agent_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/tokentray/tokentray/auth/authtest"
)

// notificationServer owns org.freedesktop.Notifications on the session bus
// and records what it is asked to show, as a desktop's notification daemon
// would receive it.
type notificationServer struct {
	mu    sync.Mutex
	notes []string
	conn  *dbus.Conn
}

// Notify implements org.freedesktop.Notifications.Notify.
func (n *notificationServer) Notify(app string, replaces uint32, icon, summary, body string,
	actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.notes = append(n.notes, app+" | "+summary+" | "+body)
	return uint32(len(n.notes)), nil
}

// GetCapabilities implements the method of the same name.
func (n *notificationServer) GetCapabilities() ([]string, *dbus.Error) {
	return []string{"body"}, nil
}

// GetServerInformation implements the method of the same name.
func (n *notificationServer) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "tokentray-test", "tokentray", "1", "1.2", nil
}

// CloseNotification implements the method of the same name.
func (n *notificationServer) CloseNotification(uint32) *dbus.Error { return nil }

func (n *notificationServer) all() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.notes...)
}

func startNotificationServer(t *testing.T) *notificationServer {
	t.Helper()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatalf("session bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	n := &notificationServer{conn: conn}
	if err := conn.Export(n, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName("org.freedesktop.Notifications", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("cannot own org.freedesktop.Notifications: %v (reply %v)", err, reply)
	}
	return n
}

// menuItem is one entry of a com.canonical.dbusmenu layout.
type menuItem struct {
	id    int32
	label string
	on    bool
}

// trayMenu reads the agent's tray menu as a tray host does: the item's
// Menu property names the menu object, whose GetLayout lists the items.
func trayMenu(t *testing.T, conn *dbus.Conn, pid int) (dbus.BusObject, []menuItem) {
	t.Helper()
	name := fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", pid)
	item := conn.Object(name, "/StatusNotifierItem")
	v, err := item.GetProperty("org.kde.StatusNotifierItem.Menu")
	if err != nil {
		t.Fatalf("reading the tray item's Menu property: %v", err)
	}
	menu := conn.Object(name, v.Value().(dbus.ObjectPath))
	var rev uint32
	var layout struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	if err := menu.Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}).Store(&rev, &layout); err != nil {
		t.Fatalf("GetLayout: %v", err)
	}
	var items []menuItem
	var walk func(children []dbus.Variant)
	walk = func(children []dbus.Variant) {
		for _, c := range children {
			fields, ok := c.Value().([]any)
			if !ok || len(fields) != 3 {
				continue
			}
			id, _ := fields[0].(int32)
			props, _ := fields[1].(map[string]dbus.Variant)
			label, _ := props["label"].Value().(string)
			enabled := true
			if e, ok := props["enabled"]; ok {
				enabled, _ = e.Value().(bool)
			}
			items = append(items, menuItem{id, label, enabled})
			sub, _ := fields[2].([]dbus.Variant)
			walk(sub)
		}
	}
	walk(layout.Children)
	return menu, items
}

func click(t *testing.T, conn *dbus.Conn, pid int, label string) {
	t.Helper()
	menu, items := trayMenu(t, conn, pid) // ids change on rebuilds: look up right before clicking
	for _, it := range items {
		if it.label == label {
			if !it.on {
				t.Fatalf("menu item %q is disabled", label)
			}
			call := menu.Call("com.canonical.dbusmenu.Event", 0, it.id, "clicked", dbus.MakeVariant(int32(0)), uint32(0))
			if call.Err != nil {
				t.Fatalf("clicking %q: %v", label, call.Err)
			}
			return
		}
	}
	t.Fatalf("no menu item %q in %+v", label, items)
}

func xclip(t *testing.T) string {
	out, err := exec.Command("xclip", "-o", "-selection", "clipboard").Output()
	if err != nil {
		return ""
	}
	return string(out)
}

// TestAgentEndToEnd runs the real tokentray agent in the test desktop
// (Xvfb, session bus, gnome-keyring) against the fake ESET server, and
// uses it as a person and a script would.
func TestAgentEndToEnd(t *testing.T) {
	authtest.RequireRealServices(t, "desktop session (X11, D-Bus, Secret Service)")
	for _, tool := range []string{"go", "xclip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed: run `.ci/deps test`", tool)
		}
	}
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("DISPLAY is unset: run inside .ci/desktop-session")
	}
	// The agent and the window program side by side, as installed.
	dir := t.TempDir()
	bin := filepath.Join(dir, "tokentray")
	for out, pkg := range map[string]string{bin: "../..", filepath.Join(dir, "tokentray-window"): "../window/cmd/tokentray-window"} {
		if log, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, log)
		}
	}
	notes := startNotificationServer(t)
	srv := authtest.NewTB(t)
	srv.AddUser("api@corp.example", "e2e-Password-1")
	srv.SetLifetime(20 * time.Second)

	// A private config and runtime dir; the account is pre-configured with
	// short delays so the test sees the warning and the clearing.
	home := t.TempDir()
	cfgDir := filepath.Join(home, "config")
	runDir, err := os.MkdirTemp("", "ttrun") // short: unix socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(runDir) })
	os.Chmod(runDir, 0o700)
	if err := os.MkdirAll(filepath.Join(cfgDir, "tokentray"), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`{"version":1,"default":"e2e","profiles":[{"name":"e2e","endpoint":%q,"username":"api@corp.example",
		"settings":{"min_valid":"1s","notify_lead":"15s","clipboard_clear":"4s","remember_password":true}}]}`, srv.URL)
	if err := os.WriteFile(filepath.Join(cfgDir, "tokentray", "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "XDG_CONFIG_HOME="+cfgDir, "XDG_RUNTIME_DIR="+runDir)
	run := func(stdin string, args ...string) (int, string, string) {
		cmd := exec.Command(bin, args...)
		cmd.Env, cmd.Stdin = env, strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return code, out.String(), errb.String()
	}

	// Start the agent, as the desktop launcher does.
	agentLog := &authtest.Buffer{}
	agentCmd := exec.Command(bin)
	agentCmd.Env = env
	agentCmd.Stdout, agentCmd.Stderr = agentLog, agentLog
	if err := agentCmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- agentCmd.Wait() }()
	t.Cleanup(func() {
		// SIGTERM, as a session ends: the agent closes the window it opened.
		agentCmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			agentCmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("agent log:\n%s", agentLog.String())
		}
	})
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pid := agentCmd.Process.Pid
	authtest.WaitFor(t, "the agent's status", 10*time.Second, func() bool {
		code, _, _ := run("", "status", "--json")
		return code == 0
	})
	authtest.WaitFor(t, "the tray item on the bus", 10*time.Second, func() bool {
		var has bool
		conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", pid)).Store(&has)
		return has
	})

	// Sign in through the agent, password on stdin.
	if code, _, stderr := run("e2e-Password-1\n", "login", "--profile", "e2e", "--endpoint", srv.URL,
		"--username", "api@corp.example", "--password-stdin"); code != 0 {
		t.Fatalf("login: exit %d: %s", code, stderr)
	}
	authtest.WaitFor(t, "the status line in the tray", 5*time.Second, func() bool {
		_, items := trayMenu(t, conn, pid)
		for _, it := range items {
			if strings.Contains(it.label, "api@corp.example — valid until") && !it.on {
				return true
			}
		}
		return false
	})

	// Copy token from the tray; the X11 clipboard holds exactly the current token.
	click(t, conn, pid, "Copy token")
	authtest.WaitFor(t, "the token on the clipboard", 5*time.Second, func() bool {
		return xclip(t) == srv.AccessToken("api@corp.example")
	})
	if targets, _ := exec.Command("xclip", "-o", "-selection", "clipboard", "-t", "TARGETS").Output(); !strings.Contains(string(targets), "x-kde-passwordManagerHint") {
		t.Errorf("clipboard targets %q lack the password-manager hint", targets)
	}
	// `tokentray token` prints the same token, from the agent.
	code, out, stderr := run("", "token")
	if code != 0 || strings.TrimSpace(out) != srv.AccessToken("api@corp.example") {
		t.Errorf("token: exit %d, %q (%s); want the current token", code, out, stderr)
	}
	// The clipboard is cleared after its delay (4 s).
	authtest.WaitFor(t, "the clipboard to be cleared", 8*time.Second, func() bool { return xclip(t) == "" })
	// The expiry warning (15 s before a 20-s token expires) reaches the notification server.
	authtest.WaitFor(t, "the expiry notification", 15*time.Second, func() bool {
		for _, n := range notes.all() {
			if strings.Contains(n, "Token of e2e expires at") {
				return true
			}
		}
		return false
	})
	for _, n := range notes.all() {
		if !strings.HasPrefix(n, "TokenTray | ") {
			t.Errorf("notification without AppName: %q", n)
		}
	}

	// A second launch leaves one agent running and exits 0.
	if code, _, stderr := run(""); code != 0 {
		t.Errorf("second tokentray: exit %d: %s", code, stderr)
	}
	_, st, _ := run("", "status", "--json")
	var status struct{ PID int }
	json.Unmarshal([]byte(st), &status)
	if status.PID != pid {
		t.Errorf("status answered by pid %d; want the first agent %d", status.PID, pid)
	}

	// No secret reached the agent's log, the notifications or the config dir.
	secrets := []string{"e2e-Password-1", srv.AccessToken("api@corp.example"), srv.RefreshToken("api@corp.example")}
	texts := agentLog.String() + strings.Join(notes.all(), "\n")
	filepath.Walk(home, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			b, _ := os.ReadFile(p)
			texts += string(b)
		}
		return nil
	})
	for _, s := range secrets {
		if s != "" && strings.Contains(texts, s) {
			t.Errorf("a secret reached the log, a notification or a file")
		}
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil {
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("a secret is in the agent's argv")
			}
		}
	}

	t.Logf("notifications: %q", notes.all())
	t.Logf("agent log:\n%s", agentLog.String())

	// Quit from the tray: the agent exits 0.
	click(t, conn, pid, "Quit")
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("agent exit: %v; want 0", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the agent did not quit")
	}
}
