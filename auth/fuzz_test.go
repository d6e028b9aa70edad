package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokentray/tokentray/auth"
)

type cannedResponse struct {
	status      int
	contentType string
	body        []byte
}

// FuzzTokenResponse feeds arbitrary answers to both grants: the client must
// not panic, must classify every failure, and must never put the secrets it
// sent into an error's text.
func FuzzTokenResponse(f *testing.F) {
	const pw, rt = "fuzz p@ss/7Q", "fuzz-refresh-token-9Z"
	for _, seed := range []cannedResponse{
		{200, "application/json", []byte(`{"access_token":"a.b.c","refresh_token":"r","token_type":"Bearer","expires_in":3600}`)},
		{200, "application/json", []byte(`{"access_token":"a.b.c","expires_in":"3600"}`)},
		{200, "application/json", []byte(`{"access_token":"a.b.c","token_type":"mac","expires_in":-5}`)},
		{200, "text/plain", []byte(`access_token=x&expires_in=60&error=` + pw)},
		{200, "application/x-www-form-urlencoded", []byte(`%zz`)},
		{400, "application/json", []byte(`{"error":"invalid_grant","error_description":"password ` + pw + ` refresh ` + rt + `"}`)},
		{400, "application/json", []byte(`{"error":"` + pw + `"}`)},
		{400, "application/json", []byte(`{"error":"invalid_grant","error_description":"password=` + url.QueryEscape(pw) + `"}`)},
		{400, "application/json", []byte(`{"error":"invalid_grant","error_description":"` + url.PathEscape(pw) + `"}`)},
		{403, "text/html", []byte(`<html>` + rt + `</html>`)},
		{429, "", nil},
		{502, "application/json", []byte(`{"error":`)},
		{202, "", nil},
		{200, "text/html", []byte("<html><body>Proxy login</body></html>")},
		{301, "text/html", nil},
		{200, "application/json", []byte("{\"access_token\":\"\xff\xfe\",\"expires_in\":1e400}")},
	} {
		f.Add(seed.status, seed.contentType, seed.body)
	}
	var current atomic.Pointer[cannedResponse]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := current.Load()
		w.Header().Set("request-id", "fuzz-request-id")
		if c.contentType != "" {
			w.Header().Set("Content-Type", c.contentType)
		}
		w.WriteHeader(c.status)
		w.Write(c.body)
	}))
	f.Cleanup(srv.Close)
	client := &auth.Client{BaseURL: srv.URL, Timeout: 5 * time.Second, Poll: time.Millisecond}

	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		if status < 100 || status > 599 || status == 101 || strings.ContainsAny(contentType, "\r\n\x00") {
			t.Skip("not a status or header a server can send")
		}
		current.Store(&cannedResponse{status, contentType, body})
		// A server can only echo what was sent: each grant must keep the
		// secret it sent out of its errors.
		for secret, grant := range map[string]func() (*auth.Token, error){
			pw: func() (*auth.Token, error) { return client.PasswordGrant(context.Background(), "api@corp.example", pw) },
			rt: func() (*auth.Token, error) { return client.Refresh(context.Background(), rt) },
		} {
			tok, err := grant()
			if err == nil {
				if tok == nil || tok.AccessToken == "" || !tok.Expiry.After(tok.Obtained) {
					t.Fatalf("accepted a bad token: %v", tok)
				}
				continue
			}
			var ae *auth.Error
			if !asAuthError(err, &ae) || ae.Kind == 0 {
				t.Fatalf("unclassified error %T: %v", err, err)
			}
			if text := err.Error(); strings.Contains(text, secret) || strings.Contains(text, url.QueryEscape(secret)) || strings.Contains(text, url.PathEscape(secret)) {
				t.Fatalf("error reveals a secret: %q", text)
			}
		}
	})
}

func asAuthError(err error, target **auth.Error) bool {
	e, ok := err.(*auth.Error)
	if ok {
		*target = e
	}
	return ok
}
