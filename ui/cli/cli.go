// Package cli is TokenTray's command line: `tokentray login`, `token`,
// `exec`, `logout`, `profiles` and `version`. It serves scripts and API
// tools from the same accounts and keyring as the rest of TokenTray.
//
// Each command is a function that receives its dependencies in an [Env],
// so tests run it against a temporary store and a fake ESET server. Errors
// are printed in one place ([Run]) as one sentence with what to do, and
// turned into the exit codes scripts test: 0 ok, 1 error, 2 usage,
// 3 sign-in needed.
//
// When the resident agent runs, commands ask it over the local API, so
// every surface shares one token and one state. Without it they work
// in-process: they load the account from the store, refresh (or sign in)
// under the account's cross-process lock, and save the rotated refresh
// token.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/tokentray/tokentray/auth"
	"github.com/tokentray/tokentray/auth/keeper"
	"github.com/tokentray/tokentray/auth/store"
	"github.com/tokentray/tokentray/ui/agent"
	"github.com/tokentray/tokentray/ui/localapi"
)

// Exit codes.
const (
	ExitOK           = 0
	ExitError        = 1
	ExitUsage        = 2
	ExitSignInNeeded = 3
)

// Env is what the commands need from the outside world.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// OpenStore opens the accounts store (config file and keyring).
	OpenStore func() (*store.Store, error)
	// NewClient returns the token client for a base URL.
	NewClient func(baseURL string) keeper.Granter
	// ReadPassword reads a password without echo when stdin is a terminal;
	// ok is false when it is not a terminal.
	ReadPassword func(prompt string) (password string, ok bool, err error)
	// Version is the build's version string.
	Version string
	// AgentSocket is the running agent's socket; "" means never use an
	// agent (commands then work in-process).
	AgentSocket string
	// Resident runs the agent in this process (`tokentray` with no
	// command); nil means it is not available.
	Resident func(ctx context.Context) error
}

// Main runs the command line with the real environment and returns the
// exit code.
func Main(args []string, version string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	socket, err := localapi.SocketPath()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tokentray:", err)
		return ExitError
	}
	openStore := func() (*store.Store, error) {
		return store.Open("", store.NewKeyring(store.DefaultService, 0))
	}
	return Run(ctx, args, Env{
		AgentSocket: socket,
		Resident: func(ctx context.Context) error {
			st, err := openStore()
			if err != nil {
				return err
			}
			return agent.RunResident(ctx, agent.ResidentOptions{
				Version: version, Socket: socket, Store: st,
				Logger: slog.New(slog.NewTextHandler(os.Stderr, nil)),
			})
		},
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		OpenStore:    openStore,
		NewClient:    func(baseURL string) keeper.Granter { return &auth.Client{BaseURL: baseURL} },
		ReadPassword: terminalPassword,
		Version:      version,
	})
}

func terminalPassword(prompt string) (string, bool, error) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return "", false, nil
	}
	fmt.Fprint(os.Stderr, prompt)
	pw, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	return string(pw), true, err
}

// command is one subcommand.
type command struct {
	name, args, summary string
	run                 func(ctx context.Context, env Env, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"login", "--profile NAME --region eu|de|us|ca|jpn [--endpoint URL] --username USER [--password-stdin] [--no-remember] [--default]",
			"sign in and store the account (the password is never read from arguments)", runLogin},
		{"token", "[--profile NAME] [--format raw|bearer|header|json] [--min-valid DURATION]",
			"print a token with at least --min-valid left (default 5m)", runToken},
		{"exec", "[--profile NAME] [--env NAME] [--min-valid DURATION] -- COMMAND [ARGS...]",
			"run COMMAND with the token in $ESET_CONNECT_TOKEN (or --env NAME)", runExec},
		{"logout", "[--profile NAME] [--forget]",
			"drop the stored refresh token (--forget also deletes the stored password)", runLogout},
		{"status", "[--json]", "show each account's state (from the agent when it runs)", runStatus},
		{"profiles", "", "list the accounts", runProfiles},
		{"window", "", "open the sign-in and accounts window", runWindow},
		{"version", "", "print the version", func(_ context.Context, env Env, _ []string) error {
			fmt.Fprintln(env.Stdout, "tokentray", env.Version)
			return nil
		}},
		{"help", "", "show this help", func(_ context.Context, env Env, _ []string) error {
			usage(env.Stdout)
			return nil
		}},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "TokenTray keeps ESET Connect API tokens fresh.\n\nUsage:\n  tokentray\n      start the tray agent (or, if it runs, open its window)")
	for _, c := range commands {
		fmt.Fprintf(w, "  tokentray %s %s\n      %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintln(w, "\nExit codes: 0 ok, 1 error, 2 usage, 3 sign-in needed.")
}

// usageError is a mistake in the command line itself.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// Run runs one command line and returns its exit code. Errors are printed
// here, once: the error, then what to do.
func Run(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 {
		if env.Resident == nil {
			usage(env.Stderr)
			return ExitUsage
		}
		return report(env.Stderr, env.Resident(ctx))
	}
	name := args[0]
	if name == "-h" || name == "--help" {
		name = "help"
	}
	for _, c := range commands {
		if c.name == name {
			return report(env.Stderr, c.run(ctx, env, args[1:]))
		}
	}
	fmt.Fprintf(env.Stderr, "tokentray: unknown command %q: run `tokentray help` for the list\n", args[0])
	return ExitUsage
}

// exitCodeError carries a child's exit code through (tokentray exec).
type exitCodeError struct{ code int }

func (e *exitCodeError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func report(w io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	var ec *exitCodeError
	if errors.As(err, &ec) {
		return ec.code
	}
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	msg := "tokentray: " + err.Error()
	if h := auth.Hint(err); h != "" {
		msg += "\n" + h
	}
	fmt.Fprintln(w, msg)
	var ue *usageError
	switch {
	case errors.As(err, &ue):
		return ExitUsage
	case errors.Is(err, keeper.ErrSignInNeeded), errors.Is(err, keeper.ErrSignedOut),
		errors.Is(err, auth.ErrBadCredentials), errors.Is(err, auth.ErrForbidden):
		return ExitSignInNeeded
	}
	return ExitError
}

// flags returns a FlagSet for a command that reports problems as usage errors.
func flags(env Env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("tokentray "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%v (run `%s -h`)", err, fs.Name())
	}
	return nil
}

// session is one account opened in this process.
type session struct {
	profile store.Profile
	store   *store.Store
	keeper  *keeper.Keeper
	stop    func() // stops the keeper's loop (if started) and waits for it
}

// open loads a profile ("" = the default one). With run, it starts the
// keeper's loop, which gets a token at once; without, the keeper only
// serves SignIn and SignOut.
func open(ctx context.Context, env Env, name string, run bool) (*session, error) {
	st, err := env.OpenStore()
	if err != nil {
		return nil, err
	}
	p, err := st.Profile(name)
	if errors.Is(err, store.ErrNoProfiles) {
		return nil, fmt.Errorf("%w: sign in with `tokentray login --region eu --username you@example.com`", err)
	}
	if err != nil {
		return nil, err
	}
	base, err := p.BaseURL()
	if err != nil {
		return nil, err
	}
	k := keeper.New(keeper.Config{
		Profile: p.Name, Username: p.Username,
		Client: env.NewClient(base), Creds: st.Credentials(p.Name),
	})
	s := &session{profile: p, store: st, keeper: k, stop: func() {}}
	if run {
		ctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { k.Run(ctx); close(done) }()
		s.stop = func() { cancel(); <-done }
	}
	return s, nil
}

// token waits for a token with at least minValid left; a temporary failure
// is returned at once (scripts decide whether to try again).
func (s *session) token(ctx context.Context, minValid time.Duration) (*auth.Token, error) {
	if minValid < 0 {
		minValid = time.Duration(s.profile.Settings.MinValid)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	tok, err := s.keeper.Token(ctx, minValid)
	var sin *keeper.SignInNeededError
	if errors.As(err, &sin) || errors.Is(err, keeper.ErrSignedOut) {
		return nil, fmt.Errorf("%w (sign in with `tokentray login --profile %s ...`)", err, s.profile.Name)
	}
	if err != nil {
		return nil, err
	}
	if st := s.keeper.State(); st.Err != nil {
		// The token is good, but the rotated refresh token could not be
		// saved and dies with this process: say so rather than hide it.
		return nil, fmt.Errorf("got a token, but %w; the next run will need the stored password", st.Err)
	}
	return tok, nil
}

func trimLine(s string) string { return strings.TrimRight(s, "\r\n") }

// agentClient returns a client of the running agent, or nil when none
// answers (then the command works in-process).
func agentClient(ctx context.Context, env Env) *localapi.Client {
	if env.AgentSocket == "" {
		return nil
	}
	c := localapi.NewClient(env.AgentSocket)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx); err != nil {
		return nil
	}
	return c
}

// runWindow runs the window program (a separate executable, so that Fyne is
// not linked into this one) and passes its exit code through.
func runWindow(ctx context.Context, env Env, args []string) error {
	if len(args) > 0 {
		return usagef("window takes no arguments")
	}
	exe, err := agent.WindowExecutable()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = env.Stdin, env.Stdout, env.Stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &exitCodeError{code: ee.ExitCode()}
	}
	return err
}
