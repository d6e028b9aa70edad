package window

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/ui/localapi"
)

// accountsView lists the accounts with their state and actions.
type accountsView struct {
	u *ui

	list     *fyne.Container
	cards    map[string]*accountCard
	empty    *widget.Label
	problems *widget.Label
	startup  *widget.Check
	agent    *widget.Label
	// pending holds messages for cards that do not exist yet (an account
	// just signed in, before the stream shows it).
	pending map[string]string

	content fyne.CanvasObject
}

func newAccountsView(u *ui) *accountsView {
	v := &accountsView{u: u, cards: map[string]*accountCard{}, pending: map[string]string{}}
	title := widget.NewLabelWithStyle("Accounts", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	add := widget.NewButtonWithIcon("Add account", theme.ContentAddIcon(), func() { u.openSignIn(nil) })
	header := container.NewHBox(title, layout.NewSpacer(), add)

	v.empty = widget.NewLabel("No accounts yet.")
	v.empty.Hide()
	v.list = container.NewVBox()

	v.problems = widget.NewLabel("")
	v.problems.Wrapping = fyne.TextWrapWord
	v.problems.Importance = widget.WarningImportance
	v.problems.Hide()

	v.startup = widget.NewCheck("Start TokenTray at login", nil)
	v.startup.OnChanged = v.setStartup
	v.agent = caption("")
	v.agent.Wrapping = fyne.TextWrapOff
	footer := container.NewVBox(widget.NewSeparator(), v.problems,
		container.NewHBox(v.startup, layout.NewSpacer(), v.agent))

	v.content = container.NewBorder(container.NewPadded(header), container.NewPadded(footer), nil, nil,
		container.NewVScroll(container.NewPadded(container.NewVBox(v.empty, v.list))))
	return v
}

// loadStartup reads whether TokenTray starts at login.
func (v *accountsView) loadStartup() {
	on, err := v.u.autostart.Enabled()
	v.startup.OnChanged = nil
	v.startup.SetChecked(on && err == nil)
	v.startup.OnChanged = v.setStartup
	if err != nil {
		v.showProblem("Cannot tell whether TokenTray starts at login: " + err.Error())
	}
}

func (v *accountsView) setStartup(on bool) {
	var err error
	if on {
		err = v.u.autostart.Enable()
	} else {
		err = v.u.autostart.Disable()
	}
	if err != nil {
		v.startup.OnChanged = nil
		v.startup.SetChecked(!on)
		v.startup.OnChanged = v.setStartup
		v.showProblem("Start at login: " + err.Error())
	}
}

func (v *accountsView) showProblem(s string) {
	v.problems.SetText(s)
	v.problems.Show()
}

// update shows a new Status: cards are kept (and updated in place) by
// account name, in the agent's order.
func (v *accountsView) update(st localapi.Status) {
	objs := make([]fyne.CanvasObject, 0, len(st.Accounts))
	seen := map[string]bool{}
	for _, a := range st.Accounts {
		c := v.cards[a.Name]
		if c == nil {
			c = newAccountCard(v.u)
			v.cards[a.Name] = c
		}
		if msg, ok := v.pending[a.Name]; ok {
			c.say(msg, widget.SuccessImportance)
			delete(v.pending, a.Name)
		}
		c.update(a, a.Name == st.Default, v.u.now())
		seen[a.Name] = true
		objs = append(objs, c.card)
	}
	for name := range v.cards {
		if !seen[name] {
			delete(v.cards, name)
		}
	}
	v.list.Objects = objs
	v.list.Refresh()
	if len(objs) == 0 {
		v.empty.Show()
	} else {
		v.empty.Hide()
	}

	var problems []string
	if !st.TrayHost {
		problems = append(problems, "No tray host on this desktop, so the tray icon is hidden (on GNOME, enable the AppIndicator extension). This window and `tokentray token` keep working.")
	}
	if st.Clipboard != "" {
		problems = append(problems, "Copying: "+st.Clipboard)
	}
	if st.Notifications != "" {
		problems = append(problems, "Notifications: "+st.Notifications)
	}
	if len(problems) > 0 {
		v.problems.SetText(strings.Join(problems, "\n"))
		v.problems.Show()
	} else {
		v.problems.Hide()
	}
	v.agent.SetText(fmt.Sprintf("agent %s, pid %d", st.Version, st.PID))
}

// tick moves the countdowns on.
func (v *accountsView) tick() {
	now := v.u.now()
	for _, c := range v.cards {
		c.tick(now)
	}
}

// flash shows a message on an account's card (once it exists).
func (v *accountsView) flash(name, msg string) {
	if c := v.cards[name]; c != nil {
		c.say(msg, widget.SuccessImportance)
		return
	}
	v.pending[name] = msg
}

// accountCard is one account.
type accountCard struct {
	u    *ui
	acct localapi.Account

	card     *widget.Card
	phase    *widget.Label
	left     *widget.Label
	bar      *widget.ProgressBar
	problem  *widget.Label
	feedback *widget.Label

	copyToken, copyHeader, refresh, signOut *widget.Button
}

func newAccountCard(u *ui) *accountCard {
	c := &accountCard{u: u}
	c.phase = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.left = widget.NewLabel("")
	c.bar = widget.NewProgressBar()
	c.bar.TextFormatter = func() string { return "" }
	c.problem = widget.NewLabel("")
	c.problem.Wrapping = fyne.TextWrapWord
	c.problem.Hide()
	c.feedback = widget.NewLabel("")
	c.feedback.Wrapping = fyne.TextWrapWord
	c.feedback.Hide()

	c.copyToken = widget.NewButtonWithIcon("Copy token", theme.ContentCopyIcon(), func() { c.copy(false) })
	c.copyHeader = widget.NewButtonWithIcon("Copy header", theme.ContentCopyIcon(), func() { c.copy(true) })
	c.refresh = widget.NewButtonWithIcon("Refresh now", theme.ViewRefreshIcon(), c.doRefresh)
	edit := widget.NewButtonWithIcon("Edit", theme.DocumentCreateIcon(), func() {
		a := c.acct
		u.openSignIn(&a)
	})
	settings := widget.NewButtonWithIcon("Settings", theme.SettingsIcon(), func() { u.settings.open(c.acct.Name) })
	details := widget.NewButtonWithIcon("Details", theme.InfoIcon(), func() { u.details.open(c.acct.Name) })
	c.signOut = widget.NewButtonWithIcon("Sign out", theme.LogoutIcon(), c.doSignOut)
	remove := widget.NewButtonWithIcon("Remove", theme.DeleteIcon(), c.confirmRemove)
	remove.Importance = widget.DangerImportance

	state := container.NewBorder(nil, nil, c.phase, c.left, c.bar)
	content := container.NewVBox(state, c.problem,
		container.NewHBox(c.copyToken, c.copyHeader, c.refresh),
		container.NewHBox(edit, settings, details, c.signOut, remove),
		c.feedback)
	c.card = widget.NewCard("", "", content)
	return c
}

// update shows the account's new state.
func (c *accountCard) update(a localapi.Account, isDefault bool, now time.Time) {
	c.acct = a
	title := a.Name
	if isDefault {
		title += "  (default)"
	}
	where := a.Region
	if a.Endpoint != "" {
		where = a.Endpoint
	}
	c.card.SetTitle(title)
	c.card.SetSubTitle(a.Username + " · " + where)
	text, imp := phaseText(a)
	c.phase.SetText(text)
	c.phase.Importance = imp
	c.phase.Refresh()
	if a.Error != "" {
		p := sentence(a.Error)
		if a.Hint != "" {
			p += " " + a.Hint
		}
		if a.RequestID != "" {
			p += " (request-id " + a.RequestID + ")"
		}
		c.problem.SetText(p)
		c.problem.Importance = widget.DangerImportance
		c.problem.Show()
	} else {
		c.problem.Hide()
	}
	signedOut := a.Phase == localapi.PhaseSignedOut || a.Phase == localapi.PhaseSignInNeeded
	for _, b := range []*widget.Button{c.copyToken, c.copyHeader, c.refresh, c.signOut} {
		if signedOut {
			b.Disable()
		} else {
			b.Enable()
		}
	}
	c.tick(now)
}

func (c *accountCard) tick(now time.Time) {
	c.left.SetText(timeLeft(c.acct.Expiry, now))
	c.bar.SetValue(lifetimeLeft(c.acct.Obtained, c.acct.Expiry, now))
}

// say shows an action's outcome on the card.
func (c *accountCard) say(msg string, imp widget.Importance) {
	c.feedback.SetText(msg)
	c.feedback.Importance = imp
	c.feedback.Show()
	c.feedback.Refresh()
}

func (c *accountCard) fail(err error) {
	f := describe(err)
	msg := f.Message
	if f.Hint != "" {
		msg += " " + f.Hint
	}
	if f.RequestID != "" {
		msg += " (request-id " + f.RequestID + ")"
	}
	c.say(msg, widget.DangerImportance)
}

// copy asks the agent to put the token (or the whole Authorization header)
// on the clipboard; the agent clears it after the account's delay.
func (c *accountCard) copy(header bool) {
	name, clear := c.acct.Name, time.Duration(c.acct.ClipboardClear)
	what := "Token"
	if header {
		what = "Authorization header"
	}
	c.u.call(callTimeout, func(ctx context.Context) error { return c.u.api.Copy(ctx, name, header) }, func(err error) {
		if err != nil {
			c.fail(err)
			return
		}
		msg := what + " copied."
		if clear > 0 {
			msg += fmt.Sprintf(" The clipboard is cleared in %s.", shortDuration(clear))
		}
		c.say(msg, widget.SuccessImportance)
	})
}

func (c *accountCard) doRefresh() {
	name := c.acct.Name
	c.refresh.Disable()
	c.u.call(callTimeout, func(ctx context.Context) error { return c.u.api.Refresh(ctx, name) }, func(err error) {
		c.refresh.Enable()
		if err != nil {
			c.fail(err)
			return
		}
		c.say("Refresh requested.", widget.SuccessImportance)
	})
}

func (c *accountCard) doSignOut() {
	name := c.acct.Name
	c.u.call(callTimeout, func(ctx context.Context) error { return c.u.api.SignOut(ctx, name, false) }, func(err error) {
		if err != nil {
			c.fail(err)
			return
		}
		c.say("Signed out. Use Edit to sign in again.", widget.MediumImportance)
	})
}

func (c *accountCard) confirmRemove() {
	name := c.acct.Name
	dialog.ShowConfirm("Remove "+name+"?",
		"TokenTray forgets this account: its tokens and stored password are deleted.\nThe API user in ESET Business Account is not affected.",
		func(ok bool) {
			if ok {
				c.remove(name)
			}
		}, c.u.w)
}

func (c *accountCard) remove(name string) {
	c.u.call(callTimeout, func(ctx context.Context) error { return c.u.api.Remove(ctx, name) }, func(err error) {
		if err != nil {
			c.fail(err)
		}
	})
}
