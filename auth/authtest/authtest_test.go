package authtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokentray/tokentray/auth/authtest"
)

const (
	formType = "application/x-www-form-urlencoded"
	alice    = "alice@example.com"
	alicePw  = "s3cret-Passw0rd"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

var client = &http.Client{Timeout: 10 * time.Second}

// response is a fully read HTTP answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// errorBody is RFC 6749's error response.
type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// tokenBody is a successful token response.
type tokenBody struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
}

func do(t testing.TB, req *http.Request) response {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// post sends body to the token endpoint as a form; headers are name, value
// pairs added to the request.
func post(t testing.TB, s *authtest.Server, body string, headers ...string) response {
	t.Helper()
	r, err := tryPost(s, body, headers...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tryPost is post for goroutines other than the test's, which must not
// call t.Fatal.
func tryPost(s *authtest.Server, body string, headers ...string) (response, error) {
	req, err := http.NewRequest(http.MethodPost, s.TokenURL(), strings.NewReader(body))
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Content-Type", formType)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}, err
}

// tryRefresh spends a refresh token and returns the new pair, for
// goroutines other than the test's.
func tryRefresh(s *authtest.Server, rt string) (tokenBody, error) {
	r, err := tryPost(s, refreshForm(rt))
	if err != nil {
		return tokenBody{}, err
	}
	var tok tokenBody
	if r.status != http.StatusOK {
		return tok, fmt.Errorf("refresh: status %d (body %s)", r.status, r.body)
	}
	err = json.Unmarshal(r.body, &tok)
	return tok, err
}

func passwordForm(user, pw string) string {
	return url.Values{"grant_type": {"password"}, "username": {user}, "password": {pw}}.Encode()
}

func refreshForm(rt string) string {
	return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}.Encode()
}

// devices calls /v1/devices with a bearer token ("" sends none).
func devices(t testing.TB, s *authtest.Server, token string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.DevicesURL()+"?pageSize=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, req)
}

// wantToken checks that r is a successful token response and returns it.
func wantToken(t testing.TB, r response) tokenBody {
	t.Helper()
	if got, want := r.status, http.StatusOK; got != want {
		t.Fatalf("status = %d; want %d (body %s)", got, want, r.body)
	}
	if got, want := r.header.Get("Content-Type"), "application/json"; got != want {
		t.Errorf("Content-Type = %q; want %q", got, want)
	}
	var tok tokenBody
	dec := json.NewDecoder(strings.NewReader(string(r.body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tok); err != nil {
		t.Fatalf("token response %s: %v", r.body, err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("token response %s lacks a token", r.body)
	}
	if got, want := tok.TokenType, "Bearer"; got != want {
		t.Errorf("token_type = %q; want %q", got, want)
	}
	return tok
}

// wantError checks that r is a JSON error with the status and error code.
func wantError(t testing.TB, r response, status int, code string) errorBody {
	t.Helper()
	if got, want := r.status, status; got != want {
		t.Errorf("status = %d; want %d (body %s)", got, want, r.body)
	}
	if got, want := r.header.Get("Content-Type"), "application/json"; got != want {
		t.Errorf("Content-Type = %q; want %q", got, want)
	}
	var e errorBody
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	if got, want := e.Error, code; got != want {
		t.Errorf("error = %q; want %q (description %q)", got, want, e.Description)
	}
	if e.Description == "" {
		t.Errorf("error_description is empty")
	}
	return e
}

func wantRequestID(t testing.TB, r response) string {
	t.Helper()
	id := r.header.Get("request-id")
	if !uuidV4.MatchString(id) {
		t.Errorf("request-id = %q; want a UUIDv4", id)
	}
	return id
}

func newServer(t testing.TB) *authtest.Server {
	s := authtest.NewTB(t)
	s.AddUser(alice, alicePw)
	return s
}

func TestPasswordGrant(t *testing.T) {
	s := newServer(t)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s.SetNow(func() time.Time { return now })

	r := post(t, s, passwordForm(alice, alicePw))
	tok := wantToken(t, r)
	wantRequestID(t, r)
	if got, want := r.header.Get("Cache-Control"), "no-store"; got != want {
		t.Errorf("Cache-Control = %q; want %q", got, want)
	}
	if got, want := tok.ExpiresIn, int64(3600); got != want {
		t.Errorf("expires_in = %d; want %d", got, want)
	}
	if got, want := s.AccessToken(alice), tok.AccessToken; got != want {
		t.Errorf("AccessToken = %q; want %q", got, want)
	}
	if got, want := s.RefreshToken(alice), tok.RefreshToken; got != want {
		t.Errorf("RefreshToken = %q; want %q", got, want)
	}
	if got, want := s.Grants("password"), 1; got != want {
		t.Errorf("Grants(password) = %d; want %d", got, want)
	}
	if got, want := s.Grants("refresh_token"), 0; got != want {
		t.Errorf("Grants(refresh_token) = %d; want %d", got, want)
	}

	parts := strings.Split(tok.AccessToken, ".")
	if got, want := len(parts), 3; got != want {
		t.Fatalf("access token has %d segments; want %d", got, want)
	}
	if got, want := parts[0], "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"; got != want {
		t.Errorf("JWT header = %q; want %q", got, want)
	}
	for i, p := range parts {
		if strings.ContainsAny(p, "=+/") {
			t.Errorf("JWT segment %d = %q; want unpadded base64url", i, p)
		}
	}
	if got, want := len(parts[2]), 43; got != want {
		t.Errorf("JWT signature length = %d; want %d (32 bytes)", got, want)
	}
	c, err := authtest.ParseClaims(tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Subject, alice; got != want {
		t.Errorf("sub = %q; want %q", got, want)
	}
	if got, want := c.IssuedAt, now.Unix(); got != want {
		t.Errorf("iat = %d; want %d", got, want)
	}
	if got, want := c.Expiry, now.Unix()+3600; got != want {
		t.Errorf("exp = %d; want %d", got, want)
	}
	if got, want := c.Audience, authtest.Audience; got != want {
		t.Errorf("aud = %q; want %q", got, want)
	}
	if got, want := c.Scope, authtest.Scope; got != want {
		t.Errorf("scope = %q; want %q", got, want)
	}
	if !uuidV4.MatchString(c.ID) {
		t.Errorf("jti = %q; want a UUIDv4", c.ID)
	}
	if got, want := len(tok.RefreshToken), 43; got != want {
		t.Errorf("refresh token length = %d; want %d (32 bytes base64url)", got, want)
	}

	// A second sign-in issues a new pair and replaces the refresh token.
	tok2 := wantToken(t, post(t, s, passwordForm(alice, alicePw)))
	if tok2.AccessToken == tok.AccessToken || tok2.RefreshToken == tok.RefreshToken {
		t.Errorf("second password grant reissued the same tokens")
	}
	if got, want := s.RefreshToken(alice), tok2.RefreshToken; got != want {
		t.Errorf("RefreshToken = %q; want %q", got, want)
	}
	e := wantError(t, post(t, s, refreshForm(tok.RefreshToken)), http.StatusBadRequest, "invalid_grant")
	if !strings.Contains(e.Description, "replaced") {
		t.Errorf("error_description = %q; want it to say the token was replaced", e.Description)
	}
	if got, want := s.ReusedRefreshTokens(), 0; got != want {
		t.Errorf("ReusedRefreshTokens = %d; want %d (a replaced token is not a reuse)", got, want)
	}
	// Both access tokens work until they expire.
	for _, at := range []string{tok.AccessToken, tok2.AccessToken} {
		if got, want := devices(t, s, at).status, http.StatusOK; got != want {
			t.Errorf("devices status = %d; want %d", got, want)
		}
	}
}

func TestContentTypeWithParameters(t *testing.T) {
	s := newServer(t)
	wantToken(t, post(t, s, passwordForm(alice, alicePw), "Content-Type", "application/x-www-form-urlencoded; charset=utf-8"))
	wantToken(t, post(t, s, passwordForm(alice, alicePw), "Content-Type", "Application/X-WWW-Form-URLEncoded"))
}

func TestTokenRequestErrors(t *testing.T) {
	form := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	tests := []struct {
		name    string
		body    string
		headers []string
		status  int
		code    string
	}{
		{"wrong password", passwordForm(alice, "wrong"), nil, 400, "invalid_grant"},
		{"unknown user", passwordForm("bob@example.com", alicePw), nil, 400, "invalid_grant"},
		{"username case matters", passwordForm(strings.ToUpper(alice), alicePw), nil, 400, "invalid_grant"},
		{"missing password", form("grant_type", "password", "username", alice), nil, 400, "invalid_request"},
		{"missing username", form("grant_type", "password", "password", alicePw), nil, 400, "invalid_request"},
		{"empty password", form("grant_type", "password", "username", alice, "password", ""), nil, 400, "invalid_request"},
		{"missing grant_type", form("username", alice, "password", alicePw), nil, 400, "invalid_request"},
		{"empty body", "", nil, 400, "invalid_request"},
		{"unsupported grant", form("grant_type", "client_credentials"), nil, 400, "unsupported_grant_type"},
		{"authorization_code grant", form("grant_type", "authorization_code", "code", "x"), nil, 400, "unsupported_grant_type"},
		{"missing refresh_token", form("grant_type", "refresh_token"), nil, 400, "invalid_request"},
		{"unknown refresh_token", refreshForm("not-a-token"), nil, 400, "invalid_grant"},
		{"client_id", passwordForm(alice, alicePw) + "&client_id=tokentray", nil, 400, "invalid_client"},
		{"empty client_id", passwordForm(alice, alicePw) + "&client_id=", nil, 400, "invalid_client"},
		{"client_secret", passwordForm(alice, alicePw) + "&client_secret=x", nil, 400, "invalid_client"},
		{"basic auth", passwordForm(alice, alicePw), []string{"Authorization", "Basic Og=="}, 400, "invalid_client"},
		{"bearer auth", passwordForm(alice, alicePw), []string{"Authorization", "Bearer x"}, 400, "invalid_client"},
		{"repeated parameter", passwordForm(alice, alicePw) + "&password=" + url.QueryEscape(alicePw), nil, 400, "invalid_request"},
		{"malformed form", "grant_type=password&username=%zz", nil, 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			r := post(t, s, tt.body, tt.headers...)
			wantError(t, r, tt.status, tt.code)
			id := wantRequestID(t, r)
			if got, want := s.Grants("password")+s.Grants("refresh_token"), 0; got != want {
				t.Errorf("grants = %d; want %d", got, want)
			}
			if got, want := s.AccessToken(alice), ""; got != want {
				t.Errorf("AccessToken = %q; want %q", got, want)
			}
			reqs := s.Requests()
			if got, want := len(reqs), 1; got != want {
				t.Fatalf("len(Requests) = %d; want %d", got, want)
			}
			if got, want := reqs[0].Status, tt.status; got != want {
				t.Errorf("Request.Status = %d; want %d", got, want)
			}
			if got, want := reqs[0].RequestID, id; got != want {
				t.Errorf("Request.RequestID = %q; want %q", got, want)
			}
		})
	}
}

func TestHTTPErrors(t *testing.T) {
	s := newServer(t)
	body := passwordForm(alice, alicePw)
	newReq := func(method, target, contentType, body string) *http.Request {
		req, err := http.NewRequest(method, target, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		return req
	}
	tests := []struct {
		name   string
		req    *http.Request
		status int
		allow  string
	}{
		{"GET token", newReq("GET", s.TokenURL(), "", ""), 405, "POST"},
		{"PUT token", newReq("PUT", s.TokenURL(), formType, body), 405, "POST"},
		{"POST devices", newReq("POST", s.DevicesURL(), formType, body), 405, "GET"},
		{"unknown path", newReq("POST", s.URL+"/oauth/token/", formType, body), 404, ""},
		{"root", newReq("GET", s.URL+"/", "", ""), 404, ""},
		{"JSON body", newReq("POST", s.TokenURL(), "application/json", `{"grant_type":"password"}`), 415, ""},
		{"no content type", newReq("POST", s.TokenURL(), "", body), 415, ""},
		{"multipart", newReq("POST", s.TokenURL(), "multipart/form-data; boundary=x", body), 415, ""},
		{"bad content type", newReq("POST", s.TokenURL(), "application/x-www-form-urlencoded; =", body), 415, ""},
		{"query parameters", newReq("POST", s.TokenURL()+"?"+body, formType, ""), 400, ""},
		{"body too large", newReq("POST", s.TokenURL(), formType, body+"&x="+strings.Repeat("a", 64<<10)), 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, tt.req)
			if got, want := r.status, tt.status; got != want {
				t.Errorf("status = %d; want %d (body %s)", got, want, r.body)
			}
			if got, want := r.header.Get("Allow"), tt.allow; got != want {
				t.Errorf("Allow = %q; want %q", got, want)
			}
			if got, want := r.header.Get("Content-Type"), "application/json"; got != want {
				t.Errorf("Content-Type = %q; want %q", got, want)
			}
			var e errorBody
			if err := json.Unmarshal(r.body, &e); err != nil || e.Error == "" || e.Description == "" {
				t.Errorf("body = %s; want a JSON error (%v)", r.body, err)
			}
			wantRequestID(t, r)
		})
	}
	if got, want := s.Grants("password"), 0; got != want {
		t.Errorf("Grants(password) = %d; want %d", got, want)
	}
}

func TestBodyJustUnderLimit(t *testing.T) {
	s := newServer(t)
	body := passwordForm(alice, alicePw) + "&scope="
	body += strings.Repeat("a", 64<<10-len(body))
	wantToken(t, post(t, s, body))
}

func TestRequestIDsAreFresh(t *testing.T) {
	s := newServer(t)
	seen := map[string]bool{}
	for range 20 {
		id := wantRequestID(t, post(t, s, passwordForm(alice, "wrong")))
		if seen[id] {
			t.Fatalf("request-id %q repeated", id)
		}
		seen[id] = true
	}
}

func TestRefreshRotation(t *testing.T) {
	s := newServer(t)
	tok := wantToken(t, post(t, s, passwordForm(alice, alicePw)))

	r := post(t, s, refreshForm(tok.RefreshToken))
	tok2 := wantToken(t, r)
	if tok2.RefreshToken == tok.RefreshToken || tok2.AccessToken == tok.AccessToken {
		t.Fatalf("refresh did not rotate the tokens")
	}
	if got, want := s.RefreshToken(alice), tok2.RefreshToken; got != want {
		t.Errorf("RefreshToken = %q; want %q", got, want)
	}
	if got, want := s.AccessToken(alice), tok2.AccessToken; got != want {
		t.Errorf("AccessToken = %q; want %q", got, want)
	}
	if got, want := s.Grants("refresh_token"), 1; got != want {
		t.Errorf("Grants(refresh_token) = %d; want %d", got, want)
	}
	c, err := authtest.ParseClaims(tok2.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Subject, alice; got != want {
		t.Errorf("sub = %q; want %q", got, want)
	}

	// Spending the old refresh token again is refused and counted.
	e := wantError(t, post(t, s, refreshForm(tok.RefreshToken)), http.StatusBadRequest, "invalid_grant")
	if !strings.Contains(e.Description, "already used") {
		t.Errorf("error_description = %q; want it to say the token was already used", e.Description)
	}
	wantError(t, post(t, s, refreshForm(tok.RefreshToken)), http.StatusBadRequest, "invalid_grant")
	if got, want := s.ReusedRefreshTokens(), 2; got != want {
		t.Errorf("ReusedRefreshTokens = %d; want %d", got, want)
	}
	// The reuse does not revoke the newest token.
	tok3 := wantToken(t, post(t, s, refreshForm(tok2.RefreshToken)))
	if got, want := s.Grants("refresh_token"), 2; got != want {
		t.Errorf("Grants(refresh_token) = %d; want %d", got, want)
	}

	// Unknown tokens are refused but are not reuses.
	wantError(t, post(t, s, refreshForm("garbage")), http.StatusBadRequest, "invalid_grant")
	if got, want := s.ReusedRefreshTokens(), 2; got != want {
		t.Errorf("ReusedRefreshTokens = %d; want %d", got, want)
	}

	reqs := s.Requests()
	last := reqs[len(reqs)-2] // the refresh with tok2's refresh token
	if got, want := last.GrantType, "refresh_token"; got != want {
		t.Errorf("Request.GrantType = %q; want %q", got, want)
	}
	if got, want := last.Username, alice; got != want {
		t.Errorf("Request.Username = %q; want %q (the token's owner)", got, want)
	}
	if got, want := last.Form.Get("refresh_token"), tok2.RefreshToken; got != want {
		t.Errorf("Request.Form refresh_token = %q; want %q", got, want)
	}
	_ = tok3
}

func TestRevokeRefreshTokens(t *testing.T) {
	s := newServer(t)
	tok := wantToken(t, post(t, s, passwordForm(alice, alicePw)))
	s.RevokeRefreshTokens(alice)
	if got, want := s.RefreshToken(alice), ""; got != want {
		t.Errorf("RefreshToken after revoke = %q; want %q", got, want)
	}
	e := wantError(t, post(t, s, refreshForm(tok.RefreshToken)), http.StatusBadRequest, "invalid_grant")
	if !strings.Contains(e.Description, "revoked") {
		t.Errorf("error_description = %q; want it to say revoked", e.Description)
	}
	if got, want := s.ReusedRefreshTokens(), 0; got != want {
		t.Errorf("ReusedRefreshTokens = %d; want %d (a revoked token is not a reuse)", got, want)
	}
	// The access token still works, and the password still signs in.
	if got, want := devices(t, s, tok.AccessToken).status, http.StatusOK; got != want {
		t.Errorf("devices status = %d; want %d", got, want)
	}
	wantToken(t, post(t, s, passwordForm(alice, alicePw)))
	// Revoking a user who never signed in is harmless.
	s.AddUser("bob", "pw")
	s.RevokeRefreshTokens("bob")
}

func TestSetPassword(t *testing.T) {
	s := newServer(t)
	tok := wantToken(t, post(t, s, passwordForm(alice, alicePw)))
	s.SetPassword(alice, "new-password")
	wantError(t, post(t, s, passwordForm(alice, alicePw)), http.StatusBadRequest, "invalid_grant")
	// The refresh token survives a password change.
	wantToken(t, post(t, s, refreshForm(tok.RefreshToken)))
	wantToken(t, post(t, s, passwordForm(alice, "new-password")))
	// AddUser on an existing user changes the password too.
	s.AddUser(alice, "third")
	wantError(t, post(t, s, passwordForm(alice, "new-password")), http.StatusBadRequest, "invalid_grant")
	wantToken(t, post(t, s, passwordForm(alice, "third")))
}

func TestLifetime(t *testing.T) {
	tests := []struct {
		lifetime time.Duration
		want     int64
	}{
		{90 * time.Second, 90},
		{90*time.Second + 900*time.Millisecond, 90},
		{500 * time.Millisecond, 1},
		{time.Nanosecond, 1},
		{24 * time.Hour, 86400},
	}
	for _, tt := range tests {
		t.Run(tt.lifetime.String(), func(t *testing.T) {
			s := newServer(t)
			now := time.Date(2025, 3, 1, 12, 0, 0, 999_000_000, time.UTC)
			s.SetNow(func() time.Time { return now })
			s.SetLifetime(tt.lifetime)
			tok := wantToken(t, post(t, s, passwordForm(alice, alicePw)))
			if got, want := tok.ExpiresIn, tt.want; got != want {
				t.Errorf("expires_in = %d; want %d", got, want)
			}
			c, err := authtest.ParseClaims(tok.AccessToken)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := c.Expiry-c.IssuedAt, tt.want; got != want {
				t.Errorf("exp - iat = %d; want %d", got, want)
			}
		})
	}
}

func TestDevices(t *testing.T) {
	s := newServer(t)
	var mu sync.Mutex
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s.SetNow(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }

	tok := wantToken(t, post(t, s, passwordForm(alice, alicePw)))
	r := devices(t, s, tok.AccessToken)
	if got, want := r.status, http.StatusOK; got != want {
		t.Fatalf("status = %d; want %d (body %s)", got, want, r.body)
	}
	if got, want := string(r.body), `{"devices":[],"nextPageToken":""}`; got != want {
		t.Errorf("body = %s; want %s", got, want)
	}
	if got, want := r.header.Get("Content-Type"), "application/json"; got != want {
		t.Errorf("Content-Type = %q; want %q", got, want)
	}
	wantRequestID(t, r)
	reqs := s.Requests()
	if got, want := reqs[len(reqs)-1].Username, alice; got != want {
		t.Errorf("Request.Username = %q; want %q", got, want)
	}

	// Lowercase scheme and no query are fine.
	req, _ := http.NewRequest(http.MethodGet, s.DevicesURL(), nil)
	req.Header.Set("Authorization", "bearer "+tok.AccessToken)
	if got, want := do(t, req).status, http.StatusOK; got != want {
		t.Errorf("lowercase bearer: status = %d; want %d", got, want)
	}

	advance(time.Hour - time.Second)
	if got, want := devices(t, s, tok.AccessToken).status, http.StatusOK; got != want {
		t.Errorf("1s before expiry: status = %d; want %d", got, want)
	}
	advance(time.Second)
	r = devices(t, s, tok.AccessToken)
	e := wantError(t, r, http.StatusUnauthorized, "invalid_token")
	if !strings.Contains(e.Description, "expired") {
		t.Errorf("error_description = %q; want it to say expired", e.Description)
	}
	if got, want := r.header.Get("WWW-Authenticate"), `Bearer error="invalid_token"`; got != want {
		t.Errorf("WWW-Authenticate = %q; want %q", got, want)
	}
	wantRequestID(t, r)

	for name, token := range map[string]string{
		"no token":      "",
		"unknown token": "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.e30.c2ln",
		"refresh token": tok.RefreshToken,
	} {
		t.Run(name, func(t *testing.T) {
			r := devices(t, s, token)
			wantError(t, r, http.StatusUnauthorized, "invalid_token")
			wantRequestID(t, r)
		})
	}
	// A token from another server is unknown here.
	other := newServer(t)
	otherTok := wantToken(t, post(t, other, passwordForm(alice, alicePw)))
	wantError(t, devices(t, s, otherTok.AccessToken), http.StatusUnauthorized, "invalid_token")
	// Basic credentials are not a bearer token.
	req, _ = http.NewRequest(http.MethodGet, s.DevicesURL(), nil)
	req.SetBasicAuth(alice, alicePw)
	wantError(t, do(t, req), http.StatusUnauthorized, "invalid_token")
}

func TestAccepted(t *testing.T) {
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s := newServer(t)
			old := wantToken(t, post(t, s, passwordForm(alice, alicePw)))
			s.Script(authtest.Accepted(n))
			body := refreshForm(old.RefreshToken)

			r := post(t, s, body)
			if got, want := r.status, http.StatusAccepted; got != want {
				t.Fatalf("status = %d; want %d (body %s)", got, want, r.body)
			}
			if got, want := len(r.body), 0; got != want {
				t.Errorf("len(body) = %d; want %d", got, want)
			}
			if got, want := r.header.Get("Content-Type"), ""; got != want {
				t.Errorf("Content-Type of 202 = %q; want %q", got, want)
			}
			wantRequestID(t, r)
			id := r.header.Get("response-id")
			if !uuidV4.MatchString(id) {
				t.Fatalf("response-id = %q; want a UUIDv4", id)
			}
			// The grant was processed at once: the old refresh token is spent.
			if got, want := s.Grants("refresh_token"), 1; got != want {
				t.Errorf("Grants(refresh_token) = %d; want %d", got, want)
			}
			issued := s.RefreshToken(alice)
			if issued == old.RefreshToken || issued == "" {
				t.Errorf("RefreshToken not rotated by an accepted request")
			}
			// A retrieval with a different body is refused and changes nothing.
			wantError(t, post(t, s, body+"&x=1", "response-id", id), http.StatusBadRequest, "invalid_request")

			for i := 1; i < n; i++ {
				r := post(t, s, body, "response-id", id)
				if got, want := r.status, http.StatusAccepted; got != want {
					t.Fatalf("retrieval %d: status = %d; want %d", i, got, want)
				}
				if got, want := r.header.Get("response-id"), id; got != want {
					t.Errorf("retrieval %d: response-id = %q; want %q", i, got, want)
				}
				wantRequestID(t, r)
			}
			r = post(t, s, body, "response-id", id)
			tok := wantToken(t, r)
			wantRequestID(t, r)
			if got, want := tok.RefreshToken, issued; got != want {
				t.Errorf("delivered refresh token = %q; want %q", got, want)
			}
			if got, want := r.header.Get("response-id"), ""; got != want {
				t.Errorf("delivered response-id = %q; want %q", got, want)
			}
			// Retrievals spend nothing and do not count as reuse.
			if got, want := s.ReusedRefreshTokens(), 0; got != want {
				t.Errorf("ReusedRefreshTokens = %d; want %d", got, want)
			}
			if got, want := s.Grants("refresh_token"), 1; got != want {
				t.Errorf("Grants(refresh_token) = %d; want %d", got, want)
			}
			// The id is spent now.
			wantError(t, post(t, s, body, "response-id", id), http.StatusNotFound, "not_found")
			wantToken(t, post(t, s, refreshForm(tok.RefreshToken)))

			reqs := s.Requests()
			// password, accepted, mismatch, n-1 202s, delivery, 404, refresh
			if got, want := len(reqs), n+5; got != want {
				t.Fatalf("len(Requests) = %d; want %d", got, want)
			}
			if got, want := reqs[1].ResponseID, ""; got != want {
				t.Errorf("first request ResponseID = %q; want %q", got, want)
			}
			if got, want := reqs[1].Status, http.StatusAccepted; got != want {
				t.Errorf("first request Status = %d; want %d", got, want)
			}
			delivery := reqs[len(reqs)-3]
			if got, want := delivery.ResponseID, id; got != want {
				t.Errorf("delivery ResponseID = %q; want %q", got, want)
			}
			if got, want := delivery.Status, http.StatusOK; got != want {
				t.Errorf("delivery Status = %d; want %d", got, want)
			}
			if got, want := delivery.Username, alice; got != want {
				t.Errorf("delivery Username = %q; want %q", got, want)
			}
		})
	}
}

func TestAcceptedKeepsErrors(t *testing.T) {
	s := newServer(t)
	s.Script(authtest.Accepted(1))
	r := post(t, s, passwordForm(alice, "wrong"))
	if got, want := r.status, http.StatusAccepted; got != want {
		t.Fatalf("status = %d; want %d", got, want)
	}
	r = post(t, s, passwordForm(alice, "wrong"), "response-id", r.header.Get("response-id"))
	wantError(t, r, http.StatusBadRequest, "invalid_grant")
}

func TestAcceptedResultExpires(t *testing.T) {
	s := newServer(t)
	var mu sync.Mutex
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s.SetNow(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	s.Script(authtest.Accepted(1), authtest.Accepted(1))
	body := passwordForm(alice, alicePw)

	id := post(t, s, body).header.Get("response-id")
	mu.Lock()
	now = now.Add(10*time.Minute - time.Second)
	mu.Unlock()
	wantToken(t, post(t, s, body, "response-id", id))

	id = post(t, s, body).header.Get("response-id")
	mu.Lock()
	now = now.Add(10 * time.Minute)
	mu.Unlock()
	wantError(t, post(t, s, body, "response-id", id), http.StatusNotFound, "not_found")
	wantError(t, post(t, s, body, "response-id", id), http.StatusNotFound, "not_found")
}

func TestUnknownResponseID(t *testing.T) {
	s := newServer(t)
	s.Script(authtest.RateLimited())
	r := post(t, s, passwordForm(alice, alicePw), "response-id", "8f6a2c1e-0000-4000-8000-000000000000")
	wantError(t, r, http.StatusNotFound, "not_found")
	wantRequestID(t, r)
	// A retrieval takes no fault: the scripted one is still queued.
	if got, want := s.FaultsLeft(), 1; got != want {
		t.Errorf("FaultsLeft = %d; want %d", got, want)
	}
	if got, want := s.Grants("password"), 0; got != want {
		t.Errorf("Grants(password) = %d; want %d", got, want)
	}
}

func TestStaleResponseID(t *testing.T) {
	s := newServer(t)
	old := wantToken(t, post(t, s, passwordForm(alice, alicePw)))
	s.Script(authtest.StaleResponseID())
	body := refreshForm(old.RefreshToken)
	r := post(t, s, body)
	if got, want := r.status, http.StatusAccepted; got != want {
		t.Fatalf("status = %d; want %d", got, want)
	}
	id := r.header.Get("response-id")
	wantError(t, post(t, s, body, "response-id", id), http.StatusNotFound, "not_found")
	wantError(t, post(t, s, body, "response-id", id), http.StatusNotFound, "not_found")
	// The refresh was processed: the old token is spent, and the client
	// never saw the new one. Trying it again is a reuse.
	wantError(t, post(t, s, body), http.StatusBadRequest, "invalid_grant")
	if got, want := s.ReusedRefreshTokens(), 1; got != want {
		t.Errorf("ReusedRefreshTokens = %d; want %d", got, want)
	}
	wantToken(t, post(t, s, passwordForm(alice, alicePw)))
}

func TestGatewayTimeout(t *testing.T) {
	s := newServer(t)
	s.Script(authtest.GatewayTimeout())
	body := passwordForm(alice, alicePw)
	r := post(t, s, body)
	if got, want := r.status, http.StatusAccepted; got != want {
		t.Fatalf("status = %d; want %d", got, want)
	}
	id := r.header.Get("response-id")
	r = post(t, s, body, "response-id", id)
	wantError(t, r, http.StatusGatewayTimeout, "server_error")
	wantRequestID(t, r)
	tok := wantToken(t, post(t, s, body, "response-id", id))
	if got, want := tok.AccessToken, s.AccessToken(alice); got != want {
		t.Errorf("delivered access token = %q; want %q", got, want)
	}
	wantError(t, post(t, s, body, "response-id", id), http.StatusNotFound, "not_found")
	if got, want := s.Grants("password"), 1; got != want {
		t.Errorf("Grants(password) = %d; want %d", got, want)
	}
}

func TestStatusFaults(t *testing.T) {
	tests := []struct {
		fault  authtest.Fault
		status int
		code   string
	}{
		{authtest.RateLimited(), 429, "too_many_requests"},
		{authtest.ServerError(), 500, "server_error"},
		{authtest.Forbidden(), 403, "access_denied"},
		{authtest.Status(400), 400, "invalid_request"},
		{authtest.Status(401), 401, "invalid_client"},
		{authtest.Status(404), 404, "not_found"},
		{authtest.Status(418), 418, "invalid_request"},
		{authtest.Status(502), 502, "server_error"},
		{authtest.Status(503), 503, "temporarily_unavailable"},
		{authtest.Status(504), 504, "server_error"},
		{authtest.InvalidGrant(), 400, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			s := newServer(t)
			old := wantToken(t, post(t, s, passwordForm(alice, alicePw)))
			s.Script(tt.fault)
			r := post(t, s, refreshForm(old.RefreshToken))
			wantError(t, r, tt.status, tt.code)
			wantRequestID(t, r)
			if got, want := r.header.Get("Retry-After"), ""; got != want {
				t.Errorf("Retry-After = %q; want %q", got, want)
			}
			// Nothing was processed: the refresh token is still valid.
			if got, want := s.RefreshToken(alice), old.RefreshToken; got != want {
				t.Errorf("RefreshToken = %q; want %q (unchanged)", got, want)
			}
			if got, want := s.Grants("refresh_token"), 0; got != want {
				t.Errorf("Grants(refresh_token) = %d; want %d", got, want)
			}
			wantToken(t, post(t, s, refreshForm(old.RefreshToken)))
			if got, want := s.ReusedRefreshTokens(), 0; got != want {
				t.Errorf("ReusedRefreshTokens = %d; want %d", got, want)
			}
			reqs := s.Requests()
			if got, want := reqs[1].Status, tt.status; got != want {
				t.Errorf("Request.Status = %d; want %d", got, want)
			}
		})
	}
}

func TestMalformedFaults(t *testing.T) {
	s := newServer(t)
	s.Script(authtest.HTML(), authtest.Truncated(), authtest.MissingAccessToken())
	body := passwordForm(alice, alicePw)

	r := post(t, s, body)
	if got, want := r.status, http.StatusOK; got != want {
		t.Errorf("HTML: status = %d; want %d", got, want)
	}
	if got, want := r.header.Get("Content-Type"), "text/html; charset=utf-8"; got != want {
		t.Errorf("HTML: Content-Type = %q; want %q", got, want)
	}
	if !strings.Contains(string(r.body), "<form") {
		t.Errorf("HTML: body = %q; want a login page", r.body)
	}
	wantRequestID(t, r)

	r = post(t, s, body)
	if got, want := r.status, http.StatusOK; got != want {
		t.Errorf("Truncated: status = %d; want %d", got, want)
	}
	if got, want := r.header.Get("Content-Type"), "application/json"; got != want {
		t.Errorf("Truncated: Content-Type = %q; want %q", got, want)
	}
	var tok tokenBody
	if err := json.Unmarshal(r.body, &tok); err == nil {
		t.Errorf("Truncated: body %s decoded; want an error", r.body)
	}
	if !strings.HasPrefix(string(r.body), `{"access_token":"eyJ`) {
		t.Errorf("Truncated: body = %s; want the start of a token response", r.body)
	}

	r = post(t, s, body)
	if got, want := r.status, http.StatusOK; got != want {
		t.Errorf("MissingAccessToken: status = %d; want %d", got, want)
	}
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("MissingAccessToken: body %s: %v", r.body, err)
	}
	if _, ok := m["access_token"]; ok {
		t.Errorf("MissingAccessToken: body %s has an access_token", r.body)
	}
	if got, want := m["token_type"], "Bearer"; got != want {
		t.Errorf("MissingAccessToken: token_type = %v; want %v", got, want)
	}

	if got, want := s.Grants("password"), 0; got != want {
		t.Errorf("Grants(password) = %d; want %d (malformed answers process nothing)", got, want)
	}
	if got, want := s.AccessToken(alice), ""; got != want {
		t.Errorf("AccessToken = %q; want %q", got, want)
	}
	wantToken(t, post(t, s, body))
}

func TestEchoSecret(t *testing.T) {
	s := newServer(t)
	old := wantToken(t, post(t, s, passwordForm(alice, alicePw)))
	s.Script(authtest.EchoSecret(), authtest.EchoSecret())
	e := wantError(t, post(t, s, passwordForm(alice, alicePw)), http.StatusBadRequest, "invalid_grant")
	if !strings.Contains(e.Description, alicePw) {
		t.Errorf("error_description = %q; want it to quote the password", e.Description)
	}
	e = wantError(t, post(t, s, refreshForm(old.RefreshToken)), http.StatusBadRequest, "invalid_grant")
	if !strings.Contains(e.Description, old.RefreshToken) {
		t.Errorf("error_description = %q; want it to quote the refresh token", e.Description)
	}
	if got, want := s.RefreshToken(alice), old.RefreshToken; got != want {
		t.Errorf("RefreshToken = %q; want %q (unchanged)", got, want)
	}
}

func TestScriptOrder(t *testing.T) {
	s := newServer(t)
	s.Script(authtest.RateLimited(), authtest.OK(), authtest.Fault{})
	s.Script(authtest.ServerError())
	if got, want := s.FaultsLeft(), 4; got != want {
		t.Errorf("FaultsLeft = %d; want %d", got, want)
	}
	body := passwordForm(alice, alicePw)
	// Requests refused at the HTTP level take no fault.
	req, _ := http.NewRequest(http.MethodGet, s.TokenURL(), nil)
	do(t, req)
	post(t, s, body, "Content-Type", "application/json")
	devices(t, s, "x")
	if got, want := s.FaultsLeft(), 4; got != want {
		t.Errorf("FaultsLeft after refused requests = %d; want %d", got, want)
	}

	wantError(t, post(t, s, body), 429, "too_many_requests")
	wantToken(t, post(t, s, body))
	wantToken(t, post(t, s, body))
	wantError(t, post(t, s, body), 500, "server_error")
	wantToken(t, post(t, s, body))
	if got, want := s.FaultsLeft(), 0; got != want {
		t.Errorf("FaultsLeft = %d; want %d", got, want)
	}
	if got, want := s.Grants("password"), 3; got != want {
		t.Errorf("Grants(password) = %d; want %d", got, want)
	}
}

func TestSlow(t *testing.T) {
	s := newServer(t)
	s.Script(authtest.Slow(50 * time.Millisecond))
	start := time.Now()
	wantToken(t, post(t, s, passwordForm(alice, alicePw)))
	if got, want := time.Since(start), 50*time.Millisecond; got < want {
		t.Errorf("Slow answered after %v; want at least %v", got, want)
	}
}

func TestSlowProcessesAfterClientGivesUp(t *testing.T) {
	s := newServer(t)
	old := wantToken(t, post(t, s, passwordForm(alice, alicePw)))
	s.Script(authtest.Slow(time.Hour))

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.TokenURL(), strings.NewReader(refreshForm(old.RefreshToken)))
	req.Header.Set("Content-Type", formType)
	_, err := client.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v; want %v", err, context.DeadlineExceeded)
	}
	// The server notices the client left and still spends the token.
	deadline := time.Now().Add(5 * time.Second)
	for s.Grants("refresh_token") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the slow refresh was never processed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := s.RefreshToken(alice); got == old.RefreshToken {
		t.Errorf("RefreshToken unchanged; want it rotated")
	}
	wantError(t, post(t, s, refreshForm(old.RefreshToken)), http.StatusBadRequest, "invalid_grant")
	if got, want := s.ReusedRefreshTokens(), 1; got != want {
		t.Errorf("ReusedRefreshTokens = %d; want %d", got, want)
	}
}

func TestCloseCutsSlowShort(t *testing.T) {
	s := authtest.New()
	s.AddUser(alice, alicePw)
	s.Script(authtest.Slow(time.Hour))
	done := make(chan response, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, s.TokenURL(), strings.NewReader(passwordForm(alice, alicePw)))
		req.Header.Set("Content-Type", formType)
		resp, err := client.Do(req)
		if err != nil {
			done <- response{}
			return
		}
		resp.Body.Close()
		done <- response{status: resp.StatusCode}
	}()
	for len(s.Requests()) == 0 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	s.Close()
	if got, limit := time.Since(start), 5*time.Second; got > limit {
		t.Errorf("Close took %v; want under %v", got, limit)
	}
	<-done
	s.Close() // a second Close is harmless
}

func TestRequests(t *testing.T) {
	s := newServer(t)
	var mu sync.Mutex
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s.SetNow(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	r := post(t, s, passwordForm(alice, alicePw), "User-Agent", "tokentray-test")
	wantToken(t, r)

	reqs := s.Requests()
	if got, want := len(reqs), 1; got != want {
		t.Fatalf("len(Requests) = %d; want %d", got, want)
	}
	q := reqs[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"Time", q.Time, now},
		{"Method", q.Method, "POST"},
		{"Path", q.Path, "/oauth/token"},
		{"ContentType", q.ContentType, formType},
		{"GrantType", q.GrantType, "password"},
		{"Username", q.Username, alice},
		{"Form password", q.Form.Get("password"), alicePw},
		{"ResponseID", q.ResponseID, ""},
		{"Status", q.Status, 200},
		{"RequestID", q.RequestID, r.header.Get("request-id")},
		{"User-Agent", q.Header.Get("User-Agent"), "tokentray-test"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("Request.%s = %v; want %v", c.name, c.got, c.want)
		}
	}
	// The copy is the caller's to change.
	reqs[0].Form.Set("password", "changed")
	reqs[0].Header.Set("User-Agent", "changed")
	if got, want := s.Requests()[0].Form.Get("password"), alicePw; got != want {
		t.Errorf("Form password after changing the copy = %q; want %q", got, want)
	}
	if got, want := s.Requests()[0].Header.Get("User-Agent"), "tokentray-test"; got != want {
		t.Errorf("User-Agent after changing the copy = %q; want %q", got, want)
	}

	// A request refused before the body is read has no form.
	post(t, s, passwordForm(alice, alicePw), "Content-Type", "application/json")
	if got := s.Requests()[1].Form; got != nil {
		t.Errorf("Form of a 415 request = %v; want nil", got)
	}
}

func TestNoUser(t *testing.T) {
	s := authtest.NewTB(t)
	if got, want := s.AccessToken("nobody"), ""; got != want {
		t.Errorf("AccessToken = %q; want %q", got, want)
	}
	if got, want := s.RefreshToken("nobody"), ""; got != want {
		t.Errorf("RefreshToken = %q; want %q", got, want)
	}
	if got, want := s.TokenURL(), s.URL+"/oauth/token"; got != want {
		t.Errorf("TokenURL = %q; want %q", got, want)
	}
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Errorf("URL = %q; want http://127.0.0.1:port", s.URL)
	}
	if got, want := s.DevicesURL(), s.URL+"/v1/devices"; got != want {
		t.Errorf("DevicesURL = %q; want %q", got, want)
	}
}

func TestSetNowNilRestoresTimeNow(t *testing.T) {
	s := newServer(t)
	s.SetNow(func() time.Time { return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) })
	s.SetNow(nil)
	start := time.Now()
	tok := wantToken(t, post(t, s, passwordForm(alice, alicePw)))
	c, err := authtest.ParseClaims(tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if got, lo, hi := c.IssuedAt, start.Unix(), time.Now().Unix(); got < lo || got > hi {
		t.Errorf("iat = %d; want within [%d, %d]", got, lo, hi)
	}
	if got, want := devices(t, s, tok.AccessToken).status, http.StatusOK; got != want {
		t.Errorf("devices status = %d; want %d", got, want)
	}
}

func TestPanics(t *testing.T) {
	s := authtest.NewTB(t)
	tests := map[string]func(){
		"Accepted(0)":                 func() { authtest.Accepted(0) },
		"Status(200)":                 func() { authtest.Status(200) },
		"Status(302)":                 func() { authtest.Status(302) },
		"Status(600)":                 func() { authtest.Status(600) },
		"SetLifetime(0)":              func() { s.SetLifetime(0) },
		"SetPassword(unknown)":        func() { s.SetPassword("nobody", "x") },
		"RevokeRefreshTokens(nobody)": func() { s.RevokeRefreshTokens("nobody") },
	}
	for name, f := range tests {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		})
	}
}

func TestFaultString(t *testing.T) {
	tests := []struct {
		f    authtest.Fault
		want string
	}{
		{authtest.OK(), "OK()"},
		{authtest.Fault{}, "OK()"},
		{authtest.Accepted(2), "Accepted(2)"},
		{authtest.StaleResponseID(), "StaleResponseID()"},
		{authtest.GatewayTimeout(), "GatewayTimeout()"},
		{authtest.RateLimited(), "Status(429)"},
		{authtest.Slow(time.Second), "Slow(1s)"},
		{authtest.InvalidGrant(), "InvalidGrant()"},
		{authtest.HTML(), "HTML()"},
		{authtest.Truncated(), "Truncated()"},
		{authtest.MissingAccessToken(), "MissingAccessToken()"},
		{authtest.EchoSecret(), "EchoSecret()"},
	}
	for _, tt := range tests {
		if got, want := tt.f.String(), tt.want; got != want {
			t.Errorf("String = %q; want %q", got, want)
		}
	}
}

func TestParseClaimsErrors(t *testing.T) {
	for _, tok := range []string{"", "a.b", "a.!!!.c", "a." + "bm90IGpzb24" + ".c"} {
		if _, err := authtest.ParseClaims(tok); err == nil {
			t.Errorf("ParseClaims(%q) succeeded; want an error", tok)
		}
	}
}

// TestConcurrentRefresh races many clients spending the same refresh token:
// exactly one may win, and every other attempt is a counted reuse.
func TestConcurrentRefresh(t *testing.T) {
	s := newServer(t)
	tok := wantToken(t, post(t, s, passwordForm(alice, alicePw)))
	const n = 20
	var wg sync.WaitGroup
	statuses := make(chan int, n)
	for range n {
		wg.Go(func() {
			r, err := tryPost(s, refreshForm(tok.RefreshToken))
			if err != nil {
				t.Error(err)
			}
			statuses <- r.status
		})
	}
	wg.Wait()
	close(statuses)
	ok := 0
	for st := range statuses {
		if st == http.StatusOK {
			ok++
		}
	}
	if got, want := ok, 1; got != want {
		t.Errorf("successful refreshes = %d; want %d", got, want)
	}
	if got, want := s.ReusedRefreshTokens(), n-1; got != want {
		t.Errorf("ReusedRefreshTokens = %d; want %d", got, want)
	}
}

// TestConcurrentUsers exercises the Server from many goroutines at once
// (run with -race).
func TestConcurrentUsers(t *testing.T) {
	s := authtest.NewTB(t)
	const users, rounds = 8, 5
	var wg sync.WaitGroup
	for i := range users {
		name := fmt.Sprintf("user%d@example.com", i)
		s.AddUser(name, "pw")
		wg.Go(func() {
			r, err := tryPost(s, passwordForm(name, "pw"))
			if err != nil || r.status != http.StatusOK {
				t.Errorf("password grant for %s: status %d, %v", name, r.status, err)
				return
			}
			var tok tokenBody
			if err := json.Unmarshal(r.body, &tok); err != nil {
				t.Error(err)
				return
			}
			for range rounds {
				if tok, err = tryRefresh(s, tok.RefreshToken); err != nil {
					t.Error(err)
					return
				}
				if got, want := s.AccessToken(name), tok.AccessToken; got != want {
					t.Errorf("AccessToken(%s) = %q; want %q", name, got, want)
				}
				_ = s.Requests()
			}
		})
	}
	wg.Wait()
	for i := range users {
		name := fmt.Sprintf("user%d@example.com", i)
		if got, want := devices(t, s, s.AccessToken(name)).status, http.StatusOK; got != want {
			t.Errorf("devices status for %s = %d; want %d", name, got, want)
		}
	}
	if got, want := s.Grants("refresh_token"), users*rounds; got != want {
		t.Errorf("Grants(refresh_token) = %d; want %d", got, want)
	}
	if got, want := s.ReusedRefreshTokens(), 0; got != want {
		t.Errorf("ReusedRefreshTokens = %d; want %d", got, want)
	}
}

func BenchmarkRefresh(b *testing.B) {
	s := authtest.NewTB(b)
	s.AddUser(alice, alicePw)
	tok := wantToken(b, post(b, s, passwordForm(alice, alicePw)))
	for b.Loop() {
		tok = wantToken(b, post(b, s, refreshForm(tok.RefreshToken)))
	}
}

func Example() {
	s := authtest.New()
	defer s.Close()
	s.AddUser("api@example.com", "secret")
	s.Script(authtest.RateLimited())

	form := url.Values{"grant_type": {"password"}, "username": {"api@example.com"}, "password": {"secret"}}
	for range 2 {
		resp, err := http.PostForm(s.TokenURL(), form)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.Status)
	}
	fmt.Println("password grants:", s.Grants("password"))
	// Output:
	// 429 Too Many Requests
	// 200 OK
	// password grants: 1
}
