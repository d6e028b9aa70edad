//go:build !linux && !freebsd && !netbsd && !openbsd && !dragonfly && !darwin && !windows

package autostart

func enabled() (bool, error) { return false, nil }
func enable(string) error    { return ErrUnsupported }
func disable() error         { return nil }
