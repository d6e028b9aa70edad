package tray

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/assets"
	"github.com/tokentray/tokentray/ui/localapi"
)

// The tests run in a fixed zone an hour east of UTC, so "local time" is
// visibly not UTC.
var (
	cet   = time.FixedZone("CET", 60*60)
	now   = time.Date(2026, 3, 10, 13, 45, 10, 0, cet)
	in47m = now.Add(47*time.Minute + 30*time.Second).UTC() // 14:32:40 CET
)

func account(name, phase string, opts ...func(*localapi.Account)) localapi.Account {
	a := localapi.Account{
		Name: name, Region: "eu", Username: "api@corp.example", Phase: phase,
		MinValid: localapi.Duration(5 * time.Minute), NotifyLead: localapi.Duration(5 * time.Minute),
	}
	if phase != localapi.PhaseSignedOut && phase != localapi.PhaseSignInNeeded && phase != localapi.PhaseSigningIn {
		a.Obtained, a.Expiry = in47m.Add(-time.Hour), in47m
	}
	for _, o := range opts {
		o(&a)
	}
	return a
}

func expiry(t time.Time) func(*localapi.Account) {
	return func(a *localapi.Account) { a.Expiry = t }
}

func errText(err, hint string) func(*localapi.Account) {
	return func(a *localapi.Account) { a.Error, a.Hint = err, hint }
}

func TestStatusLine(t *testing.T) {
	long := "the ESET server did not answer within 30 seconds, three times in a row, while refreshing"
	for _, c := range []struct {
		name string
		a    localapi.Account
		want string
	}{
		{"fresh", account("eu-api", localapi.PhaseFresh), "eu · api@corp.example — valid until 14:32 (47 min)"},
		{"fresh, exactly 47 min: 46 whole minutes after this instant", account("a", localapi.PhaseFresh, expiry(now.Add(47*time.Minute))),
			"eu · api@corp.example — valid until 14:32 (46 min)"},
		{"fresh, 59.9 s", account("a", localapi.PhaseFresh, expiry(now.Add(59900*time.Millisecond))),
			"eu · api@corp.example — valid until 13:46 (less than a minute)"},
		{"fresh, 1 min 0.1 s", account("a", localapi.PhaseFresh, expiry(now.Add(time.Minute+100*time.Millisecond))),
			"eu · api@corp.example — valid until 13:46 (1 min)"},
		{"fresh but expired (after a wake)", account("a", localapi.PhaseFresh, expiry(now.Add(-time.Second))),
			"eu · api@corp.example — expired at 13:45"},
		{"fresh without expiry", account("a", localapi.PhaseFresh, expiry(time.Time{})), "eu · api@corp.example — signed in"},
		{"custom endpoint", account("a", localapi.PhaseSignedOut, func(a *localapi.Account) {
			a.Region, a.Endpoint = "", "https://iam.test.example:8443/base"
		}), "iam.test.example · api@corp.example — signed out"},
		{"endpoint beats region", account("a", localapi.PhaseSignedOut, func(a *localapi.Account) {
			a.Endpoint = "https://iam.test.example"
		}), "iam.test.example · api@corp.example — signed out"},
		{"no region, no username", account("solo", localapi.PhaseSignedOut, func(a *localapi.Account) {
			a.Region, a.Username = "", ""
		}), "solo — signed out"},
		{"signing in", account("a", localapi.PhaseSigningIn), "eu · api@corp.example — signing in…"},
		{"refreshing", account("a", localapi.PhaseRefreshing), "eu · api@corp.example — refreshing…"},
		{"sign-in needed", account("a", localapi.PhaseSignInNeeded, errText("ESET rejected the password.", "Sign in again")),
			"eu · api@corp.example — sign-in needed: ESET rejected the password"},
		{"sign-in needed, no reason", account("a", localapi.PhaseSignInNeeded), "eu · api@corp.example — sign-in needed"},
		{"expiring", account("a", localapi.PhaseExpiring, errText("network unreachable", "")),
			"eu · api@corp.example — retrying: network unreachable (valid until 14:32)"},
		{"expiring, expired", account("a", localapi.PhaseExpiring, errText("network unreachable", ""), expiry(now)),
			"eu · api@corp.example — retrying: network unreachable (expired at 13:45)"},
		{"failing", account("a", localapi.PhaseFailing, errText("ESET answered 503\nrequest-id: 1234", "")),
			"eu · api@corp.example — failing: ESET answered 503"},
		{"long reason", account("a", localapi.PhaseFailing, errText(long, "")),
			"eu · api@corp.example — failing: the ESET server did not answer within 30 seconds, three…"},
		{"unknown phase", account("a", "confused", errText("why", "")), "eu · api@corp.example — confused: why"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := StatusLine(c.a, now); got != c.want {
				t.Errorf("StatusLine =\n  %q; want\n  %q", got, c.want)
			}
		})
	}
}

// dump renders items one per line: label [action profile disabled], with
// submenus indented and separators as "---".
func dump(items []Item) string {
	var b strings.Builder
	var walk func([]Item, string)
	walk = func(items []Item, indent string) {
		for _, it := range items {
			if it.Separator {
				b.WriteString(indent + "---\n")
				continue
			}
			attrs := []string{it.Action.String()}
			if it.Profile != "" {
				attrs = append(attrs, it.Profile)
			}
			if it.Disabled {
				attrs = append(attrs, "disabled")
			}
			fmt.Fprintf(&b, "%s%s [%s]\n", indent, it.Label, strings.Join(attrs, " "))
			walk(it.Children, indent+"  ")
		}
	}
	walk(items, "")
	return b.String()
}

const tail = `---
Open TokenTray… [open]
Quit [quit]
`

func TestMenu(t *testing.T) {
	fresh := account("eu-api", localapi.PhaseFresh)
	for _, c := range []struct {
		name string
		st   localapi.Status
		want string
	}{
		{"no account", localapi.Status{}, `No account yet [none disabled]
Sign in… [sign-in]
` + tail},
		{"one fresh", localapi.Status{Accounts: []localapi.Account{fresh}, Default: "eu-api"}, `eu · api@corp.example — valid until 14:32 (47 min) [none eu-api disabled]
Copy token [copy-token eu-api]
Copy "Authorization: Bearer …" [copy-header eu-api]
Refresh now [refresh eu-api]
Sign out [sign-out eu-api]
` + tail},
		{"one signed out", localapi.Status{Accounts: []localapi.Account{account("eu-api", localapi.PhaseSignedOut)}}, `eu · api@corp.example — signed out [none eu-api disabled]
Copy token [copy-token eu-api disabled]
Copy "Authorization: Bearer …" [copy-header eu-api disabled]
Refresh now [refresh eu-api disabled]
Sign in… [sign-in eu-api]
` + tail},
		{"one sign-in needed, with a hint", localapi.Status{Accounts: []localapi.Account{
			account("eu-api", localapi.PhaseSignInNeeded, errText("ESET rejected the password", "Passwords expire after 90 days: sign in with the new one")),
		}}, `eu · api@corp.example — sign-in needed: ESET rejected the password [none eu-api disabled]
Passwords expire after 90 days: sign in with the new one [none eu-api disabled]
Copy token [copy-token eu-api disabled]
Copy "Authorization: Bearer …" [copy-header eu-api disabled]
Refresh now [refresh eu-api disabled]
Sign in… [sign-in eu-api]
` + tail},
		{"one signing in", localapi.Status{Accounts: []localapi.Account{account("eu-api", localapi.PhaseSigningIn)}}, `eu · api@corp.example — signing in… [none eu-api disabled]
Copy token [copy-token eu-api]
Copy "Authorization: Bearer …" [copy-header eu-api]
Refresh now [refresh eu-api disabled]
` + tail},
		{"one failing, token still valid", localapi.Status{Accounts: []localapi.Account{account("eu-api", localapi.PhaseFailing, errText("ESET answered 503", ""))}}, `eu · api@corp.example — failing: ESET answered 503 [none eu-api disabled]
Copy token [copy-token eu-api]
Copy "Authorization: Bearer …" [copy-header eu-api]
Refresh now [refresh eu-api]
Sign out [sign-out eu-api]
` + tail},
		{"one failing, no token", localapi.Status{Accounts: []localapi.Account{account("eu-api", localapi.PhaseFailing, expiry(now.Add(-time.Minute)))}}, `eu · api@corp.example — failing [none eu-api disabled]
Copy token [copy-token eu-api disabled]
Copy "Authorization: Bearer …" [copy-header eu-api disabled]
Refresh now [refresh eu-api]
Sign out [sign-out eu-api]
` + tail},
		{"one fresh, clipboard unavailable", localapi.Status{Accounts: []localapi.Account{fresh}, Clipboard: "no X11 or Wayland display"}, `eu · api@corp.example — valid until 14:32 (47 min) [none eu-api disabled]
Copying unavailable: no X11 or Wayland display [none disabled]
Copy token [copy-token eu-api disabled]
Copy "Authorization: Bearer …" [copy-header eu-api disabled]
Refresh now [refresh eu-api]
Sign out [sign-out eu-api]
` + tail},
		{"several, with a default", localapi.Status{Default: "eu-api", Accounts: []localapi.Account{
			account("us-ops", localapi.PhaseSignInNeeded, errText("wrong password", "Sign in again"), func(a *localapi.Account) { a.Region, a.Username = "us", "ops@corp.example" }),
			fresh,
		}}, `Copy token (eu-api) [copy-token eu-api]
Copy "Authorization: Bearer …" (eu-api) [copy-header eu-api]
---
us · ops@corp.example — sign-in needed: wrong password [none us-ops]
  Sign in again [none us-ops disabled]
  Copy token [copy-token us-ops disabled]
  Copy "Authorization: Bearer …" [copy-header us-ops disabled]
  Refresh now [refresh us-ops disabled]
  Sign in… [sign-in us-ops]
eu · api@corp.example — valid until 14:32 (47 min) [none eu-api]
  Copy token [copy-token eu-api]
  Copy "Authorization: Bearer …" [copy-header eu-api]
  Refresh now [refresh eu-api]
  Sign out [sign-out eu-api]
` + tail},
		{"several, no default, clipboard unavailable", localapi.Status{Clipboard: "clipboard needs libX11", Accounts: []localapi.Account{
			account("a", localapi.PhaseRefreshing), account("b", localapi.PhaseSignedOut, func(a *localapi.Account) { a.Region = "de" }),
		}}, `Copying unavailable: clipboard needs libX11 [none disabled]
eu · api@corp.example — refreshing… [none a]
  Copy token [copy-token a disabled]
  Copy "Authorization: Bearer …" [copy-header a disabled]
  Refresh now [refresh a]
  Sign out [sign-out a]
de · api@corp.example — signed out [none b]
  Copy token [copy-token b disabled]
  Copy "Authorization: Bearer …" [copy-header b disabled]
  Refresh now [refresh b disabled]
  Sign in… [sign-in b]
` + tail},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Menu(c.st, now)
			if d := dump(got); d != c.want {
				t.Errorf("Menu =\n%s\nwant\n%s", d, c.want)
			}
			if last := got[len(got)-1]; last.Action != ActionQuit {
				t.Errorf("last item %q; want Quit", last.Label)
			}
			// The tray host's presence changes nothing: the menu stays
			// exported for a host that starts later.
			other := c.st
			other.TrayHost = !other.TrayHost
			if !reflect.DeepEqual(Menu(other, now), got) {
				t.Error("Menu depends on TrayHost")
			}
		})
	}
}

func TestMenuTooltipsSayWhyCopyIsDisabled(t *testing.T) {
	for _, c := range []struct {
		name string
		st   localapi.Status
		want string
	}{
		{"clipboard", localapi.Status{Clipboard: "no display", Accounts: []localapi.Account{account("eu-api", localapi.PhaseFresh)}}, "no display"},
		{"signed out", localapi.Status{Accounts: []localapi.Account{account("eu-api", localapi.PhaseSignedOut)}}, "eu-api is signed out"},
		{"sign-in needed", localapi.Status{Accounts: []localapi.Account{account("eu-api", localapi.PhaseSignInNeeded)}}, "eu-api needs a sign-in"},
		{"failing, expired", localapi.Status{Accounts: []localapi.Account{account("eu-api", localapi.PhaseFailing, expiry(now))}}, "eu-api has no valid token"},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := 0
			for _, it := range Menu(c.st, now) {
				if it.Action == ActionCopyToken || it.Action == ActionCopyHeader {
					n++
					if !it.Disabled || it.Tooltip != c.want {
						t.Errorf("%q: disabled %v, tooltip %q; want disabled, %q", it.Label, it.Disabled, it.Tooltip, c.want)
					}
				}
			}
			if n != 2 {
				t.Errorf("%d copy items; want 2", n)
			}
		})
	}
}

func TestIcon(t *testing.T) {
	st := func(def string, as ...localapi.Account) localapi.Status {
		return localapi.Status{Default: def, Accounts: as}
	}
	fresh := account("a", localapi.PhaseFresh)
	soon := account("a", localapi.PhaseFresh, expiry(now.Add(4*time.Minute))) // NotifyLead is 5 min
	for _, c := range []struct {
		name string
		st   localapi.Status
		want assets.IconState
	}{
		{"no accounts", st(""), assets.IconSignedOut},
		{"all signed out", st("", account("a", localapi.PhaseSignedOut), account("b", localapi.PhaseSignedOut)), assets.IconSignedOut},
		{"fresh", st("a", fresh), assets.IconFresh},
		{"only account fresh, no default set", st("", fresh), assets.IconFresh},
		{"fresh, expiring within NotifyLead", st("a", soon), assets.IconBusy},
		{"fresh, expires exactly at the lead", st("a", account("a", localapi.PhaseFresh, expiry(now.Add(5*time.Minute)))), assets.IconBusy},
		{"fresh, just outside the lead", st("a", account("a", localapi.PhaseFresh, expiry(now.Add(5*time.Minute+time.Second)))), assets.IconFresh},
		{"a non-default account near its lead", st("b", soon, account("b", localapi.PhaseFresh)), assets.IconFresh},
		{"refreshing", st("a", account("a", localapi.PhaseRefreshing)), assets.IconBusy},
		{"signing in", st("a", account("a", localapi.PhaseSigningIn)), assets.IconBusy},
		{"expiring", st("a", account("a", localapi.PhaseExpiring)), assets.IconBusy},
		{"sign-in needed beats busy", st("a", account("a", localapi.PhaseRefreshing), account("b", localapi.PhaseSignInNeeded)), assets.IconAttention},
		{"failing", st("a", fresh, account("b", localapi.PhaseFailing)), assets.IconAttention},
		{"default signed out, other fresh", st("a", account("a", localapi.PhaseSignedOut), account("b", localapi.PhaseFresh)), assets.IconFresh},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Icon(c.st, now); got != c.want {
				t.Errorf("Icon = %v; want %v", got, c.want)
			}
		})
	}
}

func TestTooltip(t *testing.T) {
	for _, c := range []struct {
		name string
		st   localapi.Status
		want string
	}{
		{"no accounts", localapi.Status{}, "TokenTray — no account yet"},
		{"one fresh", localapi.Status{Accounts: []localapi.Account{account("eu-api", localapi.PhaseFresh)}}, "TokenTray — eu-api: valid until 14:32"},
		{"default sign-in needed", localapi.Status{Default: "eu-api", Accounts: []localapi.Account{account("eu-api", localapi.PhaseSignInNeeded, errText("wrong password", ""))}},
			"TokenTray — eu-api: sign-in needed: wrong password"},
		{"another needs attention", localapi.Status{Default: "eu-api", Accounts: []localapi.Account{
			account("eu-api", localapi.PhaseFresh), account("us", localapi.PhaseFailing, errText("ESET answered 503", "")),
		}}, "TokenTray — eu-api: valid until 14:32\nus: failing: ESET answered 503"},
		{"several others", localapi.Status{Default: "eu-api", Accounts: []localapi.Account{
			account("eu-api", localapi.PhaseFresh), account("us", localapi.PhaseFailing), account("de", localapi.PhaseSignInNeeded), account("ca", localapi.PhaseFresh),
		}}, "TokenTray — eu-api: valid until 14:32\n2 other accounts need attention"},
		{"clipboard", localapi.Status{Clipboard: "no display", Accounts: []localapi.Account{account("eu-api", localapi.PhaseRefreshing)}},
			"TokenTray — eu-api: refreshing…\nCopying unavailable: no display"},
		{"no default", localapi.Status{Accounts: []localapi.Account{account("a", localapi.PhaseFresh), account("b", localapi.PhaseSignedOut)}},
			"TokenTray — 2 accounts"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Tooltip(c.st, now)
			if got != c.want {
				t.Errorf("Tooltip =\n  %q; want\n  %q", got, c.want)
			}
			if n := strings.Count(got, "\n") + 1; n > 2 {
				t.Errorf("Tooltip has %d lines; want at most 2", n)
			}
		})
	}
}

func TestNextChange(t *testing.T) {
	one := func(a localapi.Account) localapi.Status {
		return localapi.Status{Default: a.Name, Accounts: []localapi.Account{a}}
	}
	lead := func(d time.Duration) func(*localapi.Account) {
		return func(a *localapi.Account) { a.NotifyLead = localapi.Duration(d) }
	}
	for _, c := range []struct {
		name string
		st   localapi.Status
		want time.Duration // from now; 0 means the zero time
	}{
		{"no accounts", localapi.Status{}, 0},
		{"signed out", one(account("a", localapi.PhaseSignedOut)), 0},
		{"refreshing", one(account("a", localapi.PhaseRefreshing)), 0},
		{"fresh: the count drops at the next minute boundary", one(account("a", localapi.PhaseFresh)), 30 * time.Second},
		{"fresh, on a boundary: a minute later", one(account("a", localapi.PhaseFresh, expiry(now.Add(47*time.Minute)))), time.Minute},
		{"fresh, under a minute: at expiry", one(account("a", localapi.PhaseFresh, expiry(now.Add(20*time.Second)), lead(0))), 20 * time.Second},
		{"fresh, expired: nothing", one(account("a", localapi.PhaseFresh, expiry(now.Add(-time.Second)))), 0},
		{"the notify lead comes first", one(account("a", localapi.PhaseFresh, expiry(now.Add(5*time.Minute+40*time.Second)), lead(5*time.Minute+10*time.Second))), 30 * time.Second},
		{"expiring: at expiry", one(account("a", localapi.PhaseExpiring, expiry(now.Add(3*time.Minute)))), 3 * time.Minute},
		{"failing: at expiry (copying stops)", one(account("a", localapi.PhaseFailing, expiry(now.Add(90*time.Second)))), 90 * time.Second},
		{"the earliest account wins", localapi.Status{Accounts: []localapi.Account{
			account("a", localapi.PhaseFresh), account("b", localapi.PhaseFresh, expiry(now.Add(10*time.Minute+5*time.Second))),
		}}, 5 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			var want time.Time
			if c.want != 0 {
				want = now.Add(c.want)
			}
			if got := NextChange(c.st, now); !got.Equal(want) {
				t.Errorf("NextChange = %v; want %v", got, want)
			}
		})
	}
}

// TestNextChangeIsExact walks time second by second through a few hours of
// states and checks NextChange against what Menu, Icon and Tooltip actually
// give: nothing changes before it, something changes at it.
func TestNextChangeIsExact(t *testing.T) {
	start := time.Date(2026, 3, 10, 13, 0, 0, 0, cet)
	states := []localapi.Status{
		{Default: "a", Accounts: []localapi.Account{account("a", localapi.PhaseFresh, expiry(start.Add(61*time.Minute+17*time.Second)))}},
		{Default: "a", Accounts: []localapi.Account{
			account("a", localapi.PhaseFresh, expiry(start.Add(7*time.Minute+3*time.Second)), func(a *localapi.Account) { a.NotifyLead = localapi.Duration(150 * time.Second) }),
			account("b", localapi.PhaseExpiring, expiry(start.Add(4*time.Minute+31*time.Second))),
			account("c", localapi.PhaseFailing, expiry(start.Add(2*time.Minute+59*time.Second))),
		}},
	}
	type view struct {
		menu    []Item
		icon    assets.IconState
		tooltip string
	}
	at := func(st localapi.Status, t time.Time) view { return view{Menu(st, t), Icon(st, t), Tooltip(st, t)} }
	for i, st := range states {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			changes := 0
			for now := start; now.Before(start.Add(70 * time.Minute)); {
				next := NextChange(st, now)
				if next.IsZero() {
					for s := now; s.Before(start.Add(70 * time.Minute)); s = s.Add(time.Second) {
						if !reflect.DeepEqual(at(st, s), at(st, now)) {
							t.Fatalf("NextChange(%v) is zero, but the view changes at %v", now, s)
						}
					}
					break
				}
				if next.Sub(now) > time.Minute && i == 0 {
					t.Errorf("NextChange(%v) = %v: more than a minute while counting down", now, next)
				}
				v := at(st, now)
				for s := now.Add(time.Second); s.Before(next); s = s.Add(time.Second) {
					if !reflect.DeepEqual(at(st, s), v) {
						t.Fatalf("view changes at %v, before NextChange(%v) = %v", s, now, next)
					}
				}
				if reflect.DeepEqual(at(st, next), v) {
					t.Errorf("nothing changes at NextChange(%v) = %v", now, next)
				}
				changes++
				now = next
			}
			if changes == 0 {
				t.Error("no changes at all")
			}
		})
	}
}

func TestShort(t *testing.T) {
	for in, want := range map[string]string{
		"":                        "",
		"  ok.  ":                 "ok",
		"first line\nsecond line": "first line",
		strings.Repeat("x", 80):   strings.Repeat("x", 59) + "…",
	} {
		if got := short(in); got != want {
			t.Errorf("short(%q) = %q; want %q", in, got, want)
		}
		if n := len([]rune(short(in))); n > maxReason {
			t.Errorf("short(%q) has %d characters; want at most %d", in, n, maxReason)
		}
	}
}

func TestIcoFromPNG(t *testing.T) {
	png := assets.TrayIcon(assets.IconFresh)
	ico := icoFromPNG(png)
	if len(ico) != 22+len(png) {
		t.Fatalf("len = %d; want %d", len(ico), 22+len(png))
	}
	if got, want := ico[:8], []byte{0, 0, 1, 0, 1, 0, 44, 44}; !reflect.DeepEqual(got, want) {
		t.Errorf("header % x; want % x", got, want)
	}
	if string(ico[22:]) != string(png) {
		t.Error("the PNG does not follow the header")
	}
	if icoFromPNG([]byte("not a png")) != nil {
		t.Error("icoFromPNG accepts a non-PNG")
	}
}
