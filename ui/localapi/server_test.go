package localapi

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/tokentray/tokentray/auth/authtest"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokentray/tokentray/auth"
	"github.com/tokentray/tokentray/auth/keeper"
)

func TestEndpoints(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	status := Status{
		Accounts: []Account{
			{Name: "eu-api", Region: "eu", Username: "api@example.com", Phase: PhaseFresh, Expiry: exp, MinValid: Duration(5 * time.Minute)},
			{Name: "us api/2", Region: "us", Username: "us@example.com", Phase: PhaseSignedOut},
		},
		Default:  "eu-api",
		TrayHost: true,
		Version:  "1.2.3",
		PID:      42,
	}
	var (
		mu    sync.Mutex
		calls []string
	)
	record := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, s)
	}
	b := &fakeBackend{
		StatusFunc: func(context.Context) Status { return status },
		TokenFunc: func(_ context.Context, req TokenRequest) (TokenResponse, error) {
			mv := "nil"
			if req.MinValid != nil {
				mv = req.MinValid.String()
			}
			record("token " + req.Profile + " " + mv)
			return TokenResponse{Profile: "eu-api", AccessToken: "at", TokenType: "Bearer", ExpiresAt: exp, ExpiresIn: 3600}, nil
		},
		SignInFunc: func(_ context.Context, req SignInRequest) (Account, error) {
			record(fmt.Sprintf("signin %+v", req))
			return Account{Name: req.Profile, Username: req.Username, Phase: PhaseFresh}, nil
		},
		SignOutFunc: func(_ context.Context, p string, req SignOutRequest) error {
			record(fmt.Sprintf("signout %s %v", p, req.Forget))
			return nil
		},
		RemoveFunc:     func(_ context.Context, p string) error { record("remove " + p); return nil },
		SetDefaultFunc: func(_ context.Context, p string) error { record("default " + p); return nil },
		RefreshFunc:    func(_ context.Context, p string) error { record("refresh " + p); return nil },
		SettingsFunc: func(_ context.Context, p string, req SettingsRequest) (Account, error) {
			record(fmt.Sprintf("settings %s %v %v", p, *req.NotifyLead, req.MinValid == nil))
			return Account{Name: p, NotifyLead: *req.NotifyLead}, nil
		},
		CopyFunc: func(_ context.Context, p string, header bool) error {
			record(fmt.Sprintf("copy %s %v", p, header))
			return nil
		},
		OpenWindowFunc: func(context.Context) error { record("window"); return nil },
		QuitFunc:       func(context.Context) error { record("quit"); return nil },
	}
	a := startAgent(t, b)
	c, ctx := a.client, ctxT(t)

	st, err := c.Status(ctx)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if !reflect.DeepEqual(st, status) {
		t.Errorf("Status = %+v; want %+v", st, status)
	}
	accts, err := c.Accounts(ctx)
	if err != nil {
		t.Fatalf("Accounts: %v", err)
	}
	if !reflect.DeepEqual(accts, status.Accounts) {
		t.Errorf("Accounts = %+v; want %+v", accts, status.Accounts)
	}
	if err := c.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}

	tok, err := c.Token(ctx, TokenRequest{Profile: "eu-api"})
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if want := (TokenResponse{Profile: "eu-api", AccessToken: "at", TokenType: "Bearer", ExpiresAt: exp, ExpiresIn: 3600}); tok != want {
		t.Errorf("Token = %+v; want %+v", tok, want)
	}
	mv := Duration(90 * time.Second)
	if _, err := c.Token(ctx, TokenRequest{MinValid: &mv}); err != nil {
		t.Fatalf("Token with MinValid: %v", err)
	}

	sreq := SignInRequest{Profile: "new", Region: "eu", Username: "u@example.com", Password: "pw", Remember: true, MakeDefault: true}
	acct, err := c.SignIn(ctx, sreq)
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	if got, want := acct.Name+" "+acct.Username, "new u@example.com"; got != want {
		t.Errorf("SignIn account = %q; want %q", got, want)
	}
	lead := Duration(2 * time.Minute)
	if acct, err := c.UpdateSettings(ctx, "eu-api", SettingsRequest{NotifyLead: &lead}); err != nil || acct.NotifyLead != lead {
		t.Errorf("UpdateSettings = %+v, %v; want notify lead 2m", acct, err)
	}
	for _, step := range []struct {
		name string
		call func() error
	}{
		{"SignOut", func() error { return c.SignOut(ctx, "us api/2", true) }},
		{"SignOut keep", func() error { return c.SignOut(ctx, "eu-api", false) }},
		{"Remove", func() error { return c.Remove(ctx, "us api/2") }},
		{"SetDefault", func() error { return c.SetDefault(ctx, "eu-api") }},
		{"Refresh", func() error { return c.Refresh(ctx, "eu-api") }},
		{"Copy", func() error { return c.Copy(ctx, "eu-api", true) }},
		{"OpenWindow", func() error { return c.OpenWindow(ctx) }},
		{"Quit", func() error { return c.Quit(ctx) }},
	} {
		if err := step.call(); err != nil {
			t.Errorf("%s: %v", step.name, err)
		}
	}
	// Quit runs after the answer, in a goroutine.
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(calls)
		mu.Unlock()
		if n == 12 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	want := []string{
		"token eu-api nil",
		"token  1m30s",
		fmt.Sprintf("signin %+v", sreq),
		"settings eu-api 2m0s true",
		"signout us api/2 true",
		"signout eu-api false",
		"remove us api/2",
		"default eu-api",
		"refresh eu-api",
		"copy eu-api true",
		"window",
		"quit",
	}
	mu.Lock()
	defer mu.Unlock()
	if !reflect.DeepEqual(calls, want) {
		t.Errorf("backend calls:\n%s\nwant:\n%s", strings.Join(calls, "\n"), strings.Join(want, "\n"))
	}
}

func TestClientRejectsEmptyProfile(t *testing.T) {
	c := NewClient("/nonexistent/agent.sock")
	ctx := ctxT(t)
	for name, err := range map[string]error{
		"SignOut":    c.SignOut(ctx, "", false),
		"Remove":     c.Remove(ctx, ""),
		"SetDefault": c.SetDefault(ctx, ""),
		"Refresh":    c.Refresh(ctx, ""),
	} {
		if !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s(\"\") = %v; want ErrBadRequest", name, err)
		}
	}
}

func TestEmptyAccountsAreAList(t *testing.T) {
	a := startAgent(t, &fakeBackend{StatusFunc: func(context.Context) Status { return Status{} }})
	for _, p := range []string{"/v1/status", "/v1/accounts"} {
		code, _, body := a.raw(t, "GET", p, "")
		if code != 200 || strings.Contains(string(body), "null") {
			t.Errorf("GET %s = %d %s; want 200 without null", p, code, body)
		}
	}
}

func TestBackendErrorsReachClient(t *testing.T) {
	rid := "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
	var next error
	b := &fakeBackend{TokenFunc: func(context.Context, TokenRequest) (TokenResponse, error) { return TokenResponse{}, next }}
	a := startAgent(t, b)
	ctx := ctxT(t)

	next = &keeper.SignInNeededError{Profile: "eu", Err: &auth.Error{Kind: auth.ErrBadCredentials, Op: "password grant", Status: 400, RequestID: rid}}
	_, err := a.client.Token(ctx, TokenRequest{Profile: "eu"})
	if !errors.Is(err, keeper.ErrSignInNeeded) {
		t.Errorf("errors.Is(%v, keeper.ErrSignInNeeded) = false", err)
	}
	wrapped := fmt.Errorf("getting a token: %w", err)
	if got, want := auth.Hint(wrapped), auth.ErrBadCredentials.Hint(); got != want {
		t.Errorf("auth.Hint = %q; want %q", got, want)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T is not an *Error", err)
	}
	if e.Status != 409 || e.Body.RequestID != rid || e.RequestID() != rid || e.Error() != next.Error() {
		t.Errorf("*Error = %+v; want 409, request-id %s, message %q", e, rid, next.Error())
	}
	if auth.IsTemporary(err) {
		t.Errorf("auth.IsTemporary(sign-in needed) = true")
	}

	next = fmt.Errorf("account %q: %w", "nope", ErrNotFound)
	_, err = a.client.Token(ctx, TokenRequest{Profile: "nope"})
	if !errors.Is(err, ErrNotFound) || errors.Is(err, keeper.ErrSignInNeeded) {
		t.Errorf("unknown account: %v; want ErrNotFound only", err)
	}

	next = &auth.Error{Kind: auth.ErrNetwork, Op: "refresh"}
	_, err = a.client.Token(ctx, TokenRequest{})
	if !auth.IsTemporary(err) {
		t.Errorf("auth.IsTemporary(%v) = false; want true", err)
	}
	if errors.Is(err, ErrNoAgent) {
		t.Errorf("an agent's answer matches ErrNoAgent: %v", err)
	}
}

func TestNoAgent(t *testing.T) {
	dir := shortTempDir(t)
	ctx := ctxT(t)
	missing := NewClient(dir + "/missing.sock")
	if err := missing.Ping(ctx); !errors.Is(err, ErrNoAgent) {
		t.Errorf("Ping without a socket = %v; want ErrNoAgent", err)
	}
	stale := makeStaleSocket(t, dir+"/stale.sock")
	_, err := NewClient(stale).Token(ctx, TokenRequest{})
	if !errors.Is(err, ErrNoAgent) {
		t.Errorf("Token on a stale socket = %v; want ErrNoAgent", err)
	}
	if _, err := NewClient(stale).Watch(ctx); !errors.Is(err, ErrNoAgent) {
		t.Errorf("Watch on a stale socket = %v; want ErrNoAgent", err)
	}
}

func TestStream(t *testing.T) {
	bc := newBroadcaster(Status{Version: "1"})
	a := startAgent(t, &fakeBackend{WatchFunc: bc.Watch})
	ctx, cancel := context.WithCancel(ctxT(t))
	ch, err := a.client.Watch(ctx)
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	recv := func() (Status, bool) {
		t.Helper()
		select {
		case st, ok := <-ch:
			return st, ok
		case <-time.After(5 * time.Second):
			t.Fatal("no status from the stream")
			return Status{}, false
		}
	}
	if st, ok := recv(); !ok || st.Version != "1" {
		t.Fatalf("first status = %+v, %v; want version 1", st, ok)
	}
	for _, v := range []string{"2", "3"} {
		bc.Set(Status{Version: v})
		if st, ok := recv(); !ok || st.Version != v {
			t.Fatalf("status = %+v, %v; want version %s", st, ok, v)
		}
	}
	cancel()
	for {
		if _, ok := recv(); !ok {
			break
		}
	}
	// The server's handler notices the client went away and cancels the
	// backend's watch.
	authtest.WaitFor(t, "the watch to be cancelled", 5*time.Second, func() bool { return bc.watchers() == 0 })

	// The server keeps serving after a stream ends.
	if err := a.client.Ping(ctxT(t)); err != nil {
		t.Errorf("Ping after stream: %v", err)
	}
}

func TestStreamIsNDJSON(t *testing.T) {
	bc := newBroadcaster(Status{Version: "1"})
	a := startAgent(t, &fakeBackend{WatchFunc: bc.Watch})
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://tokentray/v1/status/stream", nil)
	resp, err := a.client.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Errorf("Content-Type = %q; want application/x-ndjson", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	for _, v := range []string{"1", "2"} {
		if v != "1" {
			bc.Set(Status{Version: v})
		}
		if !sc.Scan() {
			t.Fatalf("stream ended: %v", sc.Err())
		}
		var st Status
		if err := json.Unmarshal(sc.Bytes(), &st); err != nil || st.Version != v {
			t.Errorf("line %q: %+v, %v; want one Status of version %s", sc.Bytes(), st, err, v)
		}
	}
}

func TestStreamEndsOnShutdown(t *testing.T) {
	bc := newBroadcaster(Status{Version: "1"})
	a := startAgent(t, &fakeBackend{WatchFunc: bc.Watch})
	ch, err := a.client.Watch(ctxT(t))
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	<-ch
	start := time.Now()
	a.stop(t)
	if d := time.Since(start); d > shutdownTimeout/2 {
		t.Errorf("shutdown took %v with an open stream; want it to end the stream at once", d)
	}
	select {
	case _, ok := <-ch:
		if ok {
			t.Error("stream still delivers after shutdown")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("client channel not closed after server shutdown")
	}
	authtest.WaitFor(t, "the watch to be cancelled", 5*time.Second, func() bool { return bc.watchers() == 0 })
}

// TestQuitMayWaitForShutdown runs Quit the way the agent will: it cancels
// Serve's context and waits for Serve to return. The answer must arrive
// first and nothing may deadlock.
func TestQuitMayWaitForShutdown(t *testing.T) {
	var a *testAgent
	quitDone := make(chan struct{})
	b := &fakeBackend{QuitFunc: func(ctx context.Context) error {
		defer close(quitDone)
		if ctx.Err() != nil {
			t.Errorf("Quit's context is already done: %v", ctx.Err())
		}
		a.cancel()
		<-a.done
		return nil
	}}
	a = startAgent(t, b)
	if err := a.client.Quit(ctxT(t)); err != nil {
		t.Fatalf("Quit: %v", err)
	}
	select {
	case <-quitDone:
	case <-time.After(5 * time.Second):
		t.Fatal("backend Quit did not finish")
	}
	a.done <- nil // for the cleanup's stop
	if err := a.client.Ping(ctxT(t)); !errors.Is(err, ErrNoAgent) {
		t.Errorf("Ping after quit = %v; want ErrNoAgent (socket removed)", err)
	}
}

func TestMalformedRequests(t *testing.T) {
	var gotMinValid atomic.Value
	b := &fakeBackend{
		TokenFunc: func(_ context.Context, req TokenRequest) (TokenResponse, error) {
			if req.MinValid != nil {
				gotMinValid.Store(*req.MinValid)
			}
			return TokenResponse{Profile: "p"}, nil
		},
		SignInFunc: func(context.Context, SignInRequest) (Account, error) {
			return Account{}, fmt.Errorf("%w: username is empty", ErrBadRequest)
		},
		SignOutFunc: func(context.Context, string, SignOutRequest) error { return nil },
	}
	a := startAgent(t, b)
	huge := `{"profile":"` + strings.Repeat("x", maxRequestBody) + `"}`
	for _, tc := range []struct {
		method, path, body string
		status             int
		code               string
		msg                string // part of the message
	}{
		{"POST", "/v1/accounts", `{"profile":"a",`, 400, CodeBadRequest, "ends in the middle"},
		{"POST", "/v1/accounts", `{"profile" "a"}`, 400, CodeBadRequest, "syntax error at byte"},
		{"POST", "/v1/accounts", `{"profile":"a","passwrd":"x"}`, 400, CodeBadRequest, `unknown field "passwrd"`},
		{"POST", "/v1/accounts", `{"password":5}`, 400, CodeBadRequest, `field "password" must be a JSON string, not a JSON number`},
		{"POST", "/v1/accounts", `[1]`, 400, CodeBadRequest, "must be a JSON object"},
		{"POST", "/v1/accounts", ``, 400, CodeBadRequest, "empty"},
		{"POST", "/v1/accounts", `{"profile":"a"}`, 400, CodeBadRequest, "username is empty"},
		{"POST", "/v1/accounts", huge, 413, CodeBadRequest, "larger than 65536 bytes"},
		{"POST", "/v1/token", `{"profile":"a"} {"profile":"b"}`, 400, CodeBadRequest, "data after the JSON object"},
		{"POST", "/v1/token", `{"profile":"a"}garbage`, 400, CodeBadRequest, "data after the JSON object"},
		{"POST", "/v1/token", `{"profile":"a"}` + strings.Repeat(" ", maxRequestBody), 413, CodeBadRequest, "larger than"},
		{"POST", "/v1/token", `{"min_valid":5}`, 400, CodeBadRequest, "duration"},
		{"POST", "/v1/token", `{"min_valid":"soon"}`, 400, CodeBadRequest, "duration"},
		{"POST", "/v1/token", `{"min_valid":"90s"}` + "\n\n", 200, "", ""},
		{"POST", "/v1/token", ``, 200, "", ""},
		{"POST", "/v1/accounts/a/signout", ``, 204, "", ""},
		{"POST", "/v1/accounts/a/signout", `{"forget":"yes"}`, 400, CodeBadRequest, `field "forget" must be a JSON boolean`},
		{"DELETE", "/v1/status", ``, 405, CodeBadRequest, "not allowed"},
		{"GET", "/v1/token", ``, 405, CodeBadRequest, "not allowed"},
		{"PUT", "/v1/accounts/a", ``, 405, CodeBadRequest, "not allowed"},
		{"GET", "/v1/nope", ``, 404, CodeNotFound, "no such endpoint"},
		{"GET", "/", ``, 404, CodeNotFound, "no such endpoint"},
		{"GET", "/v1/status/", ``, 404, CodeNotFound, "no such endpoint"},
		{"GET", "/v1//status", ``, 404, CodeNotFound, "no such endpoint"},
		{"GET", "/v1/accounts/../status", ``, 404, CodeNotFound, "no such endpoint"},
		{"POST", "/v1/accounts//refresh", ``, 404, CodeNotFound, "no such endpoint"},
	} {
		name := fmt.Sprintf("%s %s %.40q", tc.method, tc.path, tc.body)
		code, hdr, body := a.raw(t, tc.method, tc.path, tc.body)
		if code != tc.status {
			t.Errorf("%s: status %d; want %d (body %s)", name, code, tc.status, body)
		}
		if code == http.StatusMethodNotAllowed && hdr.Get("Allow") == "" {
			t.Errorf("%s: 405 without an Allow header", name)
		}
		if tc.code == "" {
			continue
		}
		if ct := hdr.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q; want application/json", name, ct)
		}
		var eb ErrorBody
		if err := json.Unmarshal(body, &eb); err != nil {
			t.Errorf("%s: body %q is not an ErrorBody: %v", name, body, err)
			continue
		}
		if eb.Code != tc.code || !strings.Contains(eb.Error, tc.msg) {
			t.Errorf("%s: %+v; want code %s and a message containing %q", name, eb, tc.code, tc.msg)
		}
		// The server keeps serving.
		if code, _, _ := a.raw(t, "GET", "/v1/status", ""); code != 200 {
			t.Fatalf("after %s: GET /v1/status = %d", name, code)
		}
	}
	if got, _ := gotMinValid.Load().(Duration); got != Duration(90*time.Second) {
		t.Errorf("min_valid reached the backend as %v; want 1m30s", got)
	}
}

func TestPanicGives500(t *testing.T) {
	var m map[string]int
	b := &fakeBackend{
		TokenFunc: func(_ context.Context, req TokenRequest) (TokenResponse, error) {
			m[req.Profile]++ // nil map: a runtime error
			return TokenResponse{}, nil
		},
		SignInFunc: func(_ context.Context, req SignInRequest) (Account, error) {
			panic(req) // a panic value that holds a password
		},
		QuitFunc: func(context.Context) error { panic("quit") },
	}
	a := startAgent(t, b)
	ctx := ctxT(t)
	for i := 0; i < 2; i++ {
		_, err := a.client.Token(ctx, TokenRequest{Profile: "p"})
		var e *Error
		if !errors.As(err, &e) || e.Status != 500 || e.Body.Code != CodeInternal {
			t.Errorf("Token with a panicking backend = %v; want a 500 *Error", err)
		}
		if err := a.client.Ping(ctx); err != nil {
			t.Fatalf("Ping after panic: %v", err)
		}
	}
	const pw = "Panic-Pa55word-9f2c"
	_, err := a.client.SignIn(ctx, SignInRequest{Profile: "p", Username: "u", Password: pw})
	var e *Error
	if !errors.As(err, &e) || e.Status != 500 {
		t.Errorf("SignIn with a panicking backend = %v; want a 500 *Error", err)
	}
	if err := a.client.Quit(ctx); err != nil {
		t.Errorf("Quit with a panicking backend = %v; want nil (answered first)", err)
	}
	authtest.WaitFor(t, "the Quit panic to be logged", 5*time.Second, func() bool { return strings.Contains(a.log.String(), "panic in Quit") })
	if err := a.client.Ping(ctx); err != nil {
		t.Fatalf("Ping after panics: %v", err)
	}
	log := a.log.String()
	if !strings.Contains(log, "assignment to entry in nil map") || !strings.Contains(log, "localapi.SignInRequest") {
		t.Errorf("log does not describe the panics:\n%s", log)
	}
	if strings.Contains(log, pw) {
		t.Errorf("log contains the password:\n%s", log)
	}
}

// TestNoSecretsInLogs sends a password (and gets a token) every way a
// request can go wrong, and checks neither ever appears in the server's log
// or in an error the client returns.
func TestNoSecretsInLogs(t *testing.T) {
	const (
		pw  = "Hunter2-S3cret-pw-7d1e"
		tok = "eyJ-access-token-SECRET-4c2a"
	)
	b := &fakeBackend{
		SignInFunc: func(_ context.Context, req SignInRequest) (Account, error) {
			switch req.Profile {
			case "rejected":
				return Account{}, &auth.Error{Kind: auth.ErrBadCredentials, Op: "password grant", Status: 400, Code: "invalid_grant", RequestID: "rid"}
			case "broken":
				return Account{}, errors.New("keyring: the collection is locked")
			case "slow":
				return Account{}, fmt.Errorf("signing in: %w", context.DeadlineExceeded)
			}
			return Account{Name: req.Profile}, nil
		},
		TokenFunc: func(context.Context, TokenRequest) (TokenResponse, error) {
			return TokenResponse{Profile: "p", AccessToken: tok, TokenType: "Bearer"}, nil
		},
	}
	a := startAgent(t, b)
	ctx := ctxT(t)
	var clientErrs []string
	for _, profile := range []string{"rejected", "broken", "slow", "ok"} {
		_, err := a.client.SignIn(ctx, SignInRequest{Profile: profile, Username: "u@example.com", Password: pw})
		if err != nil {
			clientErrs = append(clientErrs, err.Error(), auth.Hint(err))
		}
	}
	if len(clientErrs) != 6 {
		t.Errorf("got %d client errors and hints; want 6", len(clientErrs))
	}
	if resp, err := a.client.Token(ctx, TokenRequest{}); err != nil || resp.AccessToken != tok {
		t.Errorf("Token = %+v, %v", resp, err)
	}
	q := fmt.Sprintf("%q", pw)
	for _, body := range []string{
		`{"profile":"p","password":` + q,                                    // truncated
		`{"profile":"p","password":` + pw + `}`,                             // unquoted
		`{"profile":"p","password":` + q + `,"pasword":` + q + `}`,          // unknown field
		`{"profile":"p","password":` + q + `} {"password":` + q + `}`,       // trailing data
		`{"profile":"p","password":` + q + `}` + pw,                         // trailing garbage
		`{"profile":"p","password":[` + q + `]}`,                            // wrong type
		`{"profile":"p","` + pw + `":1}`,                                    // a password where a key goes
		`{"profile":"p","password":` + q + strings.Repeat(" ", 70000) + `}`, // too big
	} {
		code, _, resp := a.raw(t, "POST", "/v1/accounts", body)
		if code < 400 || code > 499 {
			t.Errorf("body %.60q: status %d; want 4xx", body, code)
		}
		clientErrs = append(clientErrs, string(resp))
	}
	log := a.log.String()
	if !strings.Contains(log, "local API request failed") {
		t.Errorf("failures were not logged:\n%s", log)
	}
	for _, secret := range []string{pw, tok} {
		if strings.Contains(log, secret) {
			t.Errorf("server log contains a secret %q:\n%s", secret, log)
		}
	}
	for _, e := range clientErrs {
		if strings.Contains(e, pw) {
			t.Errorf("client error contains the password: %s", e)
		}
	}
}

func TestHandlerWithHTTPTest(t *testing.T) {
	srv := httptest.NewServer(NewServer(&fakeBackend{}, nil).Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || st.Version != "test" {
		t.Errorf("GET /v1/status = %+v, %v", st, err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
}
