package window

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/auth"
	"github.com/tokentray/tokentray/ui/localapi"
)

const (
	usernameHint   = "The API user's email address."
	notEmailHint   = "This does not look like an email address; ESET API users sign in with their email."
	rememberedNote = "The password is stored in the system keyring, so the agent can sign in again by itself."
	memoryOnlyNote = "Kept in the agent's memory only: after a restart you sign in again."
)

// signInForm adds an account or signs one in again.
type signInForm struct {
	u *ui

	title    *widget.Label
	intro    *widget.Label
	region   *widget.Select
	endpoint *widget.Entry
	// advanced shows or hides the custom endpoint. It is a plain button,
	// not a widget.Accordion, whose header loses the keyboard focus when
	// it opens (so Tab would jump back to the top).
	advanced    *widget.Button
	advancedBox *fyne.Container
	username    *widget.Entry
	userHint    *widget.Label
	password    *widget.Entry
	name        *widget.Entry
	remember    *widget.Check
	note        *widget.Label
	submit      *widget.Button
	cancel      *widget.Button

	progress  *widget.ProgressBarInfinite
	message   *widget.Label
	hint      *widget.Label
	requestID *widget.Label
	copyID    *widget.Button

	// editing is the account being signed in again ("" for a new one).
	editing string
	busy    bool
	lastID  string

	content fyne.CanvasObject
}

func newSignInForm(u *ui) *signInForm {
	f := &signInForm{u: u}

	f.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	f.title.SizeName = theme.SizeNameSubHeadingText
	f.intro = widget.NewLabel("Sign in with an ESET Business Account API user (one with the Integrations permission). TokenTray keeps its token fresh.")
	f.intro.Wrapping = fyne.TextWrapWord

	// Widgets are created in Tab order: region, username, password,
	// account name, remember, the button; the custom endpoint sits in the
	// collapsed "Advanced" section.
	f.region = widget.NewSelect(regionOptions(), func(string) { f.updateName() })
	f.region.PlaceHolder = "Choose the region of your ESET account"
	f.username = widget.NewEntry()
	f.username.SetPlaceHolder("api-user@example.com")
	f.username.OnChanged = func(string) { f.updateName(); f.checkEmail() }
	f.userHint = caption(usernameHint)
	f.password = widget.NewPasswordEntry()
	f.password.SetPlaceHolder("Password")
	f.password.OnSubmitted = func(string) { f.send() }
	f.name = widget.NewEntry()
	f.name.OnSubmitted = func(string) { f.send() }
	f.remember = widget.NewCheck("Remember password in the system keyring", func(on bool) {
		if on {
			f.note.SetText(rememberedNote)
		} else {
			f.note.SetText(memoryOnlyNote)
		}
	})
	f.note = caption(rememberedNote)
	f.endpoint = widget.NewEntry()
	f.endpoint.SetPlaceHolder("https://proxy.example:8443")
	f.endpoint.OnChanged = func(string) { f.updateName() }
	f.endpoint.OnSubmitted = func(string) { f.send() }
	endpointHelp := caption("A proxy or gateway in front of ESET's token endpoint, instead of the region's address. https only (http for localhost).")
	f.advancedBox = container.New(layout.NewFormLayout(), widget.NewLabel("Custom endpoint"),
		container.NewVBox(f.endpoint, endpointHelp))
	f.advanced = widget.NewButtonWithIcon("Advanced", theme.MenuExpandIcon(), func() {
		open := !f.advancedBox.Visible()
		f.showAdvanced(open)
		// A tapped Fyne button drops the focus; carry on where a
		// keyboard user expects: in the endpoint, or on the button.
		if c := f.u.w.Canvas(); c != nil {
			if open {
				c.Focus(f.endpoint)
			} else {
				c.Focus(f.advanced)
			}
		}
	})
	f.advanced.Importance = widget.LowImportance
	f.advanced.Alignment = widget.ButtonAlignLeading

	f.submit = widget.NewButtonWithIcon("Sign in", theme.LoginIcon(), f.send)
	f.submit.Importance = widget.HighImportance
	f.cancel = widget.NewButton("Cancel", func() { f.u.show(screenAccounts) })

	f.progress = widget.NewProgressBarInfinite()
	f.progress.Stop()
	f.progress.Hide()
	f.message = widget.NewLabel("")
	f.message.Wrapping = fyne.TextWrapWord
	f.message.Importance = widget.DangerImportance
	f.message.TextStyle.Bold = true
	f.hint = widget.NewLabel("")
	f.hint.Wrapping = fyne.TextWrapWord
	f.requestID = widget.NewLabel("")
	f.requestID.Selectable = true
	f.copyID = widget.NewButtonWithIcon("Copy request-id", theme.ContentCopyIcon(), func() {
		f.u.app.Clipboard().SetContent(f.lastID)
	})
	f.copyID.Hide()

	fields := container.New(layout.NewFormLayout(),
		widget.NewLabel("Region"), f.region,
		widget.NewLabel("Username"), container.NewVBox(f.username, f.userHint),
		widget.NewLabel("Password"), f.password,
		widget.NewLabel("Account name"), f.name,
	)
	// The progress bar and the messages below the buttons always take
	// their room, so nothing moves while signing in.
	busyRow := container.NewStack(fixedHeight(f.progress.MinSize().Height), f.progress)
	buttons := container.NewHBox(layout.NewSpacer(), f.cancel, f.submit)
	idRow := container.NewHBox(f.requestID, f.copyID)
	form := container.NewVBox(
		f.title, f.intro, fields,
		container.NewHBox(f.advanced), f.advancedBox,
		f.remember, f.note,
		buttons, busyRow, f.message, f.hint, idRow,
	)
	f.content = container.NewVScroll(container.NewPadded(form))
	f.reset(nil, false)
	return f
}

// caption is a small, quiet explanatory label.
func caption(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	l.SizeName = theme.SizeNameCaptionText
	return l
}

// fixedHeight is an empty object that keeps h of height.
func fixedHeight(h float32) fyne.CanvasObject {
	r := canvas.NewRectangle(nil)
	r.SetMinSize(fyne.NewSize(0, h))
	return r
}

// reset prepares the form for a new account (acct nil) or for signing an
// existing account in again, with the fields it knows filled in.
func (f *signInForm) reset(acct *localapi.Account, canCancel bool) {
	f.setBusy(false)
	f.showFailure(failure{})
	f.password.SetText("")
	f.remember.SetChecked(true)
	if canCancel {
		f.cancel.Show()
	} else {
		f.cancel.Hide()
	}
	if acct == nil {
		f.editing = ""
		f.title.SetText("Sign in to ESET Connect")
		f.submit.SetText("Sign in")
		f.region.ClearSelected()
		f.region.SetSelected(regionLabel(auth.RegionEU))
		f.username.SetText("")
		f.endpoint.SetText("")
		f.name.SetText("")
		f.name.Enable()
		f.showAdvanced(false)
		f.updateName()
		return
	}
	f.editing = acct.Name
	f.title.SetText("Sign in again: " + acct.Name)
	f.submit.SetText("Sign in")
	if r, err := auth.ParseRegion(acct.Region); err == nil {
		f.region.SetSelected(regionLabel(r))
	} else {
		f.region.ClearSelected()
	}
	f.endpoint.SetText(acct.Endpoint)
	f.showAdvanced(acct.Endpoint != "")
	f.username.SetText(acct.Username)
	f.name.SetText(acct.Name)
	// The name identifies the account; a different name is a new account.
	f.name.Disable()
	f.updateName()
}

// showAdvanced opens or closes the Advanced section.
func (f *signInForm) showAdvanced(open bool) {
	if open {
		f.advanced.SetIcon(theme.MenuDropDownIcon())
		f.advancedBox.Show()
	} else {
		f.advanced.SetIcon(theme.MenuExpandIcon())
		f.advancedBox.Hide()
	}
}

// focus puts the cursor where typing starts.
func (f *signInForm) focus() {
	target := fyne.Focusable(f.username)
	if f.editing != "" {
		target = f.password
	}
	if c := f.u.w.Canvas(); c != nil {
		c.Focus(target)
	}
}

// updateName shows the default account name as the name's placeholder.
func (f *signInForm) updateName() {
	if f.name == nil {
		return
	}
	r, _ := regionFromLabel(f.region.Selected)
	def := defaultAccountName(r, f.endpoint.Text, strings.TrimSpace(f.username.Text))
	if def == "" {
		def = "<region>-<username>"
	}
	f.name.SetPlaceHolder(def)
}

// checkEmail warns (without blocking) about a username that is not an
// email address.
func (f *signInForm) checkEmail() {
	u := strings.TrimSpace(f.username.Text)
	if u != "" && !looksLikeEmail(u) {
		f.userHint.SetText(notEmailHint)
		f.userHint.Importance = widget.WarningImportance
	} else {
		f.userHint.SetText(usernameHint)
		f.userHint.Importance = widget.MediumImportance
	}
	f.userHint.Refresh()
}

// request builds the sign-in request from the form, or says what is
// missing.
func (f *signInForm) request() (localapi.SignInRequest, string) {
	var missing []string
	r, haveRegion := regionFromLabel(f.region.Selected)
	endpoint := strings.TrimSpace(f.endpoint.Text)
	if !haveRegion && endpoint == "" {
		missing = append(missing, "region")
	}
	username := strings.TrimSpace(f.username.Text)
	if username == "" {
		missing = append(missing, "username")
	}
	if f.password.Text == "" {
		missing = append(missing, "password")
	}
	if len(missing) > 0 {
		return localapi.SignInRequest{}, "Enter the " + joinWords(missing) + "."
	}
	if endpoint != "" {
		if _, err := auth.CheckEndpoint(endpoint); err != nil {
			return localapi.SignInRequest{}, sentence(err.Error())
		}
	}
	name := strings.TrimSpace(f.name.Text)
	if name == "" {
		name = defaultAccountName(r, endpoint, username)
	}
	return localapi.SignInRequest{
		Profile:     name,
		Region:      string(r),
		Endpoint:    endpoint,
		Username:    username,
		Password:    f.password.Text, // passwords may begin or end with a space
		Remember:    f.remember.Checked,
		MakeDefault: len(f.u.status.Accounts) == 0,
	}, ""
}

func joinWords(w []string) string {
	switch len(w) {
	case 0:
		return ""
	case 1:
		return w[0]
	}
	return strings.Join(w[:len(w)-1], ", ") + " and " + w[len(w)-1]
}

// send validates the form and signs in. A second press while a sign-in
// runs does nothing.
func (f *signInForm) send() {
	if f.busy {
		return
	}
	req, problem := f.request()
	if problem != "" {
		f.showFailure(failure{Message: problem})
		return
	}
	f.showFailure(failure{})
	f.setBusy(true)
	f.u.call(signInTimeout, func(ctx context.Context) error {
		_, err := f.u.api.SignIn(ctx, req)
		return err
	}, func(err error) {
		f.setBusy(false)
		if err != nil {
			// Everything typed stays, so fixing one field and pressing
			// Enter again is all it takes; the cursor waits in the
			// field most likely at fault.
			f.showFailure(describe(err))
			f.focusAfter(err)
			return
		}
		f.password.SetText("")
		f.u.accounts.flash(req.Profile, "Signed in.")
		f.u.show(screenAccounts)
	})
}

// focusAfter puts the cursor where a failed sign-in is fixed: the
// password after a rejected password, else the username.
func (f *signInForm) focusAfter(err error) {
	c := f.u.w.Canvas()
	if c == nil {
		return
	}
	switch {
	case errors.Is(err, localapi.ErrNoAgent):
		c.Focus(f.submit)
	case strings.Contains(f.hint.Text, "password") || strings.Contains(f.message.Text, "password"):
		c.Focus(f.password)
	default:
		c.Focus(f.username)
	}
}

// setBusy disables the form while a sign-in runs.
func (f *signInForm) setBusy(busy bool) {
	f.busy = busy
	for _, w := range []fyne.Disableable{f.region, f.username, f.password, f.endpoint, f.remember, f.submit, f.cancel} {
		if busy {
			w.Disable()
		} else {
			w.Enable()
		}
	}
	if busy {
		f.name.Disable()
		f.submit.SetText("Signing in…")
		f.progress.Show()
		f.progress.Start()
	} else {
		if f.editing == "" {
			f.name.Enable()
		}
		f.submit.SetText("Sign in")
		f.progress.Stop()
		f.progress.Hide()
	}
}

// showFailure shows (or, for the zero failure, clears) the message area.
func (f *signInForm) showFailure(fl failure) {
	f.message.SetText(fl.Message)
	f.hint.SetText(fl.Hint)
	f.lastID = fl.RequestID
	if fl.RequestID != "" {
		f.requestID.SetText("request-id: " + fl.RequestID)
		f.copyID.Show()
	} else {
		f.requestID.SetText("")
		f.copyID.Hide()
	}
}
