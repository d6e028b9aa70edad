package auth

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Client gets tokens from one ESET Connect token endpoint with the password
// and refresh-token grants. The zero value is not usable: set BaseURL (a
// region's [Region.BaseURL] or a URL checked by [CheckEndpoint]).
//
// A Client is safe for concurrent use. It does not retry: a failed grant is
// returned as an [*Error], and deciding whether and when to try again is the
// caller's job (auth/keeper does it with backoff, and never re-sends a
// rejected password).
type Client struct {
	// BaseURL is the IAM base URL; the token endpoint is BaseURL/oauth/token.
	BaseURL string
	// HTTPClient sends the requests; nil means a shared [NewHTTPClient].
	// Its Transport is wrapped in an [AcceptedTransport].
	HTTPClient *http.Client
	// Now is the wall clock used to compute expiry; nil means time.Now.
	Now func() time.Time
	// Timeout bounds one grant, including ESET's 202 polling; 0 means 3 minutes.
	Timeout time.Duration
	// Poll is the AcceptedTransport's first pause; 0 means its default.
	Poll time.Duration
}

var defaultHTTPClient = NewHTTPClient()

// NewHTTPClient returns the HTTP client TokenTray uses for ESET: proxy from
// the environment (HTTPS_PROXY, NO_PROXY), TLS 1.2 or newer with
// certificate verification, bounded dial and handshake times, and no
// redirects (a token endpoint that redirects is a misconfigured proxy, and
// following it would turn the POST into a GET). The response-header timeout
// is above ESET's 120 s bound for cached answers.
func NewHTTPClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 130 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   2,
			ForceAttemptHTTP2:     true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Grant names, as they appear in errors.
const (
	OpPassword = "password grant"
	OpRefresh  = "refresh"
)

// PasswordGrant signs in with the API user's email and password.
// A rejected password is an error of kind [ErrBadCredentials]; never send
// it again without asking the person, since repeated failures can lock the
// account.
func (c *Client) PasswordGrant(ctx context.Context, username, password string) (*Token, error) {
	return c.grant(ctx, OpPassword, []string{password}, func(ctx context.Context, conf *oauth2.Config) (*oauth2.Token, error) {
		return conf.PasswordCredentialsToken(ctx, username, password)
	})
}

// Refresh trades a refresh token for a new access and refresh token. The
// refresh token passed in is spent whatever the outcome once the server has
// seen it: store the returned one before using the access token.
// A rejected refresh token is an error of kind [ErrRefreshRejected].
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*Token, error) {
	if refreshToken == "" {
		return nil, &Error{Kind: ErrRefreshRejected, Op: OpRefresh, Description: "no refresh token is stored"}
	}
	return c.grant(ctx, OpRefresh, []string{refreshToken}, func(ctx context.Context, conf *oauth2.Config) (*oauth2.Token, error) {
		return conf.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
	})
}

func (c *Client) grant(ctx context.Context, op string, secrets []string,
	do func(context.Context, *oauth2.Config) (*oauth2.Token, error)) (*Token, error) {
	base := c.HTTPClient
	if base == nil {
		base = defaultHTTPClient
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var last exchange
	hc := *base
	hc.Transport = recorder{
		next: &AcceptedTransport{Base: base.Transport, MaxWait: timeout, Poll: c.Poll},
		last: &last,
	}
	conf := &oauth2.Config{Endpoint: oauth2.Endpoint{
		TokenURL: TokenURL(c.BaseURL),
		// ESET takes no client credentials; InParams with none sends none.
		// (AuthStyleAutoDetect would POST a rejected password twice.)
		AuthStyle: oauth2.AuthStyleInParams,
	}}
	ot, err := do(context.WithValue(ctx, oauth2.HTTPClient, &hc), conf)
	if err != nil {
		return nil, classify(op, err, &last, secrets)
	}
	return c.token(op, ot, &last)
}

// token checks a successful answer and turns it into a Token.
func (c *Client) token(op string, ot *oauth2.Token, last *exchange) (*Token, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	malformed := func(what string) error {
		return &Error{Kind: ErrMalformed, Op: op, Status: last.status, RequestID: last.requestID, Description: what}
	}
	if tt := ot.TokenType; tt != "" && !strings.EqualFold(tt, "bearer") {
		return nil, malformed(fmt.Sprintf("token_type is %q, not Bearer", cleanDetail(tt)))
	}
	obtained := now().Round(0)
	var expiry time.Time
	switch {
	case ot.ExpiresIn > 0:
		expiry = obtained.Add(time.Duration(ot.ExpiresIn) * time.Second)
	default:
		claims, err := ParseClaims(ot.AccessToken)
		exp, ok := claims["exp"].(float64)
		if err != nil || !ok {
			return nil, malformed("the answer has no expires_in")
		}
		expiry = time.Unix(int64(exp), 0)
	}
	if !expiry.After(obtained) {
		return nil, malformed("the token is already expired")
	}
	return &Token{
		AccessToken:  ot.AccessToken,
		TokenType:    "Bearer",
		RefreshToken: ot.RefreshToken,
		Expiry:       expiry,
		Obtained:     obtained,
		RequestID:    last.requestID,
	}, nil
}

// classify turns whatever golang.org/x/oauth2 or the transport returned into
// an *Error. It never keeps oauth2's own text, which can quote a response
// body, and cleans what it keeps of the server's words.
func classify(op string, err error, last *exchange, secrets []string) error {
	var ae *Error
	if errors.As(err, &ae) { // from AcceptedTransport
		ae.Op = op
		return ae
	}
	e := &Error{Op: op, Status: last.status, RequestID: last.requestID}
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &re):
		if re.Response != nil {
			e.Status = re.Response.StatusCode
			e.RequestID = re.Response.Header.Get("request-id")
		}
		e.Code = cleanDetail(re.ErrorCode, secrets...)
		if len(e.Code) > 40 {
			e.Code = e.Code[:40]
		}
		e.Description = cleanDetail(re.ErrorDescription, secrets...)
		e.Kind = kindOf(op, e.Status, re.ErrorCode)
		if e.Kind == ErrMalformed && e.Code == "" {
			e.Description = describeBody(last)
		}
	case errors.Is(err, context.Canceled):
		// The caller gave up (Ctrl-C, shutdown): not a network problem.
		return fmt.Errorf("%s: %w", op, context.Canceled)
	case last.status == 0 || isNetErr(err):
		// net/http's text names the endpoint URL, never the request body.
		e.Kind = ErrNetwork
		e.Status = 0
		e.Err = err
	default: // a 2xx that oauth2 could not read as a token
		e.Kind = ErrMalformed
		e.Description = describeBody(last)
	}
	return e
}

// kindOf maps an HTTP status and RFC 6749 error code to a Kind.
func kindOf(op string, status int, code string) Kind {
	switch {
	case code == "invalid_grant" || status == http.StatusUnauthorized:
		if op == OpRefresh {
			return ErrRefreshRejected
		}
		return ErrBadCredentials
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status >= 500:
		return ErrServer
	case status >= 400:
		return ErrRejected
	case status >= 300 && status < 400:
		return ErrMalformed
	case code != "": // a 2xx carrying an error field
		return ErrRejected
	}
	return ErrMalformed
}

// describeBody says what came back instead of a token, from its headers only.
func describeBody(last *exchange) string {
	ct, _, _ := mime.ParseMediaType(last.contentType)
	switch {
	case last.status >= 300 && last.status < 400:
		return "the endpoint redirected (a proxy or a wrong endpoint?)"
	case ct == "text/html":
		return "an HTML page came back instead of JSON (a proxy or captive portal?)"
	case ct == "":
		return "the answer was not a readable token response"
	default:
		return fmt.Sprintf("the answer (%s) was not a readable token response", cleanDetail(ct))
	}
}

func isNetErr(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded)
}
