package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
)

func runProfiles(_ context.Context, env Env, args []string) error {
	if len(args) > 0 {
		return usagef("profiles takes no arguments")
	}
	st, err := env.OpenStore()
	if err != nil {
		return err
	}
	cfg, err := st.Load()
	if err != nil {
		return err
	}
	if len(cfg.Profiles) == 0 {
		fmt.Fprintln(env.Stderr, "No accounts yet: sign in with `tokentray login --region eu --username you@example.com`.")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEFAULT\tNAME\tREGION\tUSERNAME")
	for _, p := range cfg.Profiles {
		mark, where := "", string(p.Region)
		if p.Name == cfg.Default {
			mark = "*"
		}
		if p.Endpoint != "" {
			where = p.Endpoint
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", mark, p.Name, where, p.Username)
	}
	return tw.Flush()
}

func runLogout(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "logout")
	name := fs.String("profile", "", "account name (default: the default account)")
	forget := fs.Bool("forget", false, "also delete the stored password")
	if err := parse(fs, args); err != nil {
		return err
	}
	what := "the refresh token"
	if *forget {
		what += " and the password"
	}
	if c := agentClient(ctx, env); c != nil {
		if err := c.SignOut(ctx, *name, *forget); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "Signed out: %s deleted from the keyring.\n", what)
		return nil
	}
	s, err := open(ctx, env, *name, false)
	if err != nil {
		return err
	}
	defer s.stop()
	if err := s.keeper.SignOut(ctx, *forget); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "Signed out of %q: %s deleted from the keyring.\n", s.profile.Name, what)
	return nil
}
