package agent

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

// WindowProgram is the window's executable name. The window is a program of
// its own so the resident agent does not link Fyne (see
// ui/window/cmd/tokentray-window).
const WindowProgram = "tokentray-window"

// WindowExecutable finds the window program: next to this executable (as
// `make build` and the installers put it), else on PATH.
func WindowExecutable() (string, error) {
	name := WindowProgram
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if self, err := os.Executable(); err == nil {
		if resolved, err := filepath.EvalSymlinks(self); err == nil {
			self = resolved
		}
		candidate := filepath.Join(filepath.Dir(self), name)
		if _, err := os.Stat(candidate); err == nil {
			return candidate, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", errors.New("the window program " + name + " is not installed next to tokentray or on PATH: reinstall TokenTray, or sign in with `tokentray login`")
}

// windows starts the window program and remembers it: one window at a
// time (a second request while it is open does nothing), closed when the
// agent quits.
type windows struct {
	mu   sync.Mutex
	cmd  *exec.Cmd     // the open window, or nil
	done chan struct{} // closed when cmd has exited
}

// open starts the window unless one is open.
func (w *windows) open() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cmd != nil {
		return nil
	}
	exe, err := WindowExecutable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe)
	cmd.Stderr = os.Stderr // its problems belong in the agent's log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the window: %w", err)
	}
	w.cmd = cmd
	w.done = make(chan struct{})
	done := w.done
	go func() {
		cmd.Wait() // reap it when it closes
		close(done)
		w.mu.Lock()
		if w.cmd == cmd {
			w.cmd = nil
		}
		w.mu.Unlock()
	}()
	return nil
}

// closeAll asks an open window to close (it would only say the agent is gone).
func (w *windows) closeAll() {
	w.mu.Lock()
	cmd, done := w.cmd, w.done
	w.mu.Unlock()
	if cmd == nil {
		return
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		cmd.Process.Kill()
	}
	select { // let it save its preferences and go
	case <-done:
	case <-time.After(3 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}
