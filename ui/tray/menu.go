package tray

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tokentray/tokentray/assets"
	"github.com/tokentray/tokentray/ui/localapi"
)

// Action is what clicking a menu item asks the agent to do.
type Action int

// Actions. The zero value, ActionNone, marks lines that only inform.
const (
	ActionNone       Action = iota
	ActionCopyToken         // copy the account's access token
	ActionCopyHeader        // copy "Authorization: Bearer <token>"
	ActionRefresh           // refresh the account's token now
	ActionSignIn            // sign the account in (Profile "" adds an account)
	ActionSignOut           // sign the account out
	ActionOpen              // open the TokenTray window
	ActionQuit              // quit TokenTray
)

var actionNames = [...]string{"none", "copy-token", "copy-header", "refresh", "sign-in", "sign-out", "open", "quit"}

// String names the action ("copy-token", ...), for logs and test output.
func (a Action) String() string {
	if a < 0 || int(a) >= len(actionNames) {
		return fmt.Sprintf("Action(%d)", int(a))
	}
	return actionNames[a]
}

// Item is one menu entry, as Menu builds it and the tray shows it.
type Item struct {
	// Label is the text shown.
	Label string
	// Tooltip explains the item (shown on Windows and macOS; the Linux
	// dbusmenu protocol has no item tooltips).
	Tooltip string
	// Action is what a click asks for; ActionNone for information lines
	// and submenus.
	Action Action
	// Profile names the account the item is about ("" when none).
	Profile string
	// Disabled greys the item out; clicks on it are ignored.
	Disabled bool
	// Children, when not empty, make the item a submenu.
	Children []Item
	// Separator makes the item a separator line; the other fields are unused.
	Separator bool
}

// Labels. Ellipses mark items that need more input (or show a quoted
// token-bearing line without the token).
const (
	appName         = "TokenTray"
	labelNoAccount  = "No account yet"
	labelStarting   = "Starting…"
	labelCopyToken  = "Copy token"
	labelCopyHeader = `Copy "Authorization: Bearer …"`
	labelRefresh    = "Refresh now"
	labelSignIn     = "Sign in…"
	labelSignOut    = "Sign out"
	labelOpen       = "Open " + appName + "…"
	labelQuit       = "Quit"
	// maxReason bounds error texts in labels: menus grow as wide as their
	// widest line.
	maxReason = 60
)

var separator = Item{Separator: true}

// Menu builds the tray menu for st at time now. It is a pure function of
// its arguments, so the menu is tested without a tray host; the tray calls
// it on every state change and when NextChange says a label changes.
//
// Layout: with no account, a "No account yet" line and "Sign in…"; with one,
// its status line and its items (copy token, copy header, refresh, sign in
// or out); with several, the default account's copy items on top and one
// submenu per account, labelled with its status line. Then "Open TokenTray…"
// and "Quit". When copying cannot work (st.Clipboard), a disabled line says
// why: item tooltips, which also say so, do not exist on Linux. Whether a
// tray host is present (st.TrayHost) does not change the menu, which stays
// exported for a host that starts later.
func Menu(st localapi.Status, now time.Time) []Item {
	var items []Item
	switch len(st.Accounts) {
	case 0:
		items = append(items,
			Item{Label: labelNoAccount, Disabled: true},
			Item{Label: labelSignIn, Tooltip: "Add an ESET Connect API account", Action: ActionSignIn},
		)
	case 1:
		a := st.Accounts[0]
		items = append(items, Item{Label: StatusLine(a, now), Profile: a.Name, Disabled: true})
		items = append(items, infoLines(a, st)...)
		items = append(items, accountItems(a, st, now, "")...)
	default:
		if st.Clipboard != "" {
			items = append(items, clipboardLine(st))
		}
		if d, ok := st.Find(st.Default); ok && st.Default != "" {
			suffix := " (" + d.Name + ")"
			items = append(items, copyItems(d, st, now, suffix)...)
			items = append(items, separator)
		}
		for _, a := range st.Accounts {
			var children []Item
			if a.Hint != "" {
				children = append(children, Item{Label: short(a.Hint), Profile: a.Name, Disabled: true})
			}
			children = append(children, accountItems(a, st, now, "")...)
			items = append(items, Item{Label: StatusLine(a, now), Profile: a.Name, Children: children})
		}
	}
	return append(items, separator,
		Item{Label: labelOpen, Tooltip: "Accounts, sign-in and settings", Action: ActionOpen},
		Item{Label: labelQuit, Tooltip: "Quit " + appName + ": tokens are no longer kept fresh", Action: ActionQuit},
	)
}

// placeholder is the menu until the first state arrives.
func placeholder() []Item {
	return []Item{
		{Label: labelStarting, Disabled: true},
		separator,
		{Label: labelOpen, Action: ActionOpen},
		{Label: labelQuit, Action: ActionQuit},
	}
}

// infoLines are the single-account menu's lines under the status line.
func infoLines(a localapi.Account, st localapi.Status) []Item {
	var items []Item
	if a.Hint != "" {
		items = append(items, Item{Label: short(a.Hint), Profile: a.Name, Disabled: true})
	}
	if st.Clipboard != "" {
		items = append(items, clipboardLine(st))
	}
	return items
}

func clipboardLine(st localapi.Status) Item {
	return Item{Label: "Copying unavailable: " + short(st.Clipboard), Tooltip: st.Clipboard, Disabled: true}
}

// accountItems are one account's actions; suffix is appended to the copy
// labels.
func accountItems(a localapi.Account, st localapi.Status, now time.Time, suffix string) []Item {
	items := copyItems(a, st, now, suffix)
	refresh := Item{Label: labelRefresh, Tooltip: "Get a new token for " + a.Name + " now", Action: ActionRefresh, Profile: a.Name}
	switch a.Phase {
	case localapi.PhaseSignedOut, localapi.PhaseSignInNeeded, localapi.PhaseSigningIn:
		refresh.Disabled = true
		refresh.Tooltip = noToken(a)
	}
	items = append(items, refresh)
	switch {
	case a.Phase == localapi.PhaseSignedOut || a.Phase == localapi.PhaseSignInNeeded:
		items = append(items, Item{Label: labelSignIn, Tooltip: "Sign " + a.Name + " in", Action: ActionSignIn, Profile: a.Name})
	case signedIn(a):
		items = append(items, Item{Label: labelSignOut, Tooltip: "Sign " + a.Name + " out", Action: ActionSignOut, Profile: a.Name})
	}
	return items
}

// copyItems are the two copy items for a.
func copyItems(a localapi.Account, st localapi.Status, now time.Time, suffix string) []Item {
	tok := Item{Label: labelCopyToken + suffix, Tooltip: "Copy " + a.Name + "'s access token", Action: ActionCopyToken, Profile: a.Name}
	hdr := Item{Label: labelCopyHeader + suffix, Tooltip: "Copy the Authorization header line for " + a.Name, Action: ActionCopyHeader, Profile: a.Name}
	why := st.Clipboard
	if why == "" {
		why = tokenUnavailable(a, now)
	}
	if why != "" {
		tok.Disabled, tok.Tooltip = true, why
		hdr.Disabled, hdr.Tooltip = true, why
	}
	return []Item{tok, hdr}
}

func signedIn(a localapi.Account) bool {
	switch a.Phase {
	case localapi.PhaseFresh, localapi.PhaseRefreshing, localapi.PhaseExpiring, localapi.PhaseFailing:
		return true
	}
	return false
}

// tokenUnavailable says why no token can be had for a ("" when one can:
// a copy may still wait for a refresh or a sign-in under way).
func tokenUnavailable(a localapi.Account, now time.Time) string {
	switch a.Phase {
	case localapi.PhaseSignedOut, localapi.PhaseSignInNeeded:
		return noToken(a)
	case localapi.PhaseFailing:
		if a.Expiry.IsZero() || !now.Before(a.Expiry) {
			return a.Name + " has no valid token"
		}
	}
	return ""
}

func noToken(a localapi.Account) string {
	switch a.Phase {
	case localapi.PhaseSignedOut:
		return a.Name + " is signed out"
	case localapi.PhaseSigningIn:
		return a.Name + " is signing in"
	}
	return a.Name + " needs a sign-in"
}

// StatusLine describes an account in one line: where and who, then its
// state, e.g. "eu · api@corp.example — valid until 14:32 (47 min)".
// Times are HH:MM in now's location; minutes left are whole minutes,
// rounded down ("less than a minute" under one). A custom endpoint shows
// its host instead of the region. Error texts are cut short; the Status
// they come from holds no secret.
func StatusLine(a localapi.Account, now time.Time) string {
	return where(a) + " — " + phaseText(a, now, true)
}

// where is "region · username" (endpoint host for a custom endpoint).
func where(a localapi.Account) string {
	place := a.Region
	if a.Endpoint != "" {
		place = a.Endpoint
		if u, err := url.Parse(a.Endpoint); err == nil && u.Host != "" {
			place = u.Hostname()
		}
	}
	who := a.Username
	if who == "" {
		who = a.Name
	}
	switch {
	case place == "":
		return who
	case who == "":
		return place
	}
	return place + " · " + who
}

// phaseText is the state part of a status line; with minutes, a valid
// token's remaining minutes are counted.
func phaseText(a localapi.Account, now time.Time, minutes bool) string {
	reason := short(a.Error)
	switch a.Phase {
	case localapi.PhaseFresh:
		if a.Expiry.IsZero() {
			return "signed in"
		}
		left := a.Expiry.Sub(now)
		if left <= 0 {
			return "expired at " + clock(a.Expiry, now)
		}
		s := "valid until " + clock(a.Expiry, now)
		if minutes {
			s += " (" + minutesLeft(left) + ")"
		}
		return s
	case localapi.PhaseSignedOut:
		return "signed out"
	case localapi.PhaseSigningIn:
		return "signing in…"
	case localapi.PhaseRefreshing:
		return "refreshing…"
	case localapi.PhaseSignInNeeded:
		return withReason("sign-in needed", reason)
	case localapi.PhaseExpiring:
		s := withReason("retrying", reason)
		switch {
		case a.Expiry.IsZero():
		case a.Expiry.After(now):
			s += " (valid until " + clock(a.Expiry, now) + ")"
		default:
			s += " (expired at " + clock(a.Expiry, now) + ")"
		}
		return s
	case localapi.PhaseFailing:
		return withReason("failing", reason)
	}
	return withReason(a.Phase, reason)
}

func withReason(s, reason string) string {
	if reason == "" {
		return s
	}
	return s + ": " + reason
}

// clock is t as HH:MM in now's location.
func clock(t, now time.Time) string { return t.In(now.Location()).Format("15:04") }

// wholeMinutes is the minute count shown for left > 0: whole minutes left
// after this instant, so the count stays constant on half-open intervals
// [expiry-(k+1)m, expiry-km) and NextChange can name the instant it drops.
// (It differs from rounding left down only when left is an exact number of
// minutes, for an instant.)
func wholeMinutes(left time.Duration) int64 { return int64((left - 1) / time.Minute) }

func minutesLeft(left time.Duration) string {
	if m := wholeMinutes(left); m > 0 {
		return fmt.Sprintf("%d min", m)
	}
	return "less than a minute"
}

// short keeps a reason to one line of at most maxReason characters,
// cutting at a word boundary and marking the cut with "…".
func short(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	if utf8.RuneCountInString(s) <= maxReason {
		return s
	}
	r := []rune(s)[:maxReason-1]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > maxReason/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:-") + "…"
}

// defaultAccount is the account the icon and tooltip are about: the
// default one, or the only one.
func defaultAccount(st localapi.Status) (localapi.Account, bool) {
	if st.Default != "" {
		if a, ok := st.Find(st.Default); ok {
			return a, true
		}
	}
	if len(st.Accounts) == 1 {
		return st.Accounts[0], true
	}
	return localapi.Account{}, false
}

// Icon chooses the tray icon: attention when any account needs a sign-in
// or is failing; busy when any is refreshing, signing in or retrying, or
// when the default account's token expires within its NotifyLead (so its
// holder knows to copy a fresh one); fresh when an account is fresh;
// signed out otherwise (no accounts, or none signed in). It takes now
// because the NotifyLead rule depends on the time; that keeps it pure.
func Icon(st localapi.Status, now time.Time) assets.IconState {
	var busy, fresh bool
	for _, a := range st.Accounts {
		switch a.Phase {
		case localapi.PhaseSignInNeeded, localapi.PhaseFailing:
			return assets.IconAttention
		case localapi.PhaseRefreshing, localapi.PhaseSigningIn, localapi.PhaseExpiring:
			busy = true
		case localapi.PhaseFresh:
			fresh = true
		}
	}
	if d, ok := defaultAccount(st); ok && d.Phase == localapi.PhaseFresh && expiresSoon(d, now) {
		busy = true
	}
	switch {
	case busy:
		return assets.IconBusy
	case fresh:
		return assets.IconFresh
	}
	return assets.IconSignedOut
}

// expiresSoon reports whether a's token expires within its NotifyLead.
func expiresSoon(a localapi.Account, now time.Time) bool {
	return !a.Expiry.IsZero() && !now.Before(a.Expiry.Add(-time.Duration(a.NotifyLead)))
}

// Tooltip is the tray icon's tooltip: at most two lines, the first about
// the default (or only) account, e.g. "TokenTray — eu-api: valid until
// 14:32", the second about other accounts that need attention, or why
// copying does not work.
func Tooltip(st localapi.Status, now time.Time) string {
	if len(st.Accounts) == 0 {
		return appName + " — " + strings.ToLower(labelNoAccount)
	}
	d, ok := defaultAccount(st)
	var first string
	if ok {
		first = appName + " — " + name(d) + ": " + phaseText(d, now, false)
	} else {
		first = fmt.Sprintf("%s — %d accounts", appName, len(st.Accounts))
	}
	var others []localapi.Account
	for _, a := range st.Accounts {
		if ok && a.Name == d.Name {
			continue
		}
		if a.Phase == localapi.PhaseSignInNeeded || a.Phase == localapi.PhaseFailing || a.Phase == localapi.PhaseExpiring {
			others = append(others, a)
		}
	}
	var second string
	switch {
	case len(others) == 1:
		second = name(others[0]) + ": " + phaseText(others[0], now, false)
	case len(others) > 1:
		second = fmt.Sprintf("%d other accounts need attention", len(others))
	case st.Clipboard != "":
		second = "Copying unavailable: " + short(st.Clipboard)
	}
	if second == "" {
		return first
	}
	return first + "\n" + second
}

func name(a localapi.Account) string {
	if a.Name != "" {
		return a.Name
	}
	return where(a)
}

// NextChange is the first instant after now at which Menu, Icon or Tooltip
// would give something else for the same st: a countdown's minute count
// drops, a token expires, or the default account's token enters its
// NotifyLead. It is the zero time when nothing changes with time alone, so
// the tray sets one timer per change, never a ticker. While any countdown
// runs the next change is at most a minute away.
func NextChange(st localapi.Status, now time.Time) time.Time {
	var next time.Time
	consider := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, a := range st.Accounts {
		if a.Expiry.IsZero() {
			continue
		}
		switch a.Phase {
		case localapi.PhaseFresh:
			if left := a.Expiry.Sub(now); left > 0 {
				consider(a.Expiry.Add(-time.Duration(wholeMinutes(left)) * time.Minute))
			}
		case localapi.PhaseExpiring, localapi.PhaseFailing:
			consider(a.Expiry) // "valid until" becomes "expired at"; copying stops
		}
	}
	// The icon turns busy when the default account's token enters its
	// notify lead, unless it is busy (or worse) already.
	if d, ok := defaultAccount(st); ok && d.Phase == localapi.PhaseFresh && !d.Expiry.IsZero() && Icon(st, now) == assets.IconFresh {
		consider(d.Expiry.Add(-time.Duration(d.NotifyLead)))
	}
	return next
}
