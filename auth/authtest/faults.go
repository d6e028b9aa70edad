package authtest

import (
	"fmt"
	"net/http"
	"time"
)

// A Fault is one scripted misbehaviour of the token endpoint, queued with
// [Server.Script]. Each new token request (a POST to the token endpoint
// without a response-id header that passed the HTTP-level checks) takes the
// next fault from the queue; when the queue is empty requests are answered
// normally. Requests refused before that point (404, 405, 413, 415, a URL
// query, a malformed body), response-id retrievals and /v1/devices calls
// never take a fault, so a script lines up with the grants a client
// attempts.
//
// Faults differ in whether the grant is processed. Accepted,
// StaleResponseID, GatewayTimeout and Slow process it: credentials are
// checked and a refresh token is spent exactly as without the fault, which
// is how a client can lose a rotated refresh token in real life. All other
// faults answer without processing: nothing is rotated and no grant is
// counted.
//
// The zero Fault is [OK]. Faults are comparable values and safe to reuse.
type Fault struct {
	kind   faultKind
	n      int           // Accepted: how many 202s in all
	status int           // Status: the HTTP status
	delay  time.Duration // Slow: the wait
}

type faultKind int

const (
	faultOK faultKind = iota
	faultAccepted
	faultStale
	faultGatewayTimeout
	faultStatus
	faultSlow
	faultInvalidGrant
	faultHTML
	faultTruncated
	faultMissingAccessToken
	faultEchoSecret
)

// OK answers the request normally. It is the zero Fault; script it to let a
// request through between two faults.
func OK() Fault { return Fault{} }

// Accepted processes the request at once but answers 202 Accepted with an
// empty body and a response-id header, the way ESET answers when a result
// took too long and was cached. The client must re-send the identical
// request (POST, same path, byte-identical form body) with the header
// "response-id: <id>". The Server answers such retrievals with 202 and the
// same id n-1 more times, then with the stored result; once retrieved, the
// id is spent and further retrievals get 404. An unretrieved result is
// dropped after 10 minutes by the Server's clock (404). A retrieval whose
// body differs from the accepted request's gets 400 invalid_request and
// leaves the result in place.
//
// Accepted panics if n < 1.
func Accepted(n int) Fault {
	if n < 1 {
		panic(fmt.Sprintf("authtest: Accepted(%d): n must be at least 1", n))
	}
	return Fault{kind: faultAccepted, n: n}
}

// StaleResponseID is like Accepted(1), but the result is dropped before the
// client comes back: the first retrieval gets 404 and the id is unknown from
// then on. Because the grant was processed, a refresh token sent with it is
// spent although the client never saw its successor.
func StaleResponseID() Fault { return Fault{kind: faultStale} }

// GatewayTimeout is like Accepted(1), but the first retrieval gets 504
// Gateway Timeout (ESET's "not ready after about 120 seconds; repeat the
// query") and the second retrieval, with the same id, delivers the result.
func GatewayTimeout() Fault { return Fault{kind: faultGatewayTimeout} }

// Status answers with the HTTP status code and a JSON error body
// {"error":..., "error_description":...} whose error code suits the status
// (400 invalid_request, 401 invalid_client, 403 access_denied, 404
// not_found, 429 too_many_requests, 503 temporarily_unavailable, other 5xx
// server_error), without processing the grant. Like ESET, it sends no
// Retry-After header.
//
// Status panics unless code is a 4xx or 5xx status.
func Status(code int) Fault {
	if code < 400 || code > 599 {
		panic(fmt.Sprintf("authtest: Status(%d): want a 4xx or 5xx status", code))
	}
	return Fault{kind: faultStatus, status: code}
}

// RateLimited answers 429 Too Many Requests, which ESET sends beyond 10 calls
// a second. It is Status(429).
func RateLimited() Fault { return Status(http.StatusTooManyRequests) }

// ServerError answers 500 Internal Server Error. It is Status(500).
func ServerError() Fault { return Status(http.StatusInternalServerError) }

// Forbidden answers 403 with {"error":"access_denied",...}, which ESET sends
// when the API user lacks the Integrations permission, was created in ESET
// PROTECT Hub, or belongs to another region. It is Status(403).
func Forbidden() Fault { return Status(http.StatusForbidden) }

// Slow waits for d, or until the client gives up (the request's context is
// done) or the Server closes, and then processes the request normally. The
// grant is processed even if the client gave up, as a real server would, so
// a client that times out a refresh has spent its refresh token.
func Slow(d time.Duration) Fault { return Fault{kind: faultSlow, delay: d} }

// InvalidGrant answers 400 {"error":"invalid_grant",...} whatever the
// credentials, as ESET does for a wrong or expired password or a rejected
// refresh token. Nothing is processed, so the refresh token stays valid.
func InvalidGrant() Fault { return Fault{kind: faultInvalidGrant} }

// HTML answers 200 with Content-Type text/html and a proxy's login page, as
// a captive portal or an intercepting proxy would.
func HTML() Fault { return Fault{kind: faultHTML} }

// Truncated answers 200 application/json with a token response cut off in
// the middle, as a dropped connection leaves it. The tokens in it were never
// issued, and the grant is not processed.
func Truncated() Fault { return Fault{kind: faultTruncated} }

// MissingAccessToken answers 200 with well-formed JSON that has token_type
// and expires_in but no access_token (and no refresh_token). The grant is
// not processed.
func MissingAccessToken() Fault { return Fault{kind: faultMissingAccessToken} }

// EchoSecret answers 400 invalid_grant with an error_description that
// quotes the submitted password and refresh token verbatim. Servers do not
// usually do this, but a client must still never show or log the
// description unredacted; this fault proves that it doesn't.
func EchoSecret() Fault { return Fault{kind: faultEchoSecret} }

// String names the fault the way it is constructed, e.g. "Accepted(3)".
func (f Fault) String() string {
	switch f.kind {
	case faultOK:
		return "OK()"
	case faultAccepted:
		return fmt.Sprintf("Accepted(%d)", f.n)
	case faultStale:
		return "StaleResponseID()"
	case faultGatewayTimeout:
		return "GatewayTimeout()"
	case faultStatus:
		return fmt.Sprintf("Status(%d)", f.status)
	case faultSlow:
		return fmt.Sprintf("Slow(%v)", f.delay)
	case faultInvalidGrant:
		return "InvalidGrant()"
	case faultHTML:
		return "HTML()"
	case faultTruncated:
		return "Truncated()"
	case faultMissingAccessToken:
		return "MissingAccessToken()"
	case faultEchoSecret:
		return "EchoSecret()"
	}
	return fmt.Sprintf("Fault(%d)", int(f.kind))
}

// statusErrorCode is the RFC 6749-style error code that suits an HTTP status.
func statusErrorCode(code int) string {
	switch code {
	case http.StatusBadRequest:
		return "invalid_request"
	case http.StatusUnauthorized:
		return "invalid_client"
	case http.StatusForbidden:
		return "access_denied"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusTooManyRequests:
		return "too_many_requests"
	case http.StatusServiceUnavailable:
		return "temporarily_unavailable"
	}
	if code >= 500 {
		return "server_error"
	}
	return "invalid_request"
}

// statusDescription is the error_description sent with a Status fault.
func statusDescription(code int) string {
	switch code {
	case http.StatusForbidden:
		return "the user is not allowed to use the API (missing Integrations permission?) (authtest fault)"
	case http.StatusTooManyRequests:
		return "rate limit exceeded: at most 10 calls per second (authtest fault)"
	}
	if t := http.StatusText(code); t != "" {
		return t + " (authtest fault)"
	}
	return fmt.Sprintf("HTTP %d (authtest fault)", code)
}

// proxyLoginPage is what the HTML fault answers.
const proxyLoginPage = `<!DOCTYPE html>
<html>
<head><title>Sign in to continue</title></head>
<body>
<h1>Corporate web proxy</h1>
<p>Your session has expired. Sign in to continue browsing.</p>
<form method="post" action="/proxy/login">
<input name="user"> <input name="pass" type="password"> <button>Sign in</button>
</form>
</body>
</html>
`
