package window

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
)

// TestTabOrder: Tab follows the form from top to bottom, and opening
// "Advanced" with the keyboard leads on to the custom endpoint.
func TestTabOrder(t *testing.T) {
	u := newTestUI(t, &fakeAPI{})
	u.apply(statusWith())
	f := u.signIn
	c := u.w.Canvas()
	if c.Focused() != f.username {
		t.Errorf("focus starts on %T; want the username", c.Focused())
	}
	names := map[fyne.Focusable]string{f.region: "region", f.username: "username", f.password: "password",
		f.name: "name", f.endpoint: "endpoint", f.remember: "remember", f.submit: "submit", f.advanced: "advanced"}
	order := func(n int) string {
		var got []string
		for range n {
			name, ok := names[c.Focused()]
			if !ok {
				name = "?"
			}
			got = append(got, name)
			c.FocusNext()
		}
		return strings.Join(got, " ")
	}
	c.Focus(f.username)
	if got, want := order(6), "username password name advanced remember submit"; got != want {
		t.Errorf("Tab order = %s; want %s", got, want)
	}
	// Opening Advanced with the keyboard puts the cursor in the endpoint.
	c.Focus(f.name)
	c.FocusNext()
	c.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace})
	if got, want := order(3), "endpoint remember submit"; got != want {
		t.Errorf("Tab order with Advanced open = %s; want %s", got, want)
	}
}
