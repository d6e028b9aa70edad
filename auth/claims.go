package auth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// ParseClaims decodes the claims (the middle part) of a JWT access token
// without verifying its signature: TokenTray only reads them to show a
// person what the token says (exp, iat, sub, aud, scope). Never base an
// access decision on them.
func ParseClaims(accessToken string) (map[string]any, error) {
	parts := strings.Split(accessToken, ".")
	if len(parts) != 3 {
		return nil, errors.New("the access token is not a JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, errors.New("the access token's claims are not base64url")
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		return nil, errors.New("the access token's claims are not JSON")
	}
	return claims, nil
}
