package window

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/auth"
	"github.com/tokentray/tokentray/ui/localapi"
)

// detailsView shows what the current token says: its expiry, the last
// request-id and its decoded (unverified) claims. The raw token is never
// shown.
type detailsView struct {
	u    *ui
	name string

	title   *widget.Label
	rows    *fyne.Container
	claims  *fyne.Container
	message *widget.Label

	content fyne.CanvasObject
}

func newDetailsView(u *ui) *detailsView {
	v := &detailsView{u: u}
	v.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.title.SizeName = theme.SizeNameSubHeadingText
	back := widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), func() { u.show(screenAccounts) })
	v.rows = container.New(layout.NewFormLayout())
	v.claims = container.New(layout.NewFormLayout())
	v.message = widget.NewLabel("")
	v.message.Wrapping = fyne.TextWrapWord
	claimsTitle := widget.NewLabelWithStyle("Claims (decoded, not verified by TokenTray)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.content = container.NewVScroll(container.NewPadded(container.NewVBox(
		container.NewHBox(back, v.title),
		v.rows, v.message,
		widget.NewSeparator(), claimsTitle, v.claims,
	)))
	return v
}

// open shows the named account's token details, fetching the token.
func (v *detailsView) open(name string) {
	v.name = name
	v.title.SetText("Token: " + name)
	v.rows.Objects = nil
	v.claims.Objects = nil
	v.message.SetText("Loading the token…")
	v.message.Importance = widget.MediumImportance
	v.u.show(screenDetails)
	var tok localapi.TokenResponse
	zero := localapi.Duration(0)
	v.u.call(callTimeout, func(ctx context.Context) error {
		var err error
		// MinValid 0: show the token the agent holds, without waiting.
		tok, err = v.u.api.Token(ctx, localapi.TokenRequest{Profile: name, MinValid: &zero, Inspect: true})
		return err
	}, func(err error) {
		if v.name != name {
			return
		}
		a, _ := v.u.status.Find(name)
		if err != nil {
			f := describe(err)
			v.message.SetText(strings.TrimSpace(f.Message + " " + f.Hint))
			v.message.Importance = widget.DangerImportance
			v.message.Refresh()
			v.show(a, localapi.TokenResponse{}, nil)
			return
		}
		claims, cerr := auth.ParseClaims(tok.AccessToken)
		if cerr != nil {
			v.message.SetText(sentence(cerr.Error()))
		} else {
			v.message.SetText("")
		}
		v.message.Importance = widget.MediumImportance
		v.message.Refresh()
		v.show(a, tok, claims)
	})
}

func (v *detailsView) show(a localapi.Account, tok localapi.TokenResponse, claims map[string]any) {
	expiry := tok.ExpiresAt
	if expiry.IsZero() {
		expiry = a.Expiry
	}
	local, utc := timeStamp(expiry)
	obtained, _ := timeStamp(a.Obtained)
	reqID := a.RequestID
	if reqID == "" {
		reqID = "—"
	}
	v.rows.Objects = nil
	for _, r := range [][2]string{
		{"Expires (local)", local},
		{"Expires (UTC)", utc},
		{"Obtained", obtained},
		{"Type", orDash(tok.TokenType)},
		{"Last request-id", reqID},
	} {
		v.rows.Objects = append(v.rows.Objects, widget.NewLabel(r[0]), valueLabel(r[1]))
	}
	v.rows.Refresh()
	v.claims.Objects = nil
	for _, r := range claimRows(claims) {
		v.claims.Objects = append(v.claims.Objects, widget.NewLabel(r[0]), valueLabel(r[1]))
	}
	v.claims.Refresh()
}

func valueLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Selectable = true
	l.Wrapping = fyne.TextWrapBreak
	return l
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// claimRows lists the claims people look for first (exp, iat, nbf, sub,
// aud, scope, iss), then the rest by name. Times are shown as dates.
func claimRows(claims map[string]any) [][2]string {
	first := []string{"exp", "iat", "nbf", "sub", "aud", "scope", "iss"}
	var rows [][2]string
	seen := map[string]bool{}
	for _, k := range first {
		if val, ok := claims[k]; ok {
			rows = append(rows, [2]string{k, claimValue(k, val)})
			seen[k] = true
		}
	}
	var rest []string
	for k := range claims {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		rows = append(rows, [2]string{k, claimValue(k, claims[k])})
	}
	return rows
}

func claimValue(k string, val any) string {
	switch k {
	case "exp", "iat", "nbf", "auth_time":
		if f, ok := val.(float64); ok {
			t := time.Unix(int64(f), 0)
			return fmt.Sprintf("%s (%s)", t.UTC().Format("2006-01-02 15:04:05 UTC"), t.Local().Format("15:04:05 MST"))
		}
	}
	switch x := val.(type) {
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = fmt.Sprint(p)
		}
		return strings.Join(parts, ", ")
	case float64:
		return fmt.Sprintf("%v", int64(x))
	}
	return fmt.Sprint(val)
}
