// Command tokentray-window is TokenTray's window: sign-in, accounts,
// settings and token details. The agent starts it on demand (and
// `tokentray window` runs it); it talks to the agent through the local API
// and exits when closed.
//
// It is a program of its own so that Fyne is linked only here: Go runs
// every linked package's initialisation in every process, and Fyne's (GL,
// X11 and Wayland libraries, translations) would more than double the
// resident agent's memory and slow every `tokentray token` (BENCHMARKS.md).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/tokentray/tokentray/ui/localapi"
	"github.com/tokentray/tokentray/ui/window"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	socket, err := localapi.SocketPath()
	if err == nil {
		err = window.Run(ctx, localapi.NewClient(socket), version)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tokentray-window:", err)
		os.Exit(1)
	}
}
