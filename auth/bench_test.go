package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/tokentray/tokentray/auth"
	"github.com/tokentray/tokentray/auth/authtest"
)

// BenchmarkPasswordGrant is one full password-grant round trip against the
// fake ESET server on loopback: form encoding, HTTP, JSON and checks.
func BenchmarkPasswordGrant(b *testing.B) {
	srv := authtest.NewTB(b)
	srv.AddUser("api@corp.example", "pw-benchmark")
	c := &auth.Client{BaseURL: srv.URL}
	ctx := context.Background()
	for b.Loop() {
		if _, err := c.PasswordGrant(ctx, "api@corp.example", "pw-benchmark"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRefresh is one full refresh-token round trip (with rotation).
func BenchmarkRefresh(b *testing.B) {
	srv := authtest.NewTB(b)
	srv.AddUser("api@corp.example", "pw-benchmark")
	c := &auth.Client{BaseURL: srv.URL, Timeout: time.Minute}
	ctx := context.Background()
	tok, err := c.PasswordGrant(ctx, "api@corp.example", "pw-benchmark")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if tok, err = c.Refresh(ctx, tok.RefreshToken); err != nil {
			b.Fatal(err)
		}
	}
}
