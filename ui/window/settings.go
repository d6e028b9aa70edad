package window

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/ui/localapi"
)

// settingsView changes one account's settings.
type settingsView struct {
	u    *ui
	name string

	title                      *widget.Label
	minValid, lead, clearAfter *widget.Entry
	isDefault                  *widget.Check
	save                       *widget.Button
	message                    *widget.Label

	content fyne.CanvasObject
}

func newSettingsView(u *ui) *settingsView {
	v := &settingsView{u: u}
	v.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.title.SizeName = theme.SizeNameSubHeadingText
	v.minValid = widget.NewEntry()
	v.lead = widget.NewEntry()
	v.clearAfter = widget.NewEntry()
	v.clearAfter.OnSubmitted = func(string) { v.apply() }
	v.isDefault = widget.NewCheck("Default account (used when no account is named)", nil)
	v.save = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), v.apply)
	v.save.Importance = widget.HighImportance
	back := widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), func() { u.show(screenAccounts) })
	v.message = widget.NewLabel("")
	v.message.Wrapping = fyne.TextWrapWord

	fields := container.New(layout.NewFormLayout(),
		widget.NewLabel("Minimum validity"), container.NewVBox(v.minValid,
			caption("A copy never hands out a token with less time left; it waits for a refresh instead.")),
		widget.NewLabel("Notify before expiry"), container.NewVBox(v.lead,
			caption("How long before the copied token expires a notification says so.")),
		widget.NewLabel("Clear clipboard after"), container.NewVBox(v.clearAfter,
			caption("0 = never. Durations like 30s, 5m or 1h.")),
	)
	v.content = container.NewVScroll(container.NewPadded(container.NewVBox(
		container.NewHBox(back, v.title),
		fields, v.isDefault,
		container.NewHBox(layout.NewSpacer(), v.save),
		v.message,
	)))
	return v
}

// open shows the settings of the named account.
func (v *settingsView) open(name string) {
	v.name = name
	a, _ := v.u.status.Find(name)
	v.title.SetText("Settings: " + name)
	v.minValid.SetText(shortDuration(time.Duration(a.MinValid)))
	v.lead.SetText(shortDuration(time.Duration(a.NotifyLead)))
	v.clearAfter.SetText(shortDuration(time.Duration(a.ClipboardClear)))
	v.isDefault.SetChecked(v.u.status.Default == name)
	v.syncDefault()
	v.say("", widget.MediumImportance)
	v.u.show(screenSettings)
}

// update keeps the default check in step with the agent.
func (v *settingsView) update(st localapi.Status) {
	if v.name == "" || v.u.screen != screenSettings {
		return
	}
	if st.Default == v.name {
		v.isDefault.SetChecked(true)
	}
	v.syncDefault()
}

// syncDefault: the default account cannot be "un-defaulted", only
// replaced by making another account the default.
func (v *settingsView) syncDefault() {
	if v.u.status.Default == v.name && v.name != "" {
		v.isDefault.Disable()
	} else {
		v.isDefault.Enable()
	}
}

func (v *settingsView) say(msg string, imp widget.Importance) {
	v.message.SetText(msg)
	v.message.Importance = imp
	v.message.Refresh()
}

// apply checks and saves the settings.
func (v *settingsView) apply() {
	var errs []error
	field := func(label string, e *widget.Entry) *localapi.Duration {
		d, err := parseDuration(e.Text)
		if err != nil {
			errs = append(errs, errors.New(label+": "+err.Error()))
			return nil
		}
		ld := localapi.Duration(d)
		return &ld
	}
	req := localapi.SettingsRequest{
		MinValid:       field("Minimum validity", v.minValid),
		NotifyLead:     field("Notify before expiry", v.lead),
		ClipboardClear: field("Clear clipboard after", v.clearAfter),
	}
	if len(errs) > 0 {
		v.say(sentence(errors.Join(errs...).Error()), widget.DangerImportance)
		return
	}
	name := v.name
	makeDefault := v.isDefault.Checked && v.u.status.Default != name
	v.save.Disable()
	v.u.call(callTimeout, func(ctx context.Context) error {
		if _, err := v.u.api.UpdateSettings(ctx, name, req); err != nil {
			return err
		}
		if makeDefault {
			return v.u.api.SetDefault(ctx, name)
		}
		return nil
	}, func(err error) {
		v.save.Enable()
		if err != nil {
			f := describe(err)
			v.say(f.Message+" "+f.Hint, widget.DangerImportance)
			return
		}
		v.say("Saved.", widget.SuccessImportance)
	})
}
