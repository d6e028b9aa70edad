package auth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/auth"
	"github.com/tokentray/tokentray/auth/authtest"
)

const (
	user     = "api@corp.example"
	password = "S3cret-Passw0rd!"
)

func newClient(t *testing.T) (*auth.Client, *authtest.Server) {
	t.Helper()
	srv := authtest.NewTB(t)
	srv.AddUser(user, password)
	return &auth.Client{BaseURL: srv.URL, Poll: time.Millisecond, Timeout: 10 * time.Second}, srv
}

func lastTokenRequest(t *testing.T, srv *authtest.Server) authtest.Request {
	t.Helper()
	reqs := srv.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Path == authtest.TokenPath {
			return reqs[i]
		}
	}
	t.Fatal("no token request recorded")
	return authtest.Request{}
}

func TestPasswordGrant(t *testing.T) {
	c, srv := newClient(t)
	now := time.Date(2026, 12, 4, 14, 0, 0, 0, time.UTC)
	c.Now = func() time.Time { return now }
	srv.SetLifetime(time.Hour)

	tok, err := c.PasswordGrant(context.Background(), user, password)
	if err != nil {
		t.Fatalf("PasswordGrant: %v", err)
	}
	if got, want := tok.AccessToken, srv.AccessToken(user); got != want {
		t.Errorf("AccessToken = %q; want the server's %q", got, want)
	}
	if got, want := tok.RefreshToken, srv.RefreshToken(user); got != want {
		t.Errorf("RefreshToken = %q; want %q", got, want)
	}
	if got, want := tok.Expiry, now.Add(time.Hour); !got.Equal(want) {
		t.Errorf("Expiry = %v; want %v", got, want)
	}
	if got, want := tok.TokenType, "Bearer"; got != want {
		t.Errorf("TokenType = %q; want %q", got, want)
	}
	req := lastTokenRequest(t, srv)
	if got, want := tok.RequestID, req.RequestID; got != want || got == "" {
		t.Errorf("RequestID = %q; want the response's %q", got, want)
	}
	if got, want := req.ContentType, "application/x-www-form-urlencoded"; got != want {
		t.Errorf("Content-Type = %q; want %q", got, want)
	}
	if req.GrantType != "password" || req.Form.Get("username") != user || req.Form.Get("password") != password {
		t.Errorf("form = grant %q user %q; want password grant for %q", req.GrantType, req.Form.Get("username"), user)
	}
	if req.Form.Has("client_id") || req.Header.Get("Authorization") != "" {
		t.Errorf("sent client credentials ESET does not take")
	}
	if got := len(srv.Requests()); got != 1 {
		t.Errorf("requests = %d; want 1", got)
	}
}

func TestRefreshRotates(t *testing.T) {
	c, srv := newClient(t)
	first, err := c.PasswordGrant(context.Background(), user, password)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.Refresh(context.Background(), first.RefreshToken)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
		t.Errorf("refresh did not rotate the tokens")
	}
	if got := lastTokenRequest(t, srv).GrantType; got != "refresh_token" {
		t.Errorf("grant_type = %q; want refresh_token", got)
	}
	// The old refresh token is spent.
	_, err = c.Refresh(context.Background(), first.RefreshToken)
	if !errors.Is(err, auth.ErrRefreshRejected) {
		t.Errorf("reusing a spent refresh token: %v; want ErrRefreshRejected", err)
	}
	if _, err := c.Refresh(context.Background(), ""); !errors.Is(err, auth.ErrRefreshRejected) {
		t.Errorf("empty refresh token: %v; want ErrRefreshRejected", err)
	}
}

func TestErrorClasses(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fault     authtest.Fault
		password  string
		refresh   bool
		want      auth.Kind
		temporary bool
		inText    string
	}{
		{"wrong password", authtest.OK(), "wrong", false, auth.ErrBadCredentials, false, "invalid_grant"},
		{"expired password", authtest.InvalidGrant(), password, false, auth.ErrBadCredentials, false, "HTTP 400"},
		{"refresh rejected", authtest.InvalidGrant(), password, true, auth.ErrRefreshRejected, false, "invalid_grant"},
		{"forbidden", authtest.Forbidden(), password, false, auth.ErrForbidden, false, "HTTP 403"},
		{"bad request", authtest.Status(400), password, false, auth.ErrRejected, false, "HTTP 400"},
		{"rate limited", authtest.RateLimited(), password, false, auth.ErrRateLimited, true, "HTTP 429"},
		{"server error", authtest.ServerError(), password, false, auth.ErrServer, true, "HTTP 500"},
		{"bad gateway", authtest.Status(502), password, true, auth.ErrServer, true, "HTTP 502"},
		{"html page", authtest.HTML(), password, false, auth.ErrMalformed, true, "HTML"},
		{"truncated json", authtest.Truncated(), password, true, auth.ErrMalformed, true, "not a readable"},
		{"missing access_token", authtest.MissingAccessToken(), password, false, auth.ErrMalformed, true, "not a readable"},
		{"secret echoed", authtest.EchoSecret(), password, true, auth.ErrRefreshRejected, false, "invalid_grant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, srv := newClient(t)
			first, err := c.PasswordGrant(context.Background(), user, password)
			if err != nil {
				t.Fatal(err)
			}
			srv.Script(tc.fault)
			if tc.refresh {
				_, err = c.Refresh(context.Background(), first.RefreshToken)
			} else {
				_, err = c.PasswordGrant(context.Background(), user, tc.password)
			}
			var ae *auth.Error
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v (%T); want *auth.Error", err, err)
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v; want kind %v", err, tc.want)
			}
			if got := auth.IsTemporary(err); got != tc.temporary {
				t.Errorf("IsTemporary = %v; want %v", got, tc.temporary)
			}
			if got, want := ae.RequestID, lastTokenRequest(t, srv).RequestID; got != want || got == "" {
				t.Errorf("RequestID = %q; want %q", got, want)
			}
			text := err.Error()
			if !strings.Contains(text, tc.inText) || !strings.Contains(text, ae.RequestID) {
				t.Errorf("error %q does not mention %q and the request-id", text, tc.inText)
			}
			if auth.Hint(err) == "" {
				t.Errorf("no hint for %v", err)
			}
			for _, secret := range []string{password, first.RefreshToken, first.AccessToken} {
				if strings.Contains(text, secret) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), secret) {
					t.Errorf("error text reveals a secret: %s", text)
				}
			}
		})
	}
}

func TestNetworkErrors(t *testing.T) {
	c, srv := newClient(t)
	srv.Close()
	_, err := c.PasswordGrant(context.Background(), user, password)
	if !errors.Is(err, auth.ErrNetwork) || !auth.IsTemporary(err) {
		t.Errorf("closed server: %v; want temporary ErrNetwork", err)
	}
	if strings.Contains(err.Error(), password) {
		t.Errorf("network error reveals the password: %v", err)
	}

	c, srv = newClient(t)
	srv.Script(authtest.Slow(time.Minute))
	c.Timeout = 100 * time.Millisecond
	_, err = c.PasswordGrant(context.Background(), user, password)
	if !errors.Is(err, auth.ErrNetwork) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow server: %v; want ErrNetwork wrapping DeadlineExceeded", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.PasswordGrant(ctx, user, password)
	if !errors.Is(err, context.Canceled) || errors.Is(err, auth.ErrNetwork) {
		t.Errorf("canceled: %v; want context.Canceled, not a network error", err)
	}
}

func TestAcceptedProtocol(t *testing.T) {
	t.Run("202 three times", func(t *testing.T) {
		c, srv := newClient(t)
		srv.Script(authtest.Accepted(3))
		tok, err := c.PasswordGrant(context.Background(), user, password)
		if err != nil {
			t.Fatalf("PasswordGrant: %v", err)
		}
		reqs := srv.Requests()
		if got := len(reqs); got != 4 {
			t.Fatalf("requests = %d; want 4 (one, then three retrievals)", got)
		}
		if reqs[0].ResponseID != "" {
			t.Errorf("first request carried a response-id")
		}
		for i, r := range reqs[1:] {
			if r.ResponseID == "" || r.Form.Encode() != reqs[0].Form.Encode() {
				t.Errorf("retrieval %d: response-id %q, same form %v", i+1, r.ResponseID, r.Form.Encode() == reqs[0].Form.Encode())
			}
		}
		if tok.AccessToken != srv.AccessToken(user) || srv.Grants("password") != 1 {
			t.Errorf("want exactly one grant, delivered through the cache")
		}
		if tok.RequestID != reqs[3].RequestID {
			t.Errorf("RequestID = %q; want the final response's %q", tok.RequestID, reqs[3].RequestID)
		}
	})
	t.Run("lost cached answer is not re-sent", func(t *testing.T) {
		c, srv := newClient(t)
		srv.Script(authtest.StaleResponseID())
		_, err := c.PasswordGrant(context.Background(), user, password)
		if !errors.Is(err, auth.ErrServer) || !auth.IsTemporary(err) {
			t.Fatalf("err = %v; want a temporary ErrServer", err)
		}
		// ESET processed the grant once; sending the password again could
		// count as a second login attempt.
		if reqs := srv.Requests(); len(reqs) != 2 || reqs[1].Status != 404 {
			t.Errorf("requests: %d; want 2: the original and the retrieval that got 404", len(reqs))
		}
	})
	t.Run("504 repeats the query", func(t *testing.T) {
		c, srv := newClient(t)
		srv.Script(authtest.GatewayTimeout())
		if _, err := c.PasswordGrant(context.Background(), user, password); err != nil {
			t.Fatalf("PasswordGrant: %v", err)
		}
		reqs := srv.Requests()
		if len(reqs) != 3 || reqs[1].Status != 504 || reqs[2].ResponseID != reqs[1].ResponseID {
			t.Errorf("want original, 504, and the same response-id again; got %d requests", len(reqs))
		}
	})
	t.Run("never ready is bounded", func(t *testing.T) {
		c, srv := newClient(t)
		c.Timeout = 200 * time.Millisecond
		srv.Script(authtest.Accepted(100000))
		_, err := c.PasswordGrant(context.Background(), user, password)
		if !errors.Is(err, auth.ErrServer) || auth.RequestID(err) == "" {
			t.Errorf("err = %v; want ErrServer with a request-id", err)
		}
	})
}

func TestRedirectIsNotFollowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("request-id", "rid-redirect")
		http.Redirect(w, r, "/login", http.StatusFound)
	}))
	defer srv.Close()
	c := &auth.Client{BaseURL: srv.URL}
	_, err := c.PasswordGrant(context.Background(), user, password)
	if !errors.Is(err, auth.ErrMalformed) || !strings.Contains(err.Error(), "redirect") || auth.RequestID(err) != "rid-redirect" {
		t.Errorf("err = %v; want ErrMalformed naming the redirect, with its request-id", err)
	}
}

func TestTokenLifetimeFromJWTWhenExpiresInMissing(t *testing.T) {
	exp := time.Now().Add(30 * time.Minute).Unix()
	jwt := "eyJhbGciOiJub25lIn0." + b64(fmt.Sprintf(`{"exp":%d}`, exp)) + ".c2ln"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","refresh_token":"r-123456789"}`, jwt)
	}))
	defer srv.Close()
	tok, err := (&auth.Client{BaseURL: srv.URL}).PasswordGrant(context.Background(), user, password)
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Expiry.Unix(); got != exp {
		t.Errorf("Expiry = %d; want the JWT's exp %d", got, exp)
	}
}
