package window

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/auth"
	"github.com/tokentray/tokentray/ui/localapi"
)

// fakeAPI answers like the agent; unset functions succeed.
type fakeAPI struct {
	signIn   func(localapi.SignInRequest) (localapi.Account, error)
	copyErr  error
	token    func(localapi.TokenRequest) (localapi.TokenResponse, error)
	settings func(string, localapi.SettingsRequest) (localapi.Account, error)
	calls    []string
}

func (f *fakeAPI) Watch(ctx context.Context) (<-chan localapi.Status, error) {
	return nil, localapi.ErrNoAgent
}

func (f *fakeAPI) SignIn(_ context.Context, req localapi.SignInRequest) (localapi.Account, error) {
	f.calls = append(f.calls, "signin "+req.Profile)
	if f.signIn != nil {
		return f.signIn(req)
	}
	return localapi.Account{Name: req.Profile, Phase: localapi.PhaseFresh}, nil
}

func (f *fakeAPI) SignOut(_ context.Context, p string, forget bool) error {
	f.calls = append(f.calls, "signout "+p)
	return nil
}

func (f *fakeAPI) Remove(_ context.Context, p string) error {
	f.calls = append(f.calls, "remove "+p)
	return nil
}

func (f *fakeAPI) SetDefault(_ context.Context, p string) error {
	f.calls = append(f.calls, "default "+p)
	return nil
}

func (f *fakeAPI) Refresh(_ context.Context, p string) error {
	f.calls = append(f.calls, "refresh "+p)
	return nil
}

func (f *fakeAPI) UpdateSettings(_ context.Context, p string, req localapi.SettingsRequest) (localapi.Account, error) {
	f.calls = append(f.calls, "settings "+p)
	if f.settings != nil {
		return f.settings(p, req)
	}
	return localapi.Account{Name: p}, nil
}

func (f *fakeAPI) Copy(_ context.Context, p string, header bool) error {
	f.calls = append(f.calls, fmt.Sprintf("copy %s %v", p, header))
	return f.copyErr
}

func (f *fakeAPI) Token(_ context.Context, req localapi.TokenRequest) (localapi.TokenResponse, error) {
	f.calls = append(f.calls, "token "+req.Profile)
	if f.token != nil {
		return f.token(req)
	}
	return localapi.TokenResponse{Profile: req.Profile, AccessToken: testJWT, TokenType: "Bearer", ExpiresAt: testNow.Add(40 * time.Minute)}, nil
}

type fakeAutostart struct {
	on  bool
	err error
}

func (f *fakeAutostart) Enabled() (bool, error) { return f.on, nil }
func (f *fakeAutostart) Enable() error {
	if f.err != nil {
		return f.err
	}
	f.on = true
	return nil
}
func (f *fakeAutostart) Disable() error { f.on = false; return nil }

var testNow = time.Date(2026, 3, 2, 10, 20, 0, 0, time.UTC)

// testJWT's claims: {"exp":1772449200,"iat":1772445600,"sub":"api@example.com","aud":"eset-connect","scope":"read write"}
const testJWT = "eyJhbGciOiJub25lIn0.eyJleHAiOjE3NzI0NDkyMDAsImlhdCI6MTc3MjQ0NTYwMCwic3ViIjoiYXBpQGV4YW1wbGUuY29tIiwiYXVkIjoiZXNldC1jb25uZWN0Iiwic2NvcGUiOiJyZWFkIHdyaXRlIn0.c2ln"

// newTestUI builds the window on a test app; background work runs in
// place, so each test stays on one goroutine.
func newTestUI(t *testing.T, api API) *ui {
	t.Helper()
	a := test.NewTempApp(t)
	u := newUI(a, api)
	u.async = func(f func()) { f() }
	u.now = func() time.Time { return testNow }
	u.autostart = &fakeAutostart{}
	ctx, cancel := context.WithCancel(context.Background())
	u.ctx = ctx // ends pending clipboard clears with the test
	t.Cleanup(cancel)
	t.Cleanup(u.w.Close)
	return u
}

func freshAccount(name string) localapi.Account {
	return localapi.Account{
		Name: name, Region: "eu", Username: "api@example.com", Phase: localapi.PhaseFresh,
		Obtained: testNow.Add(-20 * time.Minute), Expiry: testNow.Add(40 * time.Minute),
		RequestID:      "3f1c2b9e-0d4a-4c55-9a57-1b2c3d4e5f60",
		MinValid:       localapi.Duration(5 * time.Minute),
		NotifyLead:     localapi.Duration(5 * time.Minute),
		ClipboardClear: localapi.Duration(time.Minute),
	}
}

func statusWith(accts ...localapi.Account) localapi.Status {
	st := localapi.Status{Accounts: accts, TrayHost: true, Version: "test", PID: 42}
	if len(accts) > 0 {
		st.Default = accts[0].Name
	}
	return st
}

func fillSignIn(f *signInForm, user, pw string) {
	test.Type(f.username, user)
	test.Type(f.password, pw)
}

func TestFirstRunShowsSignIn(t *testing.T) {
	u := newTestUI(t, &fakeAPI{})
	u.apply(statusWith())
	if u.screen != screenSignIn {
		t.Fatalf("screen = %v; want sign-in", u.screen)
	}
	if got, want := u.signIn.region.Selected, "Europe (eu)"; got != want {
		t.Errorf("region = %q; want %q", got, want)
	}
	if !u.signIn.remember.Checked {
		t.Error("remember is off by default")
	}
	if u.signIn.cancel.Visible() {
		t.Error("Cancel shown on first run, with nowhere to go back to")
	}
	if got, want := u.signIn.region.Options, []string{"Europe (eu)", "Germany (de)", "United States (us)", "Canada (ca)", "Japan (jpn)"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("regions = %q; want %q", got, want)
	}
}

func TestNoAgent(t *testing.T) {
	u := newTestUI(t, &fakeAPI{})
	u.lost(localapi.ErrNoAgent)
	if u.screen != screenNoAgent {
		t.Fatalf("screen = %v; want no-agent", u.screen)
	}
	test.AssertRendersToMarkup(t, "noagent.xml", u.w.Canvas())
	// Once the agent answers, the window carries on by itself.
	u.apply(statusWith(freshAccount("eu-api")))
	if u.screen != screenAccounts {
		t.Errorf("screen = %v after the agent answered; want accounts", u.screen)
	}
	// Losing it later keeps the screen and shows a banner.
	u.lost(nil)
	if u.screen != screenAccounts || !u.banner.Visible() || !strings.Contains(u.banner.Text, "not running") {
		t.Errorf("after losing the agent: screen %v, banner %v %q", u.screen, u.banner.Visible(), u.banner.Text)
	}
}

func TestSignInSuccess(t *testing.T) {
	api := &fakeAPI{}
	var got localapi.SignInRequest
	var u *ui
	api.signIn = func(req localapi.SignInRequest) (localapi.Account, error) {
		got = req
		// While the request runs the form is busy and cannot be sent twice.
		if !u.signIn.submit.Disabled() || !u.signIn.progress.Visible() || !u.signIn.password.Disabled() {
			t.Error("form not busy while signing in")
		}
		u.signIn.send() // a second press: ignored
		return localapi.Account{Name: req.Profile, Phase: localapi.PhaseFresh}, nil
	}
	u = newTestUI(t, api)
	u.apply(statusWith())
	f := u.signIn
	f.region.SetSelected("Japan (jpn)")
	fillSignIn(f, "  api@example.com ", " s3cret ")
	if got, want := f.name.PlaceHolder, "jpn-api@example.com"; got != want {
		t.Errorf("name placeholder = %q; want %q", got, want)
	}
	test.Tap(f.remember) // off
	if f.note.Text != memoryOnlyNote {
		t.Errorf("note with remember off = %q", f.note.Text)
	}
	f.password.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Enter submits

	want := localapi.SignInRequest{Profile: "jpn-api@example.com", Region: "jpn", Username: "api@example.com",
		Password: " s3cret ", Remember: false, MakeDefault: true}
	if got != want {
		t.Errorf("request = %+v; want %+v", got, want)
	}
	if n := len(api.calls); n != 1 {
		t.Errorf("SignIn called %d times; want 1", n)
	}
	if u.screen != screenAccounts {
		t.Errorf("screen = %v after signing in; want accounts", u.screen)
	}
	if f.password.Text != "" {
		t.Error("password kept after a successful sign-in")
	}
	u.apply(statusWith(freshAccount("jpn-api@example.com")))
	if c := u.accounts.cards["jpn-api@example.com"]; c == nil || c.feedback.Text != "Signed in." {
		t.Errorf("no \"Signed in.\" on the new account's card")
	}
}

func TestSignInValidation(t *testing.T) {
	api := &fakeAPI{}
	u := newTestUI(t, api)
	u.apply(statusWith())
	f := u.signIn

	test.Tap(f.submit)
	if got, want := f.message.Text, "Enter the username and password."; got != want {
		t.Errorf("message = %q; want %q", got, want)
	}
	test.Type(f.username, "apiuser")
	if f.userHint.Text != notEmailHint {
		t.Errorf("username hint = %q; want the not-an-email warning", f.userHint.Text)
	}
	test.Tap(f.submit)
	if got, want := f.message.Text, "Enter the password."; got != want {
		t.Errorf("message = %q; want %q", got, want)
	}
	if len(api.calls) != 0 {
		t.Fatalf("API called with an incomplete form: %v", api.calls)
	}
	// Not an email is a warning, not a block.
	test.Type(f.password, "pw")
	test.Tap(f.submit)
	if len(api.calls) != 1 {
		t.Errorf("a username that is not an email blocked the sign-in")
	}

	// A bad custom endpoint is caught before sending.
	u.openSignIn(nil)
	fillSignIn(f, "a@b.example", "pw")
	test.Type(f.endpoint, "http://proxy.example")
	if got, want := f.name.PlaceHolder, "custom-a@b.example"; got != want {
		t.Errorf("placeholder with an endpoint = %q; want %q", got, want)
	}
	test.Tap(f.submit)
	if !strings.Contains(f.message.Text, "plain http") {
		t.Errorf("message for an http endpoint = %q", f.message.Text)
	}
}

// rejected is an error as it comes out of the client for an ESET failure.
func rejected(status int, code string, k auth.Kind, id string) error {
	return &localapi.Error{Status: status, Body: localapi.ErrorBody{
		Code: code, Error: "account \"eu-api\": " + k.Error(), Hint: k.Hint(), RequestID: id}}
}

func TestSignInFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want []string // in the message or hint
		id   string
	}{
		{"password", rejected(422, localapi.CodeRejected, auth.ErrBadCredentials, "rid-1"),
			[]string{"rejected the username or password", "expire"}, "rid-1"},
		{"permission", rejected(422, localapi.CodeRejected, auth.ErrForbidden, "rid-2"),
			[]string{"HTTP 403", "Integrations permission", "region"}, "rid-2"},
		{"region", rejected(422, localapi.CodeRejected, auth.ErrRejected, "rid-3"),
			[]string{"Check the region"}, "rid-3"},
		{"rate", rejected(503, localapi.CodeUnavailable, auth.ErrRateLimited, "rid-4"),
			[]string{"rate limiting", "Wait a moment"}, "rid-4"},
		{"network", rejected(503, localapi.CodeUnavailable, auth.ErrNetwork, ""),
			[]string{"could not reach ESET", "proxy"}, ""},
		{"server", rejected(503, localapi.CodeUnavailable, auth.ErrServer, "rid-6"),
			[]string{"server failed", "request-id"}, "rid-6"},
		{"no agent", localapi.ErrNoAgent, []string{"not running", "tokentray"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{signIn: func(localapi.SignInRequest) (localapi.Account, error) {
				return localapi.Account{}, tc.err
			}}
			u := newTestUI(t, api)
			u.apply(statusWith())
			f := u.signIn
			f.region.SetSelected("Canada (ca)")
			fillSignIn(f, "api@example.com", "pw")
			test.Type(f.name, "work")
			test.Tap(f.remember)
			test.Tap(f.submit)

			shown := f.message.Text + "\n" + f.hint.Text
			for _, w := range tc.want {
				if !strings.Contains(shown, w) {
					t.Errorf("failure shows %q; want it to mention %q", shown, w)
				}
			}
			if tc.id != "" {
				if !f.copyID.Visible() || !strings.Contains(f.requestID.Text, tc.id) {
					t.Errorf("request-id %q not shown (%q, copy button %v)", tc.id, f.requestID.Text, f.copyID.Visible())
				}
				test.Tap(f.copyID)
				if got := u.app.Clipboard().Content(); got != tc.id {
					t.Errorf("clipboard = %q; want the request-id %q", got, tc.id)
				}
			} else if f.copyID.Visible() {
				t.Error("Copy request-id shown without a request-id")
			}
			// Nothing typed is lost, and the form can be sent again.
			if f.username.Text != "api@example.com" || f.password.Text != "pw" || f.name.Text != "work" ||
				f.region.Selected != "Canada (ca)" || f.remember.Checked {
				t.Errorf("form changed after a failure: %q %q %q %q remember=%v",
					f.username.Text, f.password.Text, f.name.Text, f.region.Selected, f.remember.Checked)
			}
			if f.submit.Disabled() || f.busy || f.progress.Visible() {
				t.Error("form still busy after the failure")
			}
			if u.screen != screenSignIn {
				t.Errorf("screen = %v; want to stay on sign-in", u.screen)
			}
		})
	}
}

func TestSignInLayoutDoesNotJump(t *testing.T) {
	var u *ui
	var during fyne.Position
	api := &fakeAPI{signIn: func(localapi.SignInRequest) (localapi.Account, error) {
		during = u.signIn.submit.Position()
		return localapi.Account{}, rejected(422, localapi.CodeRejected, auth.ErrBadCredentials, "rid")
	}}
	u = newTestUI(t, api)
	u.apply(statusWith())
	fillSignIn(u.signIn, "api@example.com", "pw")
	before := u.signIn.submit.Position()
	test.Tap(u.signIn.submit)
	after := u.signIn.submit.Position()
	if before != during || before != after {
		t.Errorf("Sign in button moved: %v, while signing in %v, after the failure %v", before, during, after)
	}
}

func TestAccountsFollowStream(t *testing.T) {
	u := newTestUI(t, &fakeAPI{})
	ch := make(chan localapi.Status, 3)
	a := freshAccount("eu-api")
	ch <- statusWith(a)
	b := a
	b.Phase, b.Error, b.Hint = localapi.PhaseSignInNeeded, "ESET rejected the username or password", auth.ErrBadCredentials.Hint()
	second := freshAccount("us-ops")
	second.Region = "us"
	ch <- statusWith(b, second)
	close(ch)
	u.consume(ch)

	if u.screen != screenAccounts {
		t.Fatalf("screen = %v; want accounts", u.screen)
	}
	if n := len(u.accounts.list.Objects); n != 2 {
		t.Fatalf("%d cards; want 2", n)
	}
	c := u.accounts.cards["eu-api"]
	if c.phase.Text != "Sign-in needed" || c.phase.Importance != widget.DangerImportance {
		t.Errorf("phase = %q (%v); want Sign-in needed, danger", c.phase.Text, c.phase.Importance)
	}
	if !c.problem.Visible() || !strings.Contains(c.problem.Text, "expire") {
		t.Errorf("problem = %q", c.problem.Text)
	}
	if !c.copyToken.Disabled() {
		t.Error("Copy token enabled for an account that needs a sign-in")
	}
	if c.card.Title != "eu-api  (default)" {
		t.Errorf("title = %q", c.card.Title)
	}

	// The countdown ticks.
	o := u.accounts.cards["us-ops"]
	if got, want := o.left.Text, "40m 00s left"; got != want {
		t.Errorf("time left = %q; want %q", got, want)
	}
	if got, want := o.bar.Value, 40.0/60; got < want-0.001 || got > want+0.001 {
		t.Errorf("lifetime bar = %v; want %v", got, want)
	}
	u.now = func() time.Time { return testNow.Add(90 * time.Second) }
	u.accounts.tick()
	if got, want := o.left.Text, "38m 30s left"; got != want {
		t.Errorf("time left after 90s = %q; want %q", got, want)
	}

	// An account removed by the agent disappears; no accounts: sign in.
	u.apply(statusWith(second))
	if len(u.accounts.list.Objects) != 1 || u.accounts.cards["eu-api"] != nil {
		t.Error("removed account still listed")
	}
	u.apply(statusWith())
	if u.screen != screenSignIn {
		t.Errorf("screen = %v with no accounts; want sign-in", u.screen)
	}
}

func TestAccountActions(t *testing.T) {
	api := &fakeAPI{}
	u := newTestUI(t, api)
	u.apply(statusWith(freshAccount("eu-api")))
	c := u.accounts.cards["eu-api"]

	test.Tap(c.copyHeader)
	test.Tap(c.copyToken)
	if !strings.Contains(c.feedback.Text, "cleared in 1m") {
		t.Errorf("feedback = %q", c.feedback.Text)
	}
	test.Tap(c.refresh)
	test.Tap(c.signOut)
	c.remove("eu-api")
	want := "copy eu-api true|copy eu-api false|refresh eu-api|signout eu-api|remove eu-api"
	if got := strings.Join(api.calls, "|"); got != want {
		t.Errorf("calls = %s; want %s", got, want)
	}

	// A failed copy says why.
	api.copyErr = &localapi.Error{Status: 409, Body: localapi.ErrorBody{
		Code: localapi.CodeSignInNeeded, Error: "account \"eu-api\" needs a sign-in", Hint: "Sign in again."}}
	test.Tap(c.copyToken)
	if !strings.Contains(c.feedback.Text, "needs a sign-in") || c.feedback.Importance != widget.DangerImportance {
		t.Errorf("feedback = %q", c.feedback.Text)
	}
}

func TestEditPrefills(t *testing.T) {
	api := &fakeAPI{}
	u := newTestUI(t, api)
	a := freshAccount("work")
	a.Region, a.Endpoint = "de", "https://proxy.example:8443"
	u.apply(statusWith(a))
	u.openSignIn(&a)
	f := u.signIn
	if f.region.Selected != "Germany (de)" || f.username.Text != a.Username || f.name.Text != "work" ||
		f.endpoint.Text != a.Endpoint || !f.name.Disabled() || !f.cancel.Visible() {
		t.Errorf("edit form: %q %q %q %q name disabled %v", f.region.Selected, f.username.Text, f.name.Text, f.endpoint.Text, f.name.Disabled())
	}
	test.Type(f.password, "new")
	test.Tap(f.submit)
	if got := strings.Join(api.calls, "|"); got != "signin work" {
		t.Errorf("calls = %s", got)
	}
}

func TestSettings(t *testing.T) {
	api := &fakeAPI{}
	var got localapi.SettingsRequest
	api.settings = func(p string, req localapi.SettingsRequest) (localapi.Account, error) {
		got = req
		return localapi.Account{Name: p}, nil
	}
	u := newTestUI(t, api)
	u.apply(statusWith(freshAccount("eu-api"), freshAccount("us-ops")))
	v := u.settings
	v.open("us-ops")
	if v.minValid.Text != "5m" || v.clearAfter.Text != "1m" || v.isDefault.Checked || v.isDefault.Disabled() {
		t.Errorf("settings form: %q %q default %v", v.minValid.Text, v.clearAfter.Text, v.isDefault.Checked)
	}
	v.clearAfter.SetText("soon")
	test.Tap(v.save)
	if !strings.Contains(v.message.Text, "Clear clipboard after") || len(api.calls) != 0 {
		t.Errorf("bad duration: message %q, calls %v", v.message.Text, api.calls)
	}
	v.minValid.SetText("10")
	v.clearAfter.SetText("0")
	test.Tap(v.isDefault)
	test.Tap(v.save)
	if time.Duration(*got.MinValid) != 10*time.Minute || time.Duration(*got.ClipboardClear) != 0 ||
		time.Duration(*got.NotifyLead) != 5*time.Minute {
		t.Errorf("request = %v %v %v", *got.MinValid, *got.NotifyLead, *got.ClipboardClear)
	}
	if c := strings.Join(api.calls, "|"); c != "settings us-ops|default us-ops" {
		t.Errorf("calls = %s", c)
	}
	if v.message.Text != "Saved." {
		t.Errorf("message = %q", v.message.Text)
	}
}

func TestStartAtLogin(t *testing.T) {
	u := newTestUI(t, &fakeAPI{})
	as := &fakeAutostart{}
	u.autostart = as
	u.apply(statusWith(freshAccount("eu-api")))
	test.Tap(u.accounts.startup)
	if !as.on {
		t.Error("Start at login did not enable autostart")
	}
	test.Tap(u.accounts.startup)
	if as.on {
		t.Error("Start at login did not disable autostart")
	}
	as.err = errors.New("read-only home")
	test.Tap(u.accounts.startup)
	if u.accounts.startup.Checked || !strings.Contains(u.accounts.problems.Text, "read-only home") {
		t.Errorf("failed enable: checked %v, problems %q", u.accounts.startup.Checked, u.accounts.problems.Text)
	}
}

func TestDetails(t *testing.T) {
	api := &fakeAPI{}
	u := newTestUI(t, api)
	u.apply(statusWith(freshAccount("eu-api")))
	u.details.open("eu-api")
	var texts []string
	for _, o := range append(u.details.rows.Objects, u.details.claims.Objects...) {
		texts = append(texts, o.(*widget.Label).Text)
	}
	all := strings.Join(texts, "\n")
	for _, w := range []string{"Expires (UTC)", "2026-03-02 11:00:00 UTC", "3f1c2b9e-0d4a-4c55-9a57-1b2c3d4e5f60",
		"exp", "iat", "2026-03-02 10:00:00 UTC", "sub", "api@example.com", "aud", "eset-connect", "scope", "read write"} {
		if !strings.Contains(all, w) {
			t.Errorf("details lack %q:\n%s", w, all)
		}
	}
	if strings.Contains(all, testJWT) || strings.Contains(all, strings.Split(testJWT, ".")[1]) {
		t.Error("details show the raw token")
	}
}

func TestMarkup(t *testing.T) {
	u := newTestUI(t, &fakeAPI{signIn: func(localapi.SignInRequest) (localapi.Account, error) {
		return localapi.Account{}, rejected(422, localapi.CodeRejected, auth.ErrBadCredentials, "3f1c2b9e-0d4a-4c55-9a57-1b2c3d4e5f60")
	}})
	u.apply(statusWith())
	test.AssertRendersToMarkup(t, "signin.xml", u.w.Canvas())
	fillSignIn(u.signIn, "api@example.com", "pw")
	test.Tap(u.signIn.submit)
	test.AssertRendersToMarkup(t, "signin_error.xml", u.w.Canvas())

	b := freshAccount("us-ops")
	b.Region, b.Phase = "us", localapi.PhaseExpiring
	b.Obtained, b.Expiry = testNow.Add(-55*time.Minute), testNow.Add(5*time.Minute)
	u.apply(statusWith(freshAccount("eu-api"), b))
	u.show(screenAccounts)
	test.AssertRendersToMarkup(t, "accounts.xml", u.w.Canvas())
	u.settings.open("eu-api")
	test.AssertRendersToMarkup(t, "settings.xml", u.w.Canvas())
}
