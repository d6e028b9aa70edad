package authtest

import (
	"os"
	"runtime"
	"testing"
)

// RealServicesEnv, set to 1 (as `make test` does inside its private
// desktop session), makes the tests that need real desktop services (the
// Secret Service, a session bus, an X server) run, and fail when the
// services are missing.
const RealServicesEnv = "TOKENTRAY_REAL_SERVICES"

// RequireRealServices lets a test that needs real desktop services run only
// where they are promised. A developer's plain `go test` skips it with a
// note; under RealServicesEnv=1, or in CI (CI=true), a missing session bus
// is a failure, never a skip, so CI cannot pass without testing them.
func RequireRealServices(tb testing.TB, what string) {
	tb.Helper()
	if os.Getenv(RealServicesEnv) != "1" {
		if os.Getenv("CI") != "" {
			tb.Fatalf("CI is set but %s is not: run the tests with `make test`, which provides a real %s", RealServicesEnv, what)
		}
		tb.Skipf("run `make test` to test against a real %s (or set %s=1 inside a D-Bus session)", what, RealServicesEnv)
	}
	if runtime.GOOS == "linux" && os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		tb.Fatalf("%s=1 but DBUS_SESSION_BUS_ADDRESS is unset: run the tests inside a D-Bus session with an unlocked keyring (see .ci/desktop-session)", RealServicesEnv)
	}
}
