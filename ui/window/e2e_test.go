package window_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tokentray/tokentray/auth/authtest"
	"github.com/tokentray/tokentray/ui/localapi"
)

// TestWindowEndToEnd builds tokentray, starts the real agent against the
// fake ESET server in a private desktop, and signs in through the real
// window with the keyboard (xdotool): first with a wrong password, then
// with the right one. It saves screenshots of each screen in
// docs/screenshots when TOKENTRAY_SCREENSHOTS=1 (with FYNE_THEME=light,
// the light theme's, named *-light.png).
func TestWindowEndToEnd(t *testing.T) {
	authtest.RequireRealServices(t, "desktop session (X11, D-Bus, Secret Service)")
	for _, tool := range []string{"go", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed: run `.ci/deps test`", tool)
		}
	}
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("DISPLAY is unset: run inside .ci/desktop-session")
	}
	// A display of its own: other packages' tests open TokenTray windows on
	// the session's display at the same time, and xdotool types into
	// whatever has the focus.
	t.Setenv("DISPLAY", privateDisplay(t))
	// The agent and the window program side by side, as installed.
	dir := t.TempDir()
	bin := filepath.Join(dir, "tokentray")
	for out, pkg := range map[string]string{bin: "../..", filepath.Join(dir, "tokentray-window"): "./cmd/tokentray-window"} {
		if log, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, log)
		}
	}
	srv := authtest.NewTB(t)
	srv.AddUser("api@corp.example", "e2e-Password-1")

	home := t.TempDir()
	runDir, err := os.MkdirTemp("", "tt") // short: unix socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(runDir) })
	os.Chmod(runDir, 0o700)
	env := append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_RUNTIME_DIR="+runDir,
		"FYNE_THEME="+os.Getenv("FYNE_THEME"))
	status := func() (localapi.Status, bool) {
		cmd := exec.Command(bin, "status", "--json")
		cmd.Env = env
		out, err := cmd.Output()
		var st localapi.Status
		if err != nil || json.Unmarshal(out, &st) != nil {
			return st, false
		}
		return st, true
	}

	// The agent opens the window by itself on first run.
	var agentLog authtest.Buffer
	agent := exec.Command(bin)
	agent.Env = env
	agent.Stdout, agent.Stderr = &agentLog, &agentLog
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// SIGTERM, as a session ends: the agent closes the window it opened.
		agent.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { agent.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			agent.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("agent log:\n%s", agentLog.String())
		}
	})
	authtest.WaitFor(t, "the agent", 15*time.Second, func() bool { _, ok := status(); return ok })
	wid := findWindow(t, agent.Process.Pid)
	t.Cleanup(func() { closeWindow(t, wid) }) // runs before the agent is stopped
	shots := os.Getenv("TOKENTRAY_SCREENSHOTS") == "1"
	shot := func(name string) {
		if !shots {
			return
		}
		time.Sleep(700 * time.Millisecond) // let the frame settle
		if th := os.Getenv("FYNE_THEME"); th != "" {
			name += "-" + th // FYNE_THEME=light: the light theme's set
		}
		out := filepath.Join("..", "..", "docs", "screenshots", name+".png")
		if b, err := exec.Command("import", "-window", wid, out).CombinedOutput(); err != nil {
			t.Errorf("screenshot %s: %v\n%s", name, err, b)
		}
	}
	xdo(t, "windowfocus", "--sync", wid)
	time.Sleep(500 * time.Millisecond)
	shot("signin")

	// The cursor starts in Username. Tab order: username, password,
	// account name, "Advanced" (which, opened, puts the cursor in the
	// custom endpoint).
	xdo(t, "type", "--delay", "20", "api@corp.example")
	xdo(t, "key", "Tab")
	xdo(t, "type", "--delay", "20", "wrong-password")
	xdo(t, "key", "Tab", "Tab", "space")
	xdo(t, "type", "--delay", "20", srv.URL)
	xdo(t, "key", "Return")
	time.Sleep(2 * time.Second)
	shot("signin-error")
	if st, _ := status(); len(st.Accounts) != 0 {
		t.Fatalf("a wrong password added an account: %+v", st.Accounts)
	}

	// After a rejected password the cursor waits in the password, and
	// nothing else typed is lost: fix it, Enter.
	xdo(t, "key", "ctrl+a")
	xdo(t, "type", "--delay", "20", "e2e-Password-1")
	xdo(t, "key", "Return")
	authtest.WaitFor(t, "a fresh account", 20*time.Second, func() bool {
		st, ok := status()
		return ok && len(st.Accounts) == 1 && st.Accounts[0].Phase == localapi.PhaseFresh &&
			st.Accounts[0].Username == "api@corp.example" && st.Accounts[0].Name == "custom-api@corp.example"
	})
	time.Sleep(1500 * time.Millisecond)
	shot("accounts")

	// Settings and token details, with the mouse (a tapped Fyne button
	// lets go of the keyboard focus, so Tab counts are fragile). The
	// positions are those of the 600x760 window with one account.
	click := func(x, y int) {
		xdo(t, "mousemove", "--window", wid, strconv.Itoa(x), strconv.Itoa(y))
		xdo(t, "click", "1")
		time.Sleep(300 * time.Millisecond)
	}
	click(135, 235) // Settings
	shot("settings")
	click(44, 28)   // Back
	click(230, 235) // Details
	shot("details")
	click(44, 28) // Back

	// Closing the window ends its process; the agent stays.
	closeWindow(t, wid)
	if _, ok := status(); !ok {
		t.Error("the agent stopped with the window")
	}
}

// closeWindow closes the window as its close button does and waits for it
// to go away.
func closeWindow(t *testing.T, wid string) {
	if exec.Command("xdotool", "getwindowname", wid).Run() != nil {
		return // already gone
	}
	pid := 0
	if out, err := exec.Command("xdotool", "getwindowpid", wid).Output(); err == nil {
		pid, _ = strconv.Atoi(strings.TrimSpace(string(out)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	exec.CommandContext(ctx, "xdotool", "windowclose", wid).Run()
	// The process exits with its window.
	deadline := time.Now().Add(10 * time.Second)
	for exec.Command("xdotool", "getwindowname", wid).Run() == nil || (pid > 0 && processRuns(pid)) {
		if time.Now().After(deadline) {
			t.Errorf("the window process did not exit")
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// processRuns reports whether pid is alive (and not a zombie).
func processRuns(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	return len(f) > 2 && f[2] != "Z"
}

// findWindow waits for the TokenTray window and returns its X id.
// findWindow finds the window of the window process the agent started
// (by its pid: other tests' windows may be on the same display).
func findWindow(t *testing.T, agentPID int) string {
	t.Helper()
	var id string
	authtest.WaitFor(t, "the TokenTray window", 60*time.Second, func() bool {
		pids, _ := exec.Command("pgrep", "-P", strconv.Itoa(agentPID), "-f", "tokentray-window").Output()
		for _, pid := range strings.Fields(string(pids)) {
			out, _ := exec.Command("xdotool", "search", "--onlyvisible", "--pid", pid, "--name", "^TokenTray$").Output()
			if f := strings.Fields(string(out)); len(f) > 0 {
				id = f[0]
			}
		}
		return id != ""
	})
	return id
}

func xdo(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("xdotool", args...).CombinedOutput(); err != nil {
		t.Fatalf("xdotool %v: %v\n%s", args, err, out)
	}
	time.Sleep(150 * time.Millisecond)
}

// privateDisplay starts an Xvfb of its own for the test and returns its
// DISPLAY.
func privateDisplay(t *testing.T) string {
	t.Helper()
	for n := 150; n < 200; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); err == nil {
			continue
		}
		cmd := exec.Command("Xvfb", fmt.Sprintf(":%d", n), "-screen", "0", "1280x800x24", "-noreset", "-nolisten", "tcp")
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting Xvfb: %v", err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		sock := fmt.Sprintf("/tmp/.X11-unix/X%d", n)
		for i := 0; i < 400; i++ {
			if _, err := os.Stat(sock); err == nil {
				return fmt.Sprintf(":%d", n)
			}
			time.Sleep(25 * time.Millisecond)
		}
		cmd.Process.Kill()
		cmd.Wait()
	}
	t.Fatal("no free display for Xvfb between :150 and :199")
	return ""
}
