//go:build linux || freebsd || netbsd || openbsd || dragonfly

package autostart

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnableDisable(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	path := filepath.Join(dir, "autostart", "tokentray.desktop")

	if on, err := Enabled(); err != nil || on {
		t.Fatalf("Enabled() = %v, %v before Enable; want false, nil", on, err)
	}
	if err := Enable(); err != nil {
		t.Fatal(err)
	}
	if on, err := Enabled(); err != nil || !on {
		t.Fatalf("Enabled() = %v, %v after Enable; want true, nil", on, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fi.Mode().Perm(), os.FileMode(0o644); got != want {
		t.Errorf("mode = %v; want %v", got, want)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	exe, err := executable()
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(exe) {
		t.Errorf("executable %q is not absolute", exe)
	}
	if !strings.Contains(string(b), "\nExec="+execValue(exe)+"\n") {
		t.Errorf("entry has no Exec line for %q:\n%s", exe, b)
	}
	// Enabling again replaces the entry; no temporary files are left.
	if err := Enable(); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(filepath.Dir(path))
	if len(ents) != 1 {
		t.Errorf("autostart dir holds %d files; want 1", len(ents))
	}
	if tool, err := exec.LookPath("desktop-file-validate"); err == nil {
		out, err := exec.Command(tool, path).CombinedOutput()
		if err != nil || len(strings.TrimSpace(string(out))) != 0 {
			t.Errorf("desktop-file-validate: %v\n%s", err, out)
		}
	} else {
		t.Log("desktop-file-validate not installed; skipped validating the entry")
	}

	if err := Disable(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("entry still there after Disable: %v", err)
	}
	if on, err := Enabled(); err != nil || on {
		t.Fatalf("Enabled() = %v, %v after Disable; want false, nil", on, err)
	}
	if err := Disable(); err != nil {
		t.Errorf("second Disable: %v", err)
	}
}

func TestHiddenEntryIsDisabled(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	p := filepath.Join(dir, "autostart", "tokentray.desktop")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("[Desktop Entry]\nType=Application\nName=TokenTray\nExec=x\nHidden=true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if on, err := Enabled(); err != nil || on {
		t.Errorf("Enabled() = %v, %v for a Hidden entry; want false, nil", on, err)
	}
}

func TestExecValue(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/usr/bin/tokentray", "/usr/bin/tokentray"},
		{"/opt/Token Tray/tokentray", `"/opt/Token Tray/tokentray"`},
		{`/opt/a"b/t`, `"/opt/a\\"b/t"`},
		{`/opt/$x/t`, `"/opt/\\$x/t"`},
		{`/opt/50%/t`, `/opt/50%%/t`},
	} {
		if got := execValue(tc.in); got != tc.want {
			t.Errorf("execValue(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestSpacedPathValidates(t *testing.T) {
	tool, err := exec.LookPath("desktop-file-validate")
	if err != nil {
		t.Skip("desktop-file-validate not installed")
	}
	p := filepath.Join(t.TempDir(), "tokentray.desktop")
	if err := os.WriteFile(p, desktopEntry(`/opt/Token Tray/$bin "x"/tokentray`), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(tool, p).CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) != 0 {
		t.Errorf("desktop-file-validate: %v\n%s", err, out)
	}
}
