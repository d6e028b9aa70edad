package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tokentray/tokentray/auth"
	"github.com/tokentray/tokentray/auth/keeper"
	"github.com/tokentray/tokentray/auth/store"
	"github.com/tokentray/tokentray/ui/localapi"
)

func runLogin(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "login")
	name := fs.String("profile", "", "account name (default: REGION-USERNAME)")
	region := fs.String("region", "", "ESET region: eu, de, us, ca or jpn")
	endpoint := fs.String("endpoint", "", "custom base URL (https; http only for localhost), instead of --region")
	username := fs.String("username", "", "the API user's email")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	noRemember := fs.Bool("no-remember", false, "keep the password out of the keyring (a rejected refresh token then needs a new login)")
	makeDefault := fs.Bool("default", false, "make this the default account")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("login takes no arguments (got %q); the password is read from a prompt or --password-stdin, never from arguments", fs.Arg(0))
	}
	p := store.Profile{Name: *name, Endpoint: *endpoint, Username: strings.TrimSpace(*username), Settings: store.DefaultSettings()}
	p.Settings.RememberPassword = !*noRemember
	switch {
	case p.Username == "":
		return usagef("--username is required: the API user's email")
	case *region == "" && *endpoint == "":
		return usagef("--region is required: one of eu, de, us, ca, jpn")
	}
	if *region != "" {
		r, err := auth.ParseRegion(*region)
		if err != nil {
			return &usageError{err.Error()}
		}
		p.Region = r
	}
	if p.Name == "" {
		p.Name = defaultName(p)
	}
	if err := p.Validate(); err != nil {
		return &usageError{err.Error()}
	}
	base, err := p.BaseURL()
	if err != nil {
		return &usageError{err.Error()}
	}
	if !strings.Contains(p.Username, "@") {
		fmt.Fprintf(env.Stderr, "tokentray: warning: %q is not an email address; ESET API users sign in with their email\n", p.Username)
	}

	password, err := readPassword(env, *fromStdin, p.Username)
	if err != nil {
		return err
	}
	if c := agentClient(ctx, env); c != nil {
		acc, err := c.SignIn(ctx, localapi.SignInRequest{
			Profile: p.Name, Region: string(p.Region), Endpoint: p.Endpoint, Username: p.Username,
			Password: password, Remember: p.Settings.RememberPassword, MakeDefault: *makeDefault,
		})
		if err != nil {
			return fmt.Errorf("signing in to %s as %s: %w", base, p.Username, err)
		}
		fmt.Fprintf(env.Stderr, "Signed in as %s (account %q); token valid until %s.\n",
			p.Username, acc.Name, acc.Expiry.Local().Format("15:04"))
		return nil
	}
	st, err := env.OpenStore()
	if err != nil {
		return err
	}
	// Check the account can be saved before any secret is stored: a name
	// that differs from another only in case, or a corrupt config file,
	// would otherwise leave keyring items behind.
	cfg, err := st.Load()
	if err != nil {
		return err
	}
	if old, ok := cfg.Find(p.Name); ok {
		p.Settings = old.Settings // signing in again keeps the account's settings
		p.Settings.RememberPassword = !*noRemember
	}
	for _, q := range cfg.Profiles {
		if q.Name != p.Name && strings.EqualFold(q.Name, p.Name) {
			return usagef("account %q already exists (names ignore case): use --profile %s, or another name", q.Name, q.Name)
		}
	}
	creds := st.Credentials(p.Name)
	k := keeper.New(keeper.Config{Profile: p.Name, Username: p.Username, Client: env.NewClient(base), Creds: creds})
	if err := k.SignIn(ctx, password, p.Settings.RememberPassword); err != nil {
		return fmt.Errorf("signing in to %s as %s: %w", base, p.Username, err)
	}
	if err := st.SaveProfile(ctx, p, *makeDefault); err != nil {
		// Leave nothing behind for an account that was not saved.
		if _, found := cfg.Find(p.Name); !found {
			creds.SetRefreshToken(ctx, "")
			creds.SetPassword(ctx, "")
		}
		return err
	}
	st2 := k.State()
	fmt.Fprintf(env.Stderr, "Signed in as %s (account %q); token valid until %s.\n",
		p.Username, p.Name, st2.Expiry.Local().Format("15:04"))
	return nil
}

// defaultName is REGION-USERNAME, or the endpoint's host for a custom one.
func defaultName(p store.Profile) string {
	prefix := string(p.Region)
	if p.Endpoint != "" {
		prefix = "custom"
	}
	return prefix + "-" + p.Username
}

func readPassword(env Env, fromStdin bool, username string) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(io.LimitReader(env.Stdin, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("reading the password from standard input: %w", err)
		}
		if pw := trimLine(line); pw != "" {
			return pw, nil
		}
		return "", usagef("standard input held no password: pipe it in, e.g. `secret-tool lookup ... | tokentray login ... --password-stdin`")
	}
	pw, ok, err := env.ReadPassword(fmt.Sprintf("Password for %s: ", username))
	switch {
	case err != nil:
		return "", fmt.Errorf("reading the password: %w", err)
	case !ok:
		return "", usagef("standard input is not a terminal: pass the password on standard input with --password-stdin")
	case pw == "":
		return "", usagef("no password entered")
	}
	return pw, nil
}
