// Package authtest provides a strict fake of the ESET Connect token endpoint
// for tests and benchmarks.
//
// A [Server] speaks the password and refresh-token grants the way ESET
// documents them and refuses everything else loudly, so a client that passes
// against it is unlikely to surprise the real service: it rotates refresh
// tokens on every use and counts any attempt to spend one twice, refuses
// OAuth client authentication (ESET has no clients), insists on a form body,
// and puts a fresh request-id on every response. Faults queued with
// [Server.Script] reproduce what ESET and the networks in between do on bad
// days: cached 202 answers to be fetched with a response-id, 504s, stale
// ids, rate limiting, proxies answering HTML, truncated bodies and so on.
//
// The Server also serves GET /v1/devices, which accepts only the access
// tokens it issued and has not yet seen expire, so end-to-end tests can check
// that a token actually works.
//
// The package uses only the standard library and does not import the auth
// package, so auth's own tests can use it without an import cycle.
package authtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Paths the Server serves, below its URL.
const (
	// TokenPath is the token endpoint, as on ESET's IAM hosts.
	TokenPath = "/oauth/token"
	// DevicesPath lists devices; the Server only uses it to validate
	// access tokens and always lists none.
	DevicesPath = "/v1/devices"
)

// DefaultLifetime is the access-token lifetime of a new Server: ESET's
// tokens last about 60 minutes.
const DefaultLifetime = 60 * time.Minute

const (
	// formType is the only request content type the token endpoint takes.
	formType = "application/x-www-form-urlencoded"
	// maxBodyBytes bounds a token request body; a real form is far smaller.
	maxBodyBytes = 64 << 10
	// resultTTL is how long ESET keeps a cached (202) result for retrieval.
	resultTTL = 10 * time.Minute
)

// Request is what the Server recorded about one HTTP request it received.
type Request struct {
	// Time is when the request arrived, by the Server's clock (see
	// [Server.SetNow]).
	Time time.Time
	// Method and Path are the request's method and URL path.
	Method, Path string
	// ContentType is the request's Content-Type header, verbatim.
	ContentType string
	// Header is a copy of all request headers. It may hold an
	// Authorization header: keep it inside tests.
	Header http.Header
	// GrantType is the form's grant_type, or "" if none was read.
	GrantType string
	// Username is the user the request concerned: the form's username
	// for a password grant, the owner of the presented refresh token for
	// a refresh grant, or the owner of the bearer token for /v1/devices.
	// It is "" when unknown.
	Username string
	// Form is the parsed form body, or nil if the body was not read
	// (wrong method, path or content type). It holds the raw password and
	// refresh token: keep it inside tests.
	Form url.Values
	// ResponseID is the request's response-id header, set when the
	// request retrieved a cached (202) result.
	ResponseID string
	// Status is the HTTP status the Server answered, or 0 while the
	// request is still being handled.
	Status int
	// RequestID is the request-id header the Server answered with.
	RequestID string
}

// Server is a fake ESET Connect token server listening on a loopback address
// over plain HTTP. Create one with [New] or [NewTB]; it is safe for
// concurrent use by any number of clients and test goroutines.
//
// Its token endpoint, [TokenPath], answers like ESET's:
//
//   - Only POST is allowed (405 otherwise), with Content-Type
//     application/x-www-form-urlencoded (415 otherwise, JSON included), a
//     body of at most 64 KiB (413) and no URL query (400).
//   - grant_type=password takes username and password; grant_type=
//     refresh_token takes refresh_token. Missing or repeated parameters give
//     400 invalid_request, unknown grant types 400 unsupported_grant_type,
//     and wrong credentials or an unknown, spent or revoked refresh token
//     400 invalid_grant.
//   - An Authorization header, client_id or client_secret gives 400
//     invalid_client: ESET has no OAuth clients, and this catches client
//     libraries that probe authentication styles.
//   - Success is 200 {"access_token", "refresh_token", "token_type":
//     "Bearer", "expires_in"}. Every refresh issues a new pair and spends the
//     presented refresh token; a password grant replaces the user's refresh
//     token too, so each user has at most one valid refresh token.
//
// Every response, errors included, carries a fresh random (version 4 UUID)
// request-id header and Cache-Control: no-store.
type Server struct {
	// URL is the base URL, like "http://127.0.0.1:41234", without a
	// trailing slash. The token endpoint is at URL+"/oauth/token".
	URL string

	ts        *httptest.Server
	done      chan struct{} // closed by Close, to cut Slow faults short
	closeOnce sync.Once

	mu       sync.Mutex
	now      func() time.Time
	lifetime time.Duration
	users    map[string]*user
	refresh  map[string]*refreshInfo // every refresh token ever issued
	access   map[string]*accessInfo  // every access token ever issued
	faults   []Fault
	requests []Request
	grants   map[string]int
	reused   int
	pending  map[string]*pending // cached results by response-id
}

type user struct {
	password string
	refresh  string // the valid refresh token, or ""
	access   string // the newest access token, or ""
}

// refreshState is the life cycle of a refresh token. Old tokens are kept
// with their state so that presenting a spent one can be told apart from
// presenting garbage.
type refreshState int

const (
	refreshActive   refreshState = iota
	refreshSpent                 // used by a refresh grant
	refreshReplaced              // superseded by a password grant
	refreshRevoked               // revoked by RevokeRefreshTokens
)

type refreshInfo struct {
	user  string
	state refreshState
}

type accessInfo struct {
	user string
	exp  time.Time
}

// result is an HTTP answer, kept whole so that a cached (202) result can be
// delivered later.
type result struct {
	status      int
	contentType string
	body        []byte
}

// pending is a result cached behind a response-id.
type pending struct {
	body     []byte    // the accepted request's form body
	created  time.Time // by the Server's clock
	username string
	res      result
	more202  int  // 202s still to answer before delivering
	stale    bool // the next retrieval gets 404 and drops the result
	timeout  bool // the next retrieval gets 504
}

// New starts a Server on a loopback address. Call Close when done with it.
func New() *Server {
	s := &Server{
		done:     make(chan struct{}),
		now:      time.Now,
		lifetime: DefaultLifetime,
		users:    make(map[string]*user),
		refresh:  make(map[string]*refreshInfo),
		access:   make(map[string]*accessInfo),
		grants:   make(map[string]int),
		pending:  make(map[string]*pending),
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.ts.URL
	return s
}

// NewTB starts a Server like New and registers its Close with tb.Cleanup, so
// a test or benchmark cannot forget to stop it.
func NewTB(tb testing.TB) *Server {
	tb.Helper()
	s := New()
	tb.Cleanup(s.Close)
	return s
}

// Close cuts short any Slow fault in progress, then shuts the Server down
// and waits for the requests in flight to finish. Calling it again does
// nothing.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.done) })
	s.ts.Close()
}

// TokenURL is the token endpoint's address, URL+"/oauth/token".
func (s *Server) TokenURL() string { return s.URL + TokenPath }

// DevicesURL is the address of the device list, URL+"/v1/devices", which
// answers 200 to a valid bearer token and 401 otherwise.
func (s *Server) DevicesURL() string { return s.URL + DevicesPath }

// AddUser creates an API user who can sign in with password. Adding an
// existing user changes the password and keeps the user's tokens.
func (s *Server) AddUser(username, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[username]; u != nil {
		u.password = password
		return
	}
	s.users[username] = &user{password: password}
}

// SetPassword changes a user's password, as when it is changed or expires
// in ESET Business Account: from now on the old password gets 400
// invalid_grant. The user's refresh token stays valid, because ESET does not
// document that a password change revokes it; call RevokeRefreshTokens to
// simulate that as well. SetPassword panics if the user does not exist,
// since that is a mistake in the test.
func (s *Server) SetPassword(username, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustUser("SetPassword", username).password = password
}

// SetLifetime sets the lifetime of access tokens issued from now on (the
// default is [DefaultLifetime]). Responses state it in expires_in as whole
// seconds, rounded down but at least 1, and the exp claim and the token's
// validity at /v1/devices agree with expires_in. SetLifetime panics if d is
// not positive; to get an expired token, advance the clock instead (see
// SetNow).
func (s *Server) SetLifetime(d time.Duration) {
	if d <= 0 {
		panic(fmt.Sprintf("authtest: SetLifetime(%v): want a positive duration", d))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lifetime = d
}

// SetNow replaces the Server's clock, which dates tokens (iat, exp), decides
// whether an access token has expired, times out cached results and stamps
// Request.Time. A nil now restores time.Now. The function may be called
// from any goroutine but must not call the Server.
func (s *Server) SetNow(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// Script appends faults to the queue. Each new token request takes the
// next one; see [Fault] for which requests count.
func (s *Server) Script(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, faults...)
}

// FaultsLeft reports how many scripted faults no request has taken yet, so
// a test can check that its client made every request it expected.
func (s *Server) FaultsLeft() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults)
}

// Requests returns a copy of every request received so far, token endpoint
// or not, in the order they arrived.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Header = r.Header.Clone()
		if r.Form != nil {
			r.Form = cloneValues(r.Form)
		}
		out[i] = r
	}
	return out
}

// AccessToken returns the newest access token issued to the user, or "" if
// none was.
func (s *Server) AccessToken(username string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[username]; u != nil {
		return u.access
	}
	return ""
}

// RefreshToken returns the user's currently valid refresh token, or "" if
// the user has none (never signed in, or revoked).
func (s *Server) RefreshToken(username string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[username]; u != nil {
		return u.refresh
	}
	return ""
}

// Grants reports how many grants of the type ("password" or
// "refresh_token") succeeded, including those whose answer was cached
// behind a 202 and perhaps never delivered.
func (s *Server) Grants(grantType string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.grants[grantType]
}

// ReusedRefreshTokens reports how many refresh requests presented a refresh
// token that an earlier refresh had already spent. A correct client keeps
// this at zero: ESET rotates refresh tokens, so a client that spends one
// twice has lost track of the newest one. Revoked tokens, tokens replaced by
// a later password grant and unknown tokens are refused too but are not
// counted here. Retrieving a cached result with a response-id does not
// spend anything and is not counted either.
func (s *Server) ReusedRefreshTokens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reused
}

// RevokeRefreshTokens revokes the user's refresh token, as an administrator
// or an expiry would: the next refresh gets 400 invalid_grant and the client
// has to sign in with the password again. Access tokens stay valid until
// they expire. It panics if the user does not exist.
func (s *Server) RevokeRefreshTokens(username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.mustUser("RevokeRefreshTokens", username)
	if info := s.refresh[u.refresh]; info != nil {
		info.state = refreshRevoked
	}
	u.refresh = ""
}

func (s *Server) mustUser(op, username string) *user {
	u := s.users[username]
	if u == nil {
		panic(fmt.Sprintf("authtest: %s: no user %q (call AddUser first)", op, username))
	}
	return u
}

// clock reads the Server's clock without holding the lock while it runs.
func (s *Server) clock() time.Time {
	s.mu.Lock()
	now := s.now
	s.mu.Unlock()
	return now()
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	id := newUUID()
	w.Header().Set("request-id", id)
	rec := Request{
		Time:        s.clock(),
		Method:      r.Method,
		Path:        r.URL.Path,
		ContentType: r.Header.Get("Content-Type"),
		Header:      r.Header.Clone(),
		ResponseID:  r.Header.Get("response-id"),
		RequestID:   id,
	}
	s.mu.Lock()
	idx := len(s.requests)
	s.requests = append(s.requests, rec)
	s.mu.Unlock()

	var res result
	switch r.URL.Path {
	case TokenPath:
		res = s.serveToken(w, r, idx)
	case DevicesPath:
		res = s.serveDevices(w, r, idx)
	default:
		res = errorResult(http.StatusNotFound, "not_found", "no such endpoint: "+r.URL.Path)
	}

	s.mu.Lock()
	s.requests[idx].Status = res.status
	s.mu.Unlock()

	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if res.contentType != "" {
		h.Set("Content-Type", res.contentType)
	}
	h.Set("Content-Length", strconv.Itoa(len(res.body)))
	w.WriteHeader(res.status)
	w.Write(res.body)
}

// serveToken handles a request to the token endpoint.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request, idx int) result {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return errorResult(http.StatusMethodNotAllowed, "invalid_request", "method "+r.Method+" not allowed: use POST")
	}
	if r.URL.RawQuery != "" || r.URL.ForceQuery {
		return errorResult(http.StatusBadRequest, "invalid_request", "parameters belong in the form body, not in the URL")
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != formType {
		return errorResult(http.StatusUnsupportedMediaType, "invalid_request", "Content-Type must be "+formType)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errorResult(http.StatusRequestEntityTooLarge, "invalid_request", "request body is larger than 64 KiB")
		}
		return errorResult(http.StatusBadRequest, "invalid_request", "cannot read the request body")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return errorResult(http.StatusBadRequest, "invalid_request", "malformed form body")
	}
	s.mu.Lock()
	s.requests[idx].Form = form
	s.requests[idx].GrantType = form.Get("grant_type")
	s.requests[idx].Username = form.Get("username")
	s.mu.Unlock()

	if ids := r.Header.Values("response-id"); len(ids) > 0 {
		return s.retrieve(w, ids[0], body, idx)
	}

	f := s.nextFault()
	switch f.kind {
	case faultOK:
		return s.process(r, form, idx)
	case faultSlow:
		t := time.NewTimer(f.delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
		case <-s.done:
		}
		return s.process(r, form, idx)
	case faultAccepted, faultStale, faultGatewayTimeout:
		res := s.process(r, form, idx)
		p := &pending{
			body:    body,
			created: s.clock(),
			res:     res,
			stale:   f.kind == faultStale,
			timeout: f.kind == faultGatewayTimeout,
		}
		if f.kind == faultAccepted {
			p.more202 = f.n - 1
		}
		id := newUUID()
		s.mu.Lock()
		p.username = s.requests[idx].Username
		s.pending[id] = p
		s.mu.Unlock()
		w.Header().Set("response-id", id)
		return result{status: http.StatusAccepted}
	case faultStatus:
		return errorResult(f.status, statusErrorCode(f.status), statusDescription(f.status))
	case faultInvalidGrant:
		return errorResult(http.StatusBadRequest, "invalid_grant", "invalid credentials (authtest fault)")
	case faultHTML:
		return result{http.StatusOK, "text/html; charset=utf-8", []byte(proxyLoginPage)}
	case faultTruncated:
		b := s.tokenBody(makeJWT(Claims{Subject: form.Get("username")}), randomToken())
		return result{http.StatusOK, "application/json", b[:len(b)/2]}
	case faultMissingAccessToken:
		b, _ := json.Marshal(map[string]any{"token_type": "Bearer", "expires_in": s.expiresIn()})
		return result{http.StatusOK, "application/json", b}
	case faultEchoSecret:
		return errorResult(http.StatusBadRequest, "invalid_grant", fmt.Sprintf(
			"invalid credentials for user %q: password %q, refresh_token %q (authtest fault)",
			form.Get("username"), form.Get("password"), form.Get("refresh_token")))
	}
	panic("authtest: unknown fault " + f.String())
}

// nextFault takes the next scripted fault, or OK if none is left.
func (s *Server) nextFault() Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return Fault{}
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return f
}

// retrieve answers a re-sent request that carries a response-id.
func (s *Server) retrieve(w http.ResponseWriter, id string, body []byte, idx int) result {
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pending[id]
	if p == nil {
		return errorResult(http.StatusNotFound, "not_found", "unknown or already retrieved response-id")
	}
	if now.Sub(p.created) >= resultTTL {
		delete(s.pending, id)
		return errorResult(http.StatusNotFound, "not_found", "the cached result expired after 10 minutes")
	}
	if !bytes.Equal(body, p.body) {
		return errorResult(http.StatusBadRequest, "invalid_request", "the request differs from the one that was accepted: re-send it unchanged")
	}
	s.requests[idx].Username = p.username
	switch {
	case p.stale:
		delete(s.pending, id)
		return errorResult(http.StatusNotFound, "not_found", "unknown or already retrieved response-id")
	case p.timeout:
		p.timeout = false
		return errorResult(http.StatusGatewayTimeout, "server_error", "the result is not ready yet: repeat the request with the same response-id")
	case p.more202 > 0:
		p.more202--
		w.Header().Set("response-id", id)
		return result{status: http.StatusAccepted}
	}
	delete(s.pending, id)
	return p.res
}

// process performs the grant the form asks for, issuing tokens on success.
func (s *Server) process(r *http.Request, form url.Values, idx int) result {
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	res, username := s.grantLocked(r, form, now)
	if username != "" {
		s.requests[idx].Username = username
	}
	return res
}

// grantLocked checks the request and performs the grant. It returns the
// answer and the user the request concerned, if known.
func (s *Server) grantLocked(r *http.Request, form url.Values, now time.Time) (result, string) {
	if len(r.Header.Values("Authorization")) > 0 {
		return errorResult(http.StatusBadRequest, "invalid_client", "ESET Connect has no OAuth clients: send no Authorization header"), ""
	}
	if form.Has("client_id") || form.Has("client_secret") {
		return errorResult(http.StatusBadRequest, "invalid_client", "ESET Connect has no OAuth clients: send no client_id or client_secret"), ""
	}
	for k, v := range form {
		if len(v) > 1 {
			return errorResult(http.StatusBadRequest, "invalid_request", fmt.Sprintf("parameter %q is repeated", k)), ""
		}
	}
	switch gt := form.Get("grant_type"); gt {
	case "":
		return errorResult(http.StatusBadRequest, "invalid_request", "grant_type is missing"), ""

	case "password":
		name, pw := form.Get("username"), form.Get("password")
		if name == "" || pw == "" {
			return errorResult(http.StatusBadRequest, "invalid_request", "username and password are required"), name
		}
		u := s.users[name]
		if u == nil || u.password != pw {
			return errorResult(http.StatusBadRequest, "invalid_grant", "invalid username or password"), name
		}
		if info := s.refresh[u.refresh]; info != nil {
			info.state = refreshReplaced
		}
		return s.issueLocked(gt, name, u, now), name

	case "refresh_token":
		rt := form.Get("refresh_token")
		if rt == "" {
			return errorResult(http.StatusBadRequest, "invalid_request", "refresh_token is required"), ""
		}
		info := s.refresh[rt]
		if info == nil {
			return errorResult(http.StatusBadRequest, "invalid_grant", "unknown refresh token"), ""
		}
		switch info.state {
		case refreshSpent:
			s.reused++
			return errorResult(http.StatusBadRequest, "invalid_grant", "refresh token was already used"), info.user
		case refreshReplaced:
			return errorResult(http.StatusBadRequest, "invalid_grant", "refresh token was replaced by a later sign-in"), info.user
		case refreshRevoked:
			return errorResult(http.StatusBadRequest, "invalid_grant", "refresh token was revoked"), info.user
		}
		info.state = refreshSpent
		return s.issueLocked(gt, info.user, s.users[info.user], now), info.user

	default:
		return errorResult(http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant_type %q is not supported: use password or refresh_token", gt)), ""
	}
}

// issueLocked issues a new access and refresh token to a user and counts
// the grant.
func (s *Server) issueLocked(grantType, name string, u *user, now time.Time) result {
	expiresIn := s.expiresInLocked()
	exp := now.Add(time.Duration(expiresIn) * time.Second)
	at := makeJWT(Claims{
		Subject:  name,
		IssuedAt: now.Unix(),
		Expiry:   exp.Unix(),
		ID:       newUUID(),
		Audience: Audience,
		Scope:    Scope,
	})
	rt := randomToken()
	s.access[at] = &accessInfo{user: name, exp: exp}
	s.refresh[rt] = &refreshInfo{user: name}
	u.access, u.refresh = at, rt
	s.grants[grantType]++
	return result{http.StatusOK, "application/json", s.tokenBodyLocked(at, rt)}
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
}

func (s *Server) tokenBody(access, refresh string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenBodyLocked(access, refresh)
}

func (s *Server) tokenBodyLocked(access, refresh string) []byte {
	b, _ := json.Marshal(tokenResponse{access, refresh, "Bearer", s.expiresInLocked()})
	return b
}

func (s *Server) expiresIn() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.expiresInLocked()
}

// expiresInLocked is the lifetime in whole seconds, at least 1.
func (s *Server) expiresInLocked() int64 {
	return max(int64(s.lifetime/time.Second), 1)
}

// serveDevices answers GET /v1/devices for a valid bearer token.
func (s *Server) serveDevices(w http.ResponseWriter, r *http.Request, idx int) result {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		return errorResult(http.StatusMethodNotAllowed, "invalid_request", "method "+r.Method+" not allowed: use GET")
	}
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		w.Header().Set("WWW-Authenticate", "Bearer")
		return errorResult(http.StatusUnauthorized, "invalid_token", "a bearer token is required")
	}
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.access[tok]
	if a == nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		return errorResult(http.StatusUnauthorized, "invalid_token", "unknown access token")
	}
	s.requests[idx].Username = a.user
	if !now.Before(a.exp) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		return errorResult(http.StatusUnauthorized, "invalid_token", "access token expired")
	}
	return result{http.StatusOK, "application/json", []byte(`{"devices":[],"nextPageToken":""}`)}
}

// errorResult is a JSON error answer in RFC 6749's shape.
func errorResult(status int, code, description string) result {
	b, _ := json.Marshal(struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}{code, description})
	return result{status, "application/json", b}
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
