package authtest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Audience is the "aud" claim of every access token the Server issues.
const Audience = "eset-connect"

// Scope is the "scope" claim of every access token the Server issues. ESET
// does not document its scopes; the value only has to look plausible.
const Scope = "eset-connect:api"

// jwtHeader is the fixed first segment of every access token. The tokens are
// shaped like ESET's RS256 JWTs so that a client which peeks into them (to
// read exp, say) meets the same structure, but the "signature" is random
// bytes: nothing can or should verify it.
var jwtHeader = b64([]byte(`{"alg":"RS256","typ":"JWT"}`))

// Claims are the claims carried in the payload of an access token issued by
// the Server.
type Claims struct {
	// Subject is the username the token was issued to.
	Subject string `json:"sub"`
	// IssuedAt is when the token was issued, in Unix seconds by the
	// Server's clock.
	IssuedAt int64 `json:"iat"`
	// Expiry is when the token stops working, in Unix seconds by the
	// Server's clock; it is IssuedAt plus the expires_in of the response.
	Expiry int64 `json:"exp"`
	// ID is a random UUID that makes every token unique.
	ID string `json:"jti"`
	// Audience is always [Audience].
	Audience string `json:"aud"`
	// Scope is always [Scope].
	Scope string `json:"scope"`
}

// ParseClaims decodes the claims of a JWT-shaped access token without
// verifying anything, which is all a test needs to check what the Server put
// in a token. It fails if the token does not have three base64url segments
// or its payload is not a JSON object.
func ParseClaims(token string) (Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, errors.New("authtest: access token is not a JWT (want three dot-separated segments)")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return Claims{}, fmt.Errorf("authtest: JWT payload is not base64url: %w", err)
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return Claims{}, fmt.Errorf("authtest: JWT payload is not JSON: %w", err)
	}
	return c, nil
}

// makeJWT builds an access token carrying c.
func makeJWT(c Claims) string {
	payload, err := json.Marshal(c)
	if err != nil {
		panic("authtest: cannot marshal claims: " + err.Error()) // cannot happen: plain fields
	}
	return jwtHeader + "." + b64(payload) + "." + b64(randomBytes(32))
}

// randomToken returns an opaque refresh token: 32 random bytes, base64url.
func randomToken() string { return b64(randomBytes(32)) }

// newUUID returns a random (version 4) UUID in its canonical text form.
func newUUID() string {
	u := randomBytes(16)
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails: crypto/rand aborts the program instead
	return b
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
