package window

import (
	"testing"
	"time"
)

func TestFormatHelpers(t *testing.T) {
	now := testNow
	for _, tc := range []struct {
		expiry time.Time
		want   string
	}{
		{time.Time{}, "no token"},
		{now.Add(-time.Second), "expired"},
		{now.Add(59*time.Minute + 59*time.Second + 500*time.Millisecond), "59m 59s left"},
		{now.Add(90 * time.Minute), "1h 30m left"},
	} {
		if got := timeLeft(tc.expiry, now); got != tc.want {
			t.Errorf("timeLeft(%v) = %q; want %q", tc.expiry.Sub(now), got, tc.want)
		}
	}
	for d, want := range map[time.Duration]string{0: "0", 5 * time.Minute: "5m", time.Hour: "1h",
		90 * time.Minute: "1h30m", 45 * time.Second: "45s", 90 * time.Second: "1m30s"} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q; want %q", d, got, want)
		}
	}
	for in, want := range map[string]time.Duration{"5": 5 * time.Minute, " 90s ": 90 * time.Second, "1h30m": 90 * time.Minute, "0": 0} {
		if got, err := parseDuration(in); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "soon", "-5m"} {
		if _, err := parseDuration(in); err == nil {
			t.Errorf("parseDuration(%q) accepted", in)
		}
	}
	if got := lifetimeLeft(now.Add(-45*time.Minute), now.Add(15*time.Minute), now); got != 0.25 {
		t.Errorf("lifetimeLeft = %v; want 0.25", got)
	}
	for s, want := range map[string]bool{"api@example.com": true, "apiuser": false, "a@b": false, "@x.com": false, "a b@x.com": false} {
		if got := looksLikeEmail(s); got != want {
			t.Errorf("looksLikeEmail(%q) = %v; want %v", s, got, want)
		}
	}
}
