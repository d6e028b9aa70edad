package auth

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// Kind classifies a failure so callers can decide what to do (retry, ask the
// person to sign in again) and what to say. A Kind is itself an error, so
// callers test with errors.Is(err, auth.ErrBadCredentials).
type Kind int

// The kinds of failure. Temporary ones (rate limited, server, network,
// malformed) are worth retrying with backoff; the others need a person.
const (
	// ErrBadCredentials: the password grant was refused with invalid_grant:
	// wrong username or password, or the password expired.
	ErrBadCredentials Kind = iota + 1
	// ErrRefreshRejected: the refresh token was refused (expired, revoked or
	// already spent).
	ErrRefreshRejected
	// ErrForbidden: HTTP 403; the API user lacks the Integrations permission,
	// was created in ESET PROTECT Hub, or the region is wrong.
	ErrForbidden
	// ErrRejected: any other 4xx, e.g. a malformed request or a wrong
	// region or endpoint.
	ErrRejected
	// ErrRateLimited: HTTP 429, more than 10 calls a second.
	ErrRateLimited
	// ErrServer: HTTP 5xx, or a cached (202) response that never became ready.
	ErrServer
	// ErrNetwork: no answer: DNS, connection, TLS, proxy or timeout.
	ErrNetwork
	// ErrMalformed: an answer that is not a token response (HTML from a
	// proxy, truncated JSON, a missing access_token).
	ErrMalformed
)

var kindText = map[Kind]string{
	ErrBadCredentials:  "ESET rejected the username or password",
	ErrRefreshRejected: "ESET rejected the refresh token",
	ErrForbidden:       "ESET refused access (HTTP 403)",
	ErrRejected:        "ESET rejected the request",
	ErrRateLimited:     "ESET is rate limiting requests (HTTP 429)",
	ErrServer:          "ESET's server failed",
	ErrNetwork:         "could not reach ESET",
	ErrMalformed:       "ESET's answer was not a token response",
}

var kindHint = map[Kind]string{
	ErrBadCredentials:  "Check the API user's email and password; ESET passwords expire (after 90 days by default), so sign in to ESET Business Account to renew it, then sign in here again.",
	ErrRefreshRejected: "The session ended; sign in again with the API user's password.",
	ErrForbidden:       "Give the API user the Integrations permission in ESET Business Account (users created in ESET PROTECT Hub cannot use the API), and check the region.",
	ErrRejected:        "Check the region (or custom endpoint) and the username, then try again.",
	ErrRateLimited:     "Wait a moment and try again; TokenTray slows down by itself.",
	ErrServer:          "ESET's service is having trouble; TokenTray keeps retrying, and ESET support can trace the request-id.",
	ErrNetwork:         "Check the network connection, VPN or proxy (HTTPS_PROXY), then try again.",
	ErrMalformed:       "Something between you and ESET (a proxy or captive portal?) answered instead; check the network or the custom endpoint.",
}

// Error describes the failure.
func (k Kind) Error() string {
	if s, ok := kindText[k]; ok {
		return s
	}
	return "unknown failure"
}

// Hint is one sentence telling a person what to do about this kind of failure.
func (k Kind) Hint() string { return kindHint[k] }

// Temporary reports whether retrying later can succeed without a person.
func (k Kind) Temporary() bool {
	switch k {
	case ErrRateLimited, ErrServer, ErrNetwork, ErrMalformed:
		return true
	}
	return false
}

// Error is a failed token request. Its text never contains a secret: the
// server's error description is cleaned and stripped of the secrets the
// request carried before it is kept.
type Error struct {
	Kind Kind
	// Op is what was attempted: "password grant" or "refresh".
	Op string
	// Status is the HTTP status, or 0 when no answer came.
	Status int
	// Code and Description are RFC 6749's error and error_description.
	Code, Description string
	// RequestID is the response's request-id header, when there was one.
	RequestID string
	// Err is the underlying cause (a network error), if any.
	Err error
}

// Error reads like "password grant: ESET rejected the username or password
// (HTTP 400, invalid_grant: bad credentials; request-id 1b4e...)".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op + ": ")
	}
	b.WriteString(e.Kind.Error())
	var details []string
	if e.Status != 0 {
		details = append(details, fmt.Sprintf("HTTP %d", e.Status))
	}
	if e.Code != "" {
		d := e.Code
		if e.Description != "" {
			d += ": " + e.Description
		}
		details = append(details, d)
	} else if e.Description != "" {
		details = append(details, e.Description)
	}
	if e.Err != nil {
		details = append(details, e.Err.Error())
	}
	if e.RequestID != "" {
		details = append(details, "request-id "+e.RequestID)
	}
	if len(details) > 0 {
		b.WriteString(" (" + strings.Join(details, "; ") + ")")
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is matches the error's Kind, so errors.Is(err, auth.ErrForbidden) works.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}

// Hint is one sentence telling a person what to do.
func (e *Error) Hint() string { return e.Kind.Hint() }

// Temporary reports whether retrying later can succeed without a person.
func (e *Error) Temporary() bool { return e.Kind.Temporary() }

// Hint returns the what-to-do sentence of the first error in err's chain
// that has one, or "" if none has.
func Hint(err error) string {
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}

// RequestID returns the request-id carried by err's chain, or "": from an
// *Error, or from any error with a RequestID() method (such as one relayed
// by the agent's local API).
func RequestID(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.RequestID
	}
	var r interface{ RequestID() string }
	if errors.As(err, &r) {
		return r.RequestID()
	}
	return ""
}

// IsTemporary reports whether err is a failure worth retrying by itself.
func IsTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// maxDetail bounds how much of a server's words an error keeps.
const maxDetail = 200

// cleanDetail makes server-supplied text safe to show: printable characters
// only, every secret the request carried replaced by "****", and bounded in
// length. Redaction runs before truncation so no cut can leave part of a
// secret behind.
func cleanDetail(s string, secrets ...string) string {
	s = strings.Map(func(r rune) rune {
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, s)
	// A server may echo a secret as sent (form-encoded) or decoded.
	var forms []string
	for _, sec := range secrets {
		if sec != "" {
			forms = append(forms, sec, url.QueryEscape(sec), url.PathEscape(sec))
		}
	}
	for _, f := range forms {
		s = strings.ReplaceAll(s, f, "****")
	}
	for _, f := range forms {
		// A secret made of asterisks can reappear around a mask: withhold all.
		if strings.Contains(s, f) {
			return "(withheld: it contained a secret)"
		}
	}
	if r := []rune(s); len(r) > maxDetail {
		s = string(r[:maxDetail]) + "…"
	}
	return strings.TrimSpace(s)
}
