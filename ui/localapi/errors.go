package localapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/tokentray/tokentray/auth"
	"github.com/tokentray/tokentray/auth/keeper"
)

// Sentinel errors shared by the server, its backends and the client.
var (
	// ErrNotFound is wrapped by a Backend for an account that does not exist
	// (fmt.Errorf("account %q: %w", name, localapi.ErrNotFound)), so the
	// server answers 404 instead of 500. A client's *Error matches it for a
	// CodeNotFound answer.
	ErrNotFound = errors.New("not found")

	// ErrBadRequest is wrapped by a Backend for a request it refuses as
	// invalid (an empty username, an unknown region), so the server answers
	// 400: the person must change the request, retrying cannot help.
	ErrBadRequest = errors.New("bad request")

	// ErrAgentRunning is returned by Listen when an agent already answers on
	// the socket. It is not a failure: the caller is the second instance and
	// should hand over to the running agent (ask it to open the window) and
	// exit.
	ErrAgentRunning = errors.New("a TokenTray agent is already running")

	// ErrNoAgent matches (with errors.Is) a client call that could not reach
	// an agent at all: no socket, or nothing listening on it. The command
	// line then falls back to doing the work in-process. Failures after a
	// connection was made do not match it, because the agent may have acted
	// on the request.
	ErrNoAgent = errors.New("no TokenTray agent is running")
)

// Error is a non-2xx answer from the agent, as the Client sees it. It carries
// the agent's ErrorBody, so the message, hint and request-id survive the trip
// through the socket, and it matches the sentinels the command line tests for.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// Body is the agent's answer.
	Body ErrorBody
}

// Error returns the agent's message, which already reads as a sentence about
// the account (the server writes err.Error() of the backend's error).
func (e *Error) Error() string {
	if e.Body.Error != "" {
		return e.Body.Error
	}
	return fmt.Sprintf("the TokenTray agent answered HTTP %d", e.Status)
}

// Hint is the agent's what-to-do sentence; it makes auth.Hint work on
// errors that crossed the socket.
func (e *Error) Hint() string { return e.Body.Hint }

// RequestID is the request-id of ESET's answer that caused the failure, if
// any. (auth.RequestID only looks for *auth.Error, so callers that show it
// read it here or from Body.)
func (e *Error) RequestID() string { return e.Body.RequestID }

// Temporary reports whether retrying later can succeed (CodeUnavailable);
// it makes auth.IsTemporary work on errors that crossed the socket.
func (e *Error) Temporary() bool { return e.Body.Code == CodeUnavailable }

// Is matches keeper.ErrSignInNeeded for CodeSignInNeeded (so the command
// line exits with its sign-in-needed code), ErrNotFound for CodeNotFound
// and ErrBadRequest for CodeBadRequest.
func (e *Error) Is(target error) bool {
	switch e.Body.Code {
	case CodeSignInNeeded:
		return target == keeper.ErrSignInNeeded
	case CodeNotFound:
		return target == ErrNotFound
	case CodeBadRequest:
		return target == ErrBadRequest
	}
	return false
}

// errorFor turns a backend error into the answer's status and body. It is
// the one place that decides how failures look on the wire; the order of
// the cases matters, since one error can match several (a
// keeper.SignInNeededError wraps the auth.ErrBadCredentials that caused it,
// and a person must sign in again either way).
func errorFor(err error) (int, ErrorBody) {
	status, code := classify(err)
	return status, ErrorBody{
		Code:      code,
		Error:     err.Error(),
		Hint:      auth.Hint(err),
		RequestID: auth.RequestID(err),
	}
}

func classify(err error) (status int, code string) {
	switch {
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest, CodeBadRequest
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, CodeNotFound
	case errors.Is(err, keeper.ErrSignInNeeded), errors.Is(err, keeper.ErrSignedOut):
		return http.StatusConflict, CodeSignInNeeded
	case errors.Is(err, auth.ErrBadCredentials), errors.Is(err, auth.ErrForbidden),
		errors.Is(err, auth.ErrRejected), errors.Is(err, auth.ErrRefreshRejected):
		return http.StatusUnprocessableEntity, CodeRejected
	case auth.IsTemporary(err),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		// A backend that gave up waiting (or is shutting down) failed
		// for now; the same request can succeed later.
		return http.StatusServiceUnavailable, CodeUnavailable
	}
	return http.StatusInternalServerError, CodeInternal
}

// codeForStatus guesses the Code of an answer whose body is not an
// ErrorBody (a proxy, or a status the server writes itself), so the
// client's *Error still matches the right sentinels.
func codeForStatus(status int) string {
	switch {
	case status == http.StatusNotFound:
		return CodeNotFound
	case status == http.StatusConflict:
		return CodeSignInNeeded
	case status == http.StatusUnprocessableEntity:
		return CodeRejected
	case status == http.StatusServiceUnavailable:
		return CodeUnavailable
	case status >= 400 && status < 500:
		return CodeBadRequest
	}
	return CodeInternal
}
