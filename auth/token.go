package auth

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"time"
)

// Token is one ESET Connect access token with the refresh token that came
// with it.
//
// A Token is a value that is never modified once a [Client] has returned it;
// share it freely between goroutines. Its String, GoString, Format, LogValue
// and MarshalJSON methods mask the secrets, so printing or logging a Token
// never reveals them: read AccessToken and RefreshToken explicitly where a
// secret is really meant to go out.
type Token struct {
	// AccessToken is the bearer token (a JWT) sent in the Authorization header.
	AccessToken string
	// TokenType is what the server called the token, normally "Bearer".
	TokenType string
	// RefreshToken renews the access token once. ESET rotates it on every
	// refresh: the old one is spent as soon as a new one is issued.
	RefreshToken string
	// Expiry is when the access token stops working, by the wall clock
	// (no monotonic reading, so it survives a laptop's sleep).
	Expiry time.Time
	// Obtained is when the token was received, by the wall clock.
	Obtained time.Time
	// RequestID is the request-id header of the response that issued the
	// token; ESET support asks for it.
	RequestID string
}

// ValidFor reports whether t is a usable token with at least d left at now.
// It compares wall-clock times only. A nil Token is not valid.
func (t *Token) ValidFor(now time.Time, d time.Duration) bool {
	return t != nil && t.AccessToken != "" && !now.Round(0).Add(d).After(t.Expiry)
}

// Lifetime is how long the token was issued for.
func (t *Token) Lifetime() time.Duration {
	if t == nil {
		return 0
	}
	return t.Expiry.Sub(t.Obtained)
}

// Mask shows a secret as "****" and its last four characters, enough to tell
// two tokens apart in a log or a screenshot and useless to anyone else.
func Mask(secret string) string {
	if len(secret) <= 8 {
		return "****"
	}
	return "****" + secret[len(secret)-4:]
}

// String describes the token without revealing it.
func (t Token) String() string {
	return fmt.Sprintf("%s token %s (expires %s, request-id %s)",
		nonEmpty(t.TokenType, "Bearer"), Mask(t.AccessToken),
		t.Expiry.UTC().Format(time.RFC3339), nonEmpty(t.RequestID, "none"))
}

// GoString is the %#v form: it masks the secrets too.
func (t Token) GoString() string { return "auth.Token{" + t.String() + "}" }

// Format makes every fmt verb (%v, %+v, %#v, %s, %q, %d ...) print the masked
// form, so no verb reveals a field.
func (t Token) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, t.GoString())
		return
	}
	fmt.Fprint(f, t.String())
}

// LogValue keeps the secrets out of log/slog output.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("access_token", Mask(t.AccessToken)),
		slog.Time("expiry", t.Expiry),
		slog.String("request_id", t.RequestID),
	)
}

// MarshalJSON writes the masked form. Code that must emit the real token in
// JSON (the command line's --format json) builds its own document on purpose.
func (t Token) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{
		"access_token":  Mask(t.AccessToken),
		"refresh_token": Mask(t.RefreshToken),
		"token_type":    t.TokenType,
		"expiry":        t.Expiry,
		"request_id":    t.RequestID,
	})
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
