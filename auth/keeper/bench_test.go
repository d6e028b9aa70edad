package keeper_test

import (
	"context"
	"testing"
	"time"

	"github.com/tokentray/tokentray/auth/keeper"
)

// BenchmarkTokenFresh is Token on a held token with enough validity: the
// path every copy and every `tokentray token` takes. Target: < 1 µs, 0 allocs.
func BenchmarkTokenFresh(b *testing.B) {
	k := keeper.New(keeper.Config{Profile: "bench", Username: user, Client: newFakeESET(password), Creds: newMemCreds()})
	if err := k.SignIn(context.Background(), password, true); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Token(ctx, 5*time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTokenFreshParallel is the same with every core asking at once.
func BenchmarkTokenFreshParallel(b *testing.B) {
	k := keeper.New(keeper.Config{Profile: "bench", Username: user, Client: newFakeESET(password), Creds: newMemCreds()})
	if err := k.SignIn(context.Background(), password, true); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := k.Token(ctx, 5*time.Minute); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
