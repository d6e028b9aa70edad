package window

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/auth"
	"github.com/tokentray/tokentray/ui/localapi"
)

// regionLabel is a region as people know it: "Japan (jpn)".
func regionLabel(r auth.Region) string { return r.Name() + " (" + string(r) + ")" }

// regionOptions are the region select's options, in auth.Regions order.
func regionOptions() []string {
	opts := make([]string, len(auth.Regions))
	for i, r := range auth.Regions {
		opts[i] = regionLabel(r)
	}
	return opts
}

// regionFromLabel maps an option back to its region.
func regionFromLabel(s string) (auth.Region, bool) {
	for _, r := range auth.Regions {
		if regionLabel(r) == s {
			return r, true
		}
	}
	return "", false
}

// defaultAccountName is the name the agent gives an account left unnamed.
func defaultAccountName(region auth.Region, endpoint, username string) string {
	prefix := string(region)
	if strings.TrimSpace(endpoint) != "" {
		prefix = "custom"
	}
	if prefix == "" || username == "" {
		return ""
	}
	return prefix + "-" + username
}

// looksLikeEmail is a loose check: ESET API users sign in with an email.
func looksLikeEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t") &&
		strings.Contains(s[at+1:], ".")
}

// failure is an error as the window shows it: what happened, what to do,
// and the request-id ESET support asks for.
type failure struct {
	Message, Hint, RequestID string
}

// describe turns an API error into a failure.
func describe(err error) failure {
	if errors.Is(err, localapi.ErrNoAgent) {
		return failure{
			Message: "TokenTray is not running.",
			Hint:    "Start it with `tokentray`, then try again; nothing you typed is lost.",
		}
	}
	f := failure{Message: err.Error(), Hint: auth.Hint(err), RequestID: auth.RequestID(err)}
	if f.RequestID != "" {
		// Shown on its own line, with a copy button.
		f.Message = strings.ReplaceAll(f.Message, "; request-id "+f.RequestID, "")
		f.Message = strings.ReplaceAll(f.Message, " (request-id "+f.RequestID+")", "")
	}
	f.Message = sentence(f.Message)
	if f.Hint == "" {
		var le *localapi.Error
		switch {
		case errors.As(err, &le) && le.Body.Code == localapi.CodeBadRequest:
			f.Hint = "Correct the form and try again."
		case errors.Is(err, context.DeadlineExceeded):
			f.Hint = "ESET or the agent took too long to answer; check the network and try again."
		case errors.As(err, &le) && le.Body.Code == localapi.CodeUnavailable:
			f.Hint = "This is temporary: try again in a moment."
		}
	}
	return f
}

// sentence capitalises s and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "!") && !strings.HasSuffix(s, "?") {
		s += "."
	}
	return s
}

// phaseText is an account's phase as the window shows it, and how loud.
func phaseText(a localapi.Account) (string, widget.Importance) {
	switch a.Phase {
	case localapi.PhaseFresh:
		return "Fresh", widget.SuccessImportance
	case localapi.PhaseRefreshing:
		return "Refreshing…", widget.MediumImportance
	case localapi.PhaseSigningIn:
		return "Signing in…", widget.MediumImportance
	case localapi.PhaseExpiring:
		return "Expiring soon", widget.WarningImportance
	case localapi.PhaseFailing:
		return "Failing, retrying", widget.WarningImportance
	case localapi.PhaseSignInNeeded:
		return "Sign-in needed", widget.DangerImportance
	case localapi.PhaseSignedOut:
		return "Signed out", widget.LowImportance
	case "":
		return "Unknown", widget.LowImportance
	}
	return sentence(a.Phase), widget.MediumImportance
}

// timeLeft says how long the token has left at now.
func timeLeft(expiry, now time.Time) string {
	if expiry.IsZero() {
		return "no token"
	}
	d := expiry.Round(0).Sub(now.Round(0))
	if d <= 0 {
		return "expired"
	}
	d = d.Truncate(time.Second)
	if d >= time.Hour {
		return fmt.Sprintf("%dh %02dm left", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dm %02ds left", int(d.Minutes()), int(d.Seconds())%60)
}

// lifetimeLeft is the fraction of the token's lifetime (obtained..expiry)
// still ahead at now, in [0, 1].
func lifetimeLeft(obtained, expiry, now time.Time) float64 {
	if obtained.IsZero() || expiry.IsZero() || !expiry.After(obtained) {
		return 0
	}
	f := float64(expiry.Round(0).Sub(now.Round(0))) / float64(expiry.Sub(obtained))
	return min(1, max(0, f))
}

// shortDuration prints d without zero units: 5m, 1h, 1h30m, 45s, 0.
func shortDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// parseDuration reads a duration a person typed: "5m", "90s", "1h30m", or
// a bare number of minutes ("5"). Negative durations are refused.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("enter a duration like 5m, 90s or 1h")
	}
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err == nil && fmt.Sprint(n) == s {
		s += "m"
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: use e.g. 5m, 90s or 1h", s)
	}
	if d < 0 {
		return 0, errors.New("durations cannot be negative")
	}
	return d, nil
}

// timeStamp prints t in local time and in UTC.
func timeStamp(t time.Time) (local, utc string) {
	if t.IsZero() {
		return "—", "—"
	}
	return t.Local().Format("2006-01-02 15:04:05 MST"), t.UTC().Format("2006-01-02 15:04:05 UTC")
}
