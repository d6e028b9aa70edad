package localapi

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/tokentray/tokentray/auth"
	"github.com/tokentray/tokentray/auth/keeper"
)

func TestErrorFor(t *testing.T) {
	badCreds := &auth.Error{Kind: auth.ErrBadCredentials, Op: "password grant", Status: 400, Code: "invalid_grant", RequestID: "rid-1"}
	for _, tc := range []struct {
		name      string
		err       error
		status    int
		code      string
		hint      string
		requestID string
	}{
		{"bad request", fmt.Errorf("%w: username is empty", ErrBadRequest), 400, CodeBadRequest, "", ""},
		{"not found", fmt.Errorf("account %q: %w", "x", ErrNotFound), 404, CodeNotFound, "", ""},
		{"sign-in needed", &keeper.SignInNeededError{Profile: "x", Err: badCreds}, 409, CodeSignInNeeded, auth.ErrBadCredentials.Hint(), "rid-1"},
		{"sign-in needed, no password", &keeper.SignInNeededError{Profile: "x"}, 409, CodeSignInNeeded, "Sign in again with the API user's password.", ""},
		{"sign-in needed sentinel", fmt.Errorf("x: %w", keeper.ErrSignInNeeded), 409, CodeSignInNeeded, "", ""},
		{"signed out", &keeper.SignedOutError{Profile: "x"}, 409, CodeSignInNeeded, "Sign in first.", ""},
		{"signed out sentinel", keeper.ErrSignedOut, 409, CodeSignInNeeded, "", ""},
		{"bad credentials", badCreds, 422, CodeRejected, auth.ErrBadCredentials.Hint(), "rid-1"},
		{"forbidden", &auth.Error{Kind: auth.ErrForbidden, Status: 403}, 422, CodeRejected, auth.ErrForbidden.Hint(), ""},
		{"rejected", fmt.Errorf("signing in: %w", auth.ErrRejected), 422, CodeRejected, auth.ErrRejected.Hint(), ""},
		{"refresh rejected", auth.ErrRefreshRejected, 422, CodeRejected, auth.ErrRefreshRejected.Hint(), ""},
		{"network", &auth.Error{Kind: auth.ErrNetwork, Err: errors.New("dial tcp: timeout")}, 503, CodeUnavailable, auth.ErrNetwork.Hint(), ""},
		{"rate limited", auth.ErrRateLimited, 503, CodeUnavailable, auth.ErrRateLimited.Hint(), ""},
		{"server", &auth.Error{Kind: auth.ErrServer, Status: 502, RequestID: "rid-2"}, 503, CodeUnavailable, auth.ErrServer.Hint(), "rid-2"},
		{"deadline", fmt.Errorf("waiting for a refresh: %w", context.DeadlineExceeded), 503, CodeUnavailable, "", ""},
		{"canceled", context.Canceled, 503, CodeUnavailable, "", ""},
		{"other", errors.New("keyring: locked"), 500, CodeInternal, "", ""},
	} {
		status, body := errorFor(tc.err)
		want := ErrorBody{Code: tc.code, Error: tc.err.Error(), Hint: tc.hint, RequestID: tc.requestID}
		if status != tc.status || body != want {
			t.Errorf("%s: errorFor = %d %+v; want %d %+v", tc.name, status, body, tc.status, want)
		}
	}
}

func TestClientError(t *testing.T) {
	for _, tc := range []struct {
		code                                string
		signIn, notFound, badReq, temporary bool
	}{
		{CodeSignInNeeded, true, false, false, false},
		{CodeNotFound, false, true, false, false},
		{CodeBadRequest, false, false, true, false},
		{CodeUnavailable, false, false, false, true},
		{CodeRejected, false, false, false, false},
		{CodeInternal, false, false, false, false},
	} {
		e := &Error{Status: 400, Body: ErrorBody{Code: tc.code, Error: "msg " + tc.code, Hint: "hint " + tc.code, RequestID: "rid"}}
		err := fmt.Errorf("wrapped: %w", e)
		if got := errors.Is(err, keeper.ErrSignInNeeded); got != tc.signIn {
			t.Errorf("%s: Is(ErrSignInNeeded) = %v", tc.code, got)
		}
		if got := errors.Is(err, ErrNotFound); got != tc.notFound {
			t.Errorf("%s: Is(ErrNotFound) = %v", tc.code, got)
		}
		if got := errors.Is(err, ErrBadRequest); got != tc.badReq {
			t.Errorf("%s: Is(ErrBadRequest) = %v", tc.code, got)
		}
		if got := auth.IsTemporary(err); got != tc.temporary {
			t.Errorf("%s: auth.IsTemporary = %v", tc.code, got)
		}
		if errors.Is(err, ErrNoAgent) {
			t.Errorf("%s: an answer matches ErrNoAgent", tc.code)
		}
		if got, want := auth.Hint(err), "hint "+tc.code; got != want {
			t.Errorf("%s: auth.Hint = %q; want %q", tc.code, got, want)
		}
		if got, want := e.Error(), "msg "+tc.code; got != want {
			t.Errorf("%s: Error() = %q; want %q", tc.code, got, want)
		}
	}
	if got := (&Error{Status: 502}).Error(); got == "" {
		t.Error("Error() of an empty body is empty")
	}
}

func TestCodeForStatus(t *testing.T) {
	for status, want := range map[int]string{
		400: CodeBadRequest, 404: CodeNotFound, 405: CodeBadRequest, 409: CodeSignInNeeded,
		413: CodeBadRequest, 422: CodeRejected, 500: CodeInternal, 502: CodeInternal, 503: CodeUnavailable,
	} {
		if got := codeForStatus(status); got != want {
			t.Errorf("codeForStatus(%d) = %q; want %q", status, got, want)
		}
	}
}
