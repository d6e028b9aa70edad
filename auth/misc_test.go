package auth_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/auth"
)

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestCheckEndpoint(t *testing.T) {
	for _, tc := range []struct{ in, want, errHas string }{
		{"https://proxy.example:8443/", "https://proxy.example:8443", ""},
		{" HTTPS://proxy.example/eset ", "https://proxy.example/eset", ""},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", ""},
		{"http://localhost:9", "http://localhost:9", ""},
		{"http://[::1]:9", "http://[::1]:9", ""},
		{"http://proxy.example", "", "plain http"},
		{"http://10.0.0.1", "", "plain http"},
		{"ftp://proxy.example", "", "https://"},
		{"proxy.example", "", "not a URL"},
		{"https://user:pw@proxy.example", "", "user name or password"},
		{"https://proxy.example/?x=1", "", "query"},
		{"", "", "not a URL"},
	} {
		got, err := auth.CheckEndpoint(tc.in)
		if tc.errHas == "" {
			if err != nil || got != tc.want {
				t.Errorf("CheckEndpoint(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.errHas) {
			t.Errorf("CheckEndpoint(%q) err = %v; want one mentioning %q", tc.in, err, tc.errHas)
		}
		if strings.Contains(fmt.Sprint(err), "pw@") {
			t.Errorf("error repeats the credentials: %v", err)
		}
	}
}

func TestRegions(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want auth.Region
		url  string
	}{
		{"eu", auth.RegionEU, "https://eu.business-account.iam.eset.systems"},
		{" DE ", auth.RegionDE, "https://de.business-account.iam.eset.systems"},
		{"us", auth.RegionUS, "https://us.business-account.iam.eset.systems"},
		{"ca", auth.RegionCA, "https://ca.business-account.iam.eset.systems"},
		{"jpn", auth.RegionJPN, "https://jpn.business-account.iam.eset.systems"},
	} {
		got, err := auth.ParseRegion(tc.in)
		if err != nil || got != tc.want || got.BaseURL() != tc.url || got.Name() == "" {
			t.Errorf("ParseRegion(%q) = %q (%s), %v; want %q (%s)", tc.in, got, got.BaseURL(), err, tc.want, tc.url)
		}
	}
	if _, err := auth.ParseRegion("jp"); err == nil || !strings.Contains(err.Error(), "Japan is jpn") {
		t.Errorf("ParseRegion(jp) err = %v; want a hint that Japan is jpn", err)
	}
	if got, want := auth.TokenURL("https://x.example/"), "https://x.example/oauth/token"; got != want {
		t.Errorf("TokenURL = %q; want %q", got, want)
	}
}

func TestTokenNeverPrintsSecrets(t *testing.T) {
	tok := auth.Token{
		AccessToken: "eyJhbGciOi.secret-access-part.sig-ABCD", RefreshToken: "refresh-secret-WXYZ",
		TokenType: "Bearer", Expiry: time.Now().Add(time.Hour), RequestID: "rid-1",
	}
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("got", "token", tok)
	js, _ := json.Marshal(tok)
	text := fmt.Sprintf("%v|%+v|%#v|%s|%q|%d|%x", tok, tok, tok, tok, tok, tok, tok) +
		fmt.Sprintf("%v|%+v", &tok, []auth.Token{tok}) + logged.String() + string(js)
	for _, secret := range []string{tok.AccessToken, tok.RefreshToken, "secret-access-part"} {
		if strings.Contains(text, secret) {
			t.Errorf("secret %q printed: %s", secret, text)
		}
	}
	if !strings.Contains(text, "****ABCD") || !strings.Contains(text, "rid-1") {
		t.Errorf("masked form lacks the last four characters or request-id: %s", text)
	}
}

func TestValidFor(t *testing.T) {
	now := time.Now()
	tok := &auth.Token{AccessToken: "a", Expiry: now.Add(10 * time.Minute)}
	if !tok.ValidFor(now, 10*time.Minute) || tok.ValidFor(now, 10*time.Minute+time.Nanosecond) {
		t.Errorf("ValidFor boundary wrong")
	}
	var none *auth.Token
	if none.ValidFor(now, 0) || (&auth.Token{Expiry: now.Add(time.Hour)}).ValidFor(now, 0) {
		t.Errorf("nil or empty token reported valid")
	}
}

func TestParseClaims(t *testing.T) {
	c, err := auth.ParseClaims("h." + b64(`{"exp":1700000000,"sub":"api@corp.example"}`) + ".s")
	if err != nil || c["sub"] != "api@corp.example" || c["exp"].(float64) != 1700000000 {
		t.Errorf("ParseClaims = %v, %v", c, err)
	}
	for _, bad := range []string{"", "a.b", "a.!!!.c", "a." + b64("not json") + ".c"} {
		if _, err := auth.ParseClaims(bad); err == nil {
			t.Errorf("ParseClaims(%q) accepted", bad)
		}
	}
}

func TestErrorMessages(t *testing.T) {
	err := &auth.Error{Kind: auth.ErrBadCredentials, Op: auth.OpPassword, Status: 400, Code: "invalid_grant", Description: "bad credentials", RequestID: "1b4e"}
	if got, want := err.Error(), "password grant: ESET rejected the username or password (HTTP 400; invalid_grant: bad credentials; request-id 1b4e)"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	wrapped := fmt.Errorf("signing in: %w", err)
	if !errors.Is(wrapped, auth.ErrBadCredentials) || errors.Is(wrapped, auth.ErrForbidden) {
		t.Errorf("errors.Is by kind broken")
	}
	if auth.RequestID(wrapped) != "1b4e" || !strings.Contains(auth.Hint(wrapped), "90 days") {
		t.Errorf("RequestID/Hint through wrapping broken")
	}
	for k := auth.ErrBadCredentials; k <= auth.ErrMalformed; k++ {
		if k.Hint() == "" || k.Error() == "unknown failure" {
			t.Errorf("kind %d lacks text or hint", k)
		}
	}
}
