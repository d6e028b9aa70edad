//go:build linux || freebsd || netbsd || openbsd || dragonfly

package autostart

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// entryPath is the XDG autostart entry's path.
func entryPath() (string, error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("finding the autostart directory: %w", err)
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "autostart", "tokentray.desktop"), nil
}

func enabled() (bool, error) {
	p, err := entryPath()
	if err != nil {
		return false, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	// A desktop may "disable" an entry by keeping it with Hidden=true
	// or X-GNOME-Autostart-enabled=false.
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, _ := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if (k == "Hidden" && v == "true") || (k == "X-GNOME-Autostart-enabled" && v == "false") {
			return false, nil
		}
	}
	return true, nil
}

func enable(exe string) error {
	p, err := entryPath()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(p, desktopEntry(exe), 0o644); err != nil {
		return fmt.Errorf("writing the autostart entry: %w", err)
	}
	return nil
}

func disable() error {
	p, err := entryPath()
	if err != nil {
		return err
	}
	if err := removeFile(p); err != nil {
		return fmt.Errorf("removing the autostart entry: %w", err)
	}
	return nil
}

// desktopEntry is the autostart entry that runs exe.
func desktopEntry(exe string) []byte {
	var b bytes.Buffer
	b.WriteString("[Desktop Entry]\n")
	b.WriteString("Type=Application\n")
	b.WriteString("Name=" + Name + "\n")
	b.WriteString("Comment=Keeps ESET Connect API tokens fresh\n")
	b.WriteString("Exec=" + execValue(exe) + "\n")
	b.WriteString("Terminal=false\n")
	b.WriteString("Categories=Utility;\n")
	b.WriteString("X-GNOME-Autostart-enabled=true\n")
	return b.Bytes()
}

// execValue quotes a program path for an Exec key: inside double quotes,
// `"`, "`", "$" and "\" are escaped with a backslash (Exec rules), and then
// every backslash is doubled again (the rules for all string values).
// A path needing neither stays bare. A literal % is written %%.
func execValue(exe string) string {
	exe = strings.ReplaceAll(exe, "%", "%%")
	if !strings.ContainsAny(exe, " \t\n\"'\\><~|&;$*?#()`") {
		return exe
	}
	var q strings.Builder
	q.WriteByte('"')
	for _, r := range exe {
		if strings.ContainsRune("\"`$\\", r) {
			q.WriteByte('\\')
		}
		q.WriteRune(r)
	}
	q.WriteByte('"')
	return strings.ReplaceAll(q.String(), `\`, `\\`)
}
