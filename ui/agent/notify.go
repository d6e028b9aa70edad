package agent

import (
	"context"
	"fmt"
	"time"

	"github.com/tokentray/tokentray/auth/keeper"
	"github.com/tokentray/tokentray/ui/localapi"
)

// keepsFailing is how many failed refreshes in a row, while the token still
// works, make a notification worth it (one failure is usually a blip).
const keepsFailing = 3

// checkNotifications queues the notifications st calls for and returns how
// long until the next expiry warning is due (an hour when none is).
//
// Three things are worth interrupting a person for: the token they handed
// out (copied or printed) is about to expire, refreshing keeps failing,
// and a new sign-in is needed. Each is sent once per occurrence.
func (a *Agent) checkNotifications(st localapi.Status) time.Duration {
	now := a.opts.Now()
	next := time.Hour
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range st.Accounts {
		acc := a.accounts[s.Name]
		if acc == nil {
			continue
		}
		switch s.Phase {
		case localapi.PhaseFresh:
			acc.alerted = 0
		case localapi.PhaseSignInNeeded:
			if acc.alerted != keeper.SignInNeeded {
				acc.alerted = keeper.SignInNeeded
				a.queue(fmt.Sprintf("Sign-in needed: %s", s.Name), joinSentences(s.Error, s.Hint))
			}
		case localapi.PhaseFailing, localapi.PhaseExpiring:
			// Failing: no valid token is left. Expiring: the token still
			// works, but three attempts in a row failed, so it may not be
			// renewed in time.
			if acc.alerted == 0 && (s.Phase == localapi.PhaseFailing || s.Failures >= keepsFailing) {
				acc.alerted = keeper.Failing
				a.queue(fmt.Sprintf("Cannot refresh the token of %s", s.Name),
					joinSentences(s.Error, "TokenTray keeps retrying."))
			}
		}
		if s.HandedOut.IsZero() || !acc.leadSent.Before(s.HandedOut) {
			continue
		}
		warnAt := s.HandedOut.Add(-time.Duration(s.NotifyLead))
		switch {
		case !now.Before(s.HandedOut):
			acc.leadSent = s.HandedOut // expired unnoticed (asleep): nothing to warn about
		case !now.Before(warnAt):
			acc.leadSent = s.HandedOut
			left := s.HandedOut.Sub(now)
			a.queue(fmt.Sprintf("Token of %s expires at %s", s.Name, s.HandedOut.Local().Format("15:04")),
				fmt.Sprintf("The token you copied expires in %s. Copy a fresh one from the TokenTray menu or run `tokentray token`.", fmtMinutes(left)))
		default:
			next = min(next, warnAt.Sub(now))
		}
	}
	return max(next, time.Second)
}

func fmtMinutes(d time.Duration) string {
	switch m := int(d.Minutes()); {
	case m > 1:
		return fmt.Sprintf("%d minutes", m)
	case m == 1:
		return "a minute"
	}
	return "less than a minute"
}

func joinSentences(parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += " "
		}
		out += p
	}
	return out
}

// queue hands a notification to notifyLoop without blocking (a.mu held).
func (a *Agent) queue(title, message string) {
	select {
	case a.notes <- note{title, message}:
	default:
		a.log.Warn("notification dropped: too many queued", "title", title)
	}
}

// notifyLoop shows notifications one at a time, off the agent's loop (a
// notification server can take seconds to answer, or none may exist).
func (a *Agent) notifyLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case n := <-a.notes:
			err := a.opts.Notifier.Notify(n.title, n.message)
			a.mu.Lock()
			was := a.notifyErr
			a.notifyErr = ""
			if err != nil {
				a.notifyErr = fmt.Sprintf("notifications are not shown: %v", err)
			}
			changed := was != a.notifyErr
			a.mu.Unlock()
			if err != nil && changed {
				a.log.Warn("no notification server answered; notifications are off until one does", "err", err)
			}
			if changed {
				a.markDirty()
			}
			a.log.Info("notified", "title", n.title)
		}
	}
}
