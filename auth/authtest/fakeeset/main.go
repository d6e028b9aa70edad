// Command fakeeset runs the fake ESET Connect token server of package
// authtest on its own, outside a Go test, so that shell scripts, benchmarks
// (.ci/bench-agent) and people trying TokenTray out can sign in without an
// ESET account or network access.
//
// Usage:
//
//	fakeeset -user alice@example.com -password-file pw.txt [-lifetime 60m] [-addr-file F]
//	fakeeset -user alice@example.com -password dummy ...
//
// It starts an authtest.Server on a free loopback port, creates the API
// user, and writes the server's base URL (for example http://127.0.0.1:40123)
// followed by a newline to the -addr-file, or to standard output when no
// file is named. The file is written atomically (renamed into place), so a
// script may poll for it to appear. Point TokenTray at that URL with
// `tokentray login --endpoint URL` (plain http is accepted for loopback
// hosts); the token endpoint is URL/oauth/token and URL/v1/devices accepts
// the access tokens it issued.
//
// The server runs until SIGINT or SIGTERM. It holds dummy credentials only:
// the password is never printed, and -password-file keeps it out of the
// process list.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/tokentray/tokentray/auth/authtest"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "fakeeset:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("fakeeset", flag.ContinueOnError)
	user := fs.String("user", "", "the API user's username (an email address); required")
	password := fs.String("password", "", "the user's password (a dummy; visible in the process list: prefer -password-file)")
	passwordFile := fs.String("password-file", "", "read the user's password from the first line of this file")
	lifetime := fs.Duration("lifetime", authtest.DefaultLifetime, "access-token lifetime")
	addrFile := fs.String("addr-file", "", "write the base URL to this file instead of standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *user == "" {
		return errors.New("-user is required")
	}
	if *lifetime <= 0 {
		return fmt.Errorf("-lifetime %v: want a positive duration", *lifetime)
	}
	pw := *password
	if *passwordFile != "" {
		if pw != "" {
			return errors.New("give -password or -password-file, not both")
		}
		b, err := os.ReadFile(*passwordFile)
		if err != nil {
			return err
		}
		pw, _, _ = strings.Cut(string(b), "\n")
		pw = strings.TrimSuffix(pw, "\r")
	}
	if pw == "" {
		return errors.New("a password is required: -password or -password-file")
	}

	// Stop on a signal that arrives while the server is starting, too.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)

	s := authtest.New()
	defer s.Close()
	s.AddUser(*user, pw)
	s.SetLifetime(*lifetime)

	if *addrFile != "" {
		if err := writeAtomic(*addrFile, s.URL+"\n"); err != nil {
			return err
		}
	} else {
		fmt.Println(s.URL)
	}
	fmt.Fprintf(os.Stderr, "fakeeset: serving %s for user %s (tokens last %v); stop with Ctrl-C or SIGTERM\n",
		s.URL, *user, *lifetime)

	<-sig
	return nil
}

// writeAtomic writes data to path through a temporary file in the same
// directory, so a reader never sees it half written.
func writeAtomic(path, data string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".fakeeset-*")
	if err != nil {
		return err
	}
	_, werr := f.WriteString(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}
