// Package localapi is the agent's local API: versioned JSON over HTTP on a
// per-user unix socket. The resident agent serves it; the command line and
// the window are its clients. Nothing listens on TCP.
//
// This file holds the wire types, shared by the server, the client and the
// tray (which renders the same Status the clients see).
package localapi

import "time"

// Status is everything the surfaces show: every account and the agent's
// own condition. It never contains a secret.
type Status struct {
	// Accounts in the order of the config file.
	Accounts []Account `json:"accounts"`
	// Default names the default account ("" when there is none).
	Default string `json:"default,omitempty"`
	// TrayHost reports whether a StatusNotifierWatcher (tray host) was
	// found; false means the tray icon is invisible on this desktop.
	TrayHost bool `json:"tray_host"`
	// Clipboard is "" when copying works, otherwise why it does not.
	Clipboard string `json:"clipboard,omitempty"`
	// Notifications is "" when notifications work, otherwise why not.
	Notifications string `json:"notifications,omitempty"`
	// Version is the agent's version.
	Version string `json:"version"`
	// PID is the agent's process id.
	PID int `json:"pid"`
}

// Account is one account's state.
type Account struct {
	Name     string `json:"name"`
	Region   string `json:"region,omitempty"`
	Endpoint string `json:"endpoint,omitempty"`
	Username string `json:"username"`
	// Phase is keeper.Phase's String: "signed out", "signing in", "fresh",
	// "refreshing", "expiring", "failing", "sign-in needed".
	Phase string `json:"phase"`
	// Error and Hint say what went wrong and what to do (empty when fine).
	Error string `json:"error,omitempty"`
	Hint  string `json:"hint,omitempty"`
	// RequestID is the request-id of ESET's last answer.
	RequestID string `json:"request_id,omitempty"`
	// Obtained and Expiry bound the held token (zero when none).
	Obtained time.Time `json:"obtained,omitzero"`
	Expiry   time.Time `json:"expiry,omitzero"`
	// NextRefresh is when the next refresh or retry is planned.
	NextRefresh time.Time `json:"next_refresh,omitzero"`
	// Failures counts consecutive failed refresh attempts.
	Failures int `json:"failures,omitempty"`
	// HandedOut is the expiry of the last token handed out (copied or
	// printed), which the expiry notification watches.
	HandedOut time.Time `json:"handed_out,omitzero"`
	// Settings.
	MinValid       Duration `json:"min_valid"`
	NotifyLead     Duration `json:"notify_lead"`
	ClipboardClear Duration `json:"clipboard_clear"`
}

// Phases as they appear in Account.Phase.
const (
	PhaseSignedOut    = "signed out"
	PhaseSigningIn    = "signing in"
	PhaseFresh        = "fresh"
	PhaseRefreshing   = "refreshing"
	PhaseExpiring     = "expiring"
	PhaseFailing      = "failing"
	PhaseSignInNeeded = "sign-in needed"
)

// Find returns the account with the given name.
func (s Status) Find(name string) (Account, bool) {
	for _, a := range s.Accounts {
		if a.Name == name {
			return a, true
		}
	}
	return Account{}, false
}

// TokenRequest asks for a token.
type TokenRequest struct {
	// Profile names the account; "" means the default one.
	Profile string `json:"profile,omitempty"`
	// MinValid is the least validity the token must have left; a negative
	// or absent value means the account's setting.
	MinValid *Duration `json:"min_valid,omitempty"`
	// Inspect marks a request made only to show the token's details: it
	// does not count as handing the token out (no expiry warning for it).
	Inspect bool `json:"inspect,omitempty"`
}

// CopyRequest asks the agent to put a token on the clipboard.
type CopyRequest struct {
	// Header copies the whole "Authorization: Bearer …" line.
	Header bool `json:"header,omitempty"`
}

// TokenResponse is the token, in the shape `tokentray token --format json`
// prints.
type TokenResponse struct {
	Profile     string    `json:"profile"`
	AccessToken string    `json:"access_token"`
	TokenType   string    `json:"token_type"`
	ExpiresAt   time.Time `json:"expires_at"`
	ExpiresIn   int64     `json:"expires_in"`
}

// SignInRequest adds an account or signs an existing one in again.
type SignInRequest struct {
	Profile     string `json:"profile"`
	Region      string `json:"region,omitempty"`
	Endpoint    string `json:"endpoint,omitempty"`
	Username    string `json:"username"`
	Password    string `json:"password"`
	Remember    bool   `json:"remember"`
	MakeDefault bool   `json:"make_default,omitempty"`
}

// SettingsRequest changes an account's settings; absent fields stay.
type SettingsRequest struct {
	MinValid       *Duration `json:"min_valid,omitempty"`
	NotifyLead     *Duration `json:"notify_lead,omitempty"`
	ClipboardClear *Duration `json:"clipboard_clear,omitempty"`
}

// SignOutRequest signs an account out.
type SignOutRequest struct {
	Forget bool `json:"forget,omitempty"`
}

// ErrorBody is every non-2xx answer's body.
type ErrorBody struct {
	// Code is machine-readable: see the Code* constants.
	Code string `json:"code"`
	// Error is the message; Hint says what to do.
	Error     string `json:"error"`
	Hint      string `json:"hint,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// Error codes.
const (
	CodeBadRequest   = "bad_request"    // 400: malformed request
	CodeNotFound     = "not_found"      // 404: no such account or endpoint
	CodeSignInNeeded = "sign_in_needed" // 409: the account needs a sign-in (or is signed out)
	CodeRejected     = "rejected"       // 422: ESET rejected the credentials or access
	CodeUnavailable  = "unavailable"    // 503: temporary failure (network, ESET, keyring)
	CodeInternal     = "internal"       // 500
)

// Duration is a time.Duration that travels as a Go duration string ("5m0s").
type Duration time.Duration
