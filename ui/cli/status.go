package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/tokentray/tokentray/ui/localapi"
)

func runStatus(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "status")
	asJSON := fs.Bool("json", false, "print the agent's status as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	c := agentClient(ctx, env)
	if c == nil {
		if *asJSON {
			return fmt.Errorf("the TokenTray agent is not running: start it with `tokentray`")
		}
		fmt.Fprintln(env.Stderr, "The TokenTray agent is not running (start it with `tokentray`); accounts:")
		return runProfiles(ctx, env, nil)
	}
	st, err := c.Status(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	printStatus(env.Stdout, st, time.Now())
	return nil
}

// printStatus writes one line per account and the agent's own problems.
func printStatus(w io.Writer, st localapi.Status, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEFAULT\tNAME\tSTATE\tEXPIRES\tUSERNAME")
	for _, a := range st.Accounts {
		mark, expires := "", "-"
		if a.Name == st.Default {
			mark = "*"
		}
		if !a.Expiry.IsZero() {
			expires = fmt.Sprintf("%s (%s)", a.Expiry.Local().Format("15:04"), a.Expiry.Sub(now).Truncate(time.Minute))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", mark, a.Name, a.Phase, expires, a.Username)
	}
	tw.Flush()
	for _, a := range st.Accounts {
		if a.Error != "" {
			fmt.Fprintf(w, "%s: %s\n  %s\n", a.Name, a.Error, a.Hint)
		}
	}
	for _, problem := range []string{st.Clipboard, st.Notifications} {
		if problem != "" {
			fmt.Fprintln(w, problem)
		}
	}
	if !st.TrayHost {
		fmt.Fprintln(w, "No tray host is running, so the tray icon is hidden (on GNOME, enable the AppIndicator extension).")
	}
	fmt.Fprintf(w, "agent %s, pid %d\n", st.Version, st.PID)
}
