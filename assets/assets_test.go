package assets_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/tokentray/tokentray/assets"
	"github.com/tokentray/tokentray/assets/internal/icondraw"
)

var states = []assets.IconState{assets.IconSignedOut, assets.IconFresh, assets.IconBusy, assets.IconAttention}

func decode(t *testing.T, name string, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: not a PNG: %v", name, err)
	}
	return img
}

func checkSize(t *testing.T, name string, img image.Image, px int) {
	t.Helper()
	if got := img.Bounds(); got != image.Rect(0, 0, px, px) {
		t.Errorf("%s: bounds %v; want %dx%d", name, got, px, px)
	}
}

func TestTrayIcons(t *testing.T) {
	seen := map[string]assets.IconState{}
	for _, s := range states {
		for _, c := range []struct {
			px  int
			get func(assets.IconState) []byte
		}{{44, assets.TrayIcon}, {22, assets.TrayIconSmall}} {
			b := c.get(s)
			name := icondraw.TrayName(icondraw.Kind(s), c.px)
			img := decode(t, name, b)
			checkSize(t, name, img, c.px)
			if other, ok := seen[string(b)]; ok {
				t.Errorf("%s: same bytes as %v", name, other)
			}
			seen[string(b)] = s
			// The centre shows the badge or its glyph: never transparent.
			if _, _, _, a := img.At(c.px/2, c.px/2).RGBA(); a == 0 {
				t.Errorf("%s: transparent in the middle", name)
			}
			// The corners are outside the rounded badge.
			if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
				t.Errorf("%s: corner pixel alpha %d; want 0", name, a)
			}
		}
	}
}

func TestStatesLookDifferent(t *testing.T) {
	// Distinct bytes could still be near-identical images: compare pixels.
	imgs := make([]image.Image, len(states))
	for i, s := range states {
		imgs[i] = decode(t, s.String(), assets.TrayIcon(s))
	}
	for i := range imgs {
		for j := i + 1; j < len(imgs); j++ {
			if d := meanDiff(imgs[i], imgs[j]); d < 10 {
				t.Errorf("%v and %v differ by %.1f levels on average; want clearly different icons", states[i], states[j], d)
			}
		}
	}
}

func TestAppIcon(t *testing.T) {
	img := decode(t, "app", assets.AppIcon())
	checkSize(t, "app", img, 256)
}

func TestUnknownState(t *testing.T) {
	if got, want := assets.TrayIcon(assets.IconState(42)), assets.TrayIcon(assets.IconSignedOut); !bytes.Equal(got, want) {
		t.Error("TrayIcon(42) is not the signed-out icon")
	}
	if got, want := assets.IconState(42).String(), "IconState(42)"; got != want {
		t.Errorf("String = %q; want %q", got, want)
	}
}

// TestCommittedFilesMatchDrawing renders every icon again and compares it
// with the committed file, so the PNGs cannot drift from the drawing code.
// Pixels, not bytes, are compared: PNG encoders differ between Go releases,
// and fused multiply-adds on some CPUs may flip a few subsamples, so up to
// 1% of the pixels may differ by more than 2 levels.
func TestCommittedFilesMatchDrawing(t *testing.T) {
	files := icondraw.Files()
	onDisk, err := filepath.Glob(filepath.Join("icons", "*.png"))
	if err != nil {
		t.Fatal(err)
	}
	if len(onDisk) != len(files) {
		t.Errorf("icons/ holds %d PNG files; the generator writes %d: run `go generate ./assets/`", len(onDisk), len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("icons", f.Name))
		if err != nil {
			t.Errorf("%v: run `go generate ./assets/`", err)
			continue
		}
		got := decode(t, f.Name, b)
		if got.Bounds() != f.Image.Bounds() {
			t.Errorf("%s: bounds %v; drawing gives %v: run `go generate ./assets/`", f.Name, got.Bounds(), f.Image.Bounds())
			continue
		}
		if n, total := differing(got, f.Image, 2); n*100 > total {
			t.Errorf("%s differs from the drawing in %d of %d pixels: run `go generate ./assets/`", f.Name, n, total)
		}
	}
}

// channels returns a pixel's non-premultiplied RGBA in 0..255.
func channels(img image.Image, x, y int) [4]int {
	c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
	if c.A == 0 {
		return [4]int{} // colour is meaningless when transparent
	}
	return [4]int{int(c.R), int(c.G), int(c.B), int(c.A)}
}

func meanDiff(a, b image.Image) float64 {
	var sum, n int
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ca, cb := channels(a, x, y), channels(b, x, y)
			for k := range ca {
				sum += abs(ca[k] - cb[k])
				n++
			}
		}
	}
	return float64(sum) / float64(n)
}

// differing counts the pixels where some channel differs by more than tol.
func differing(a, b image.Image, tol int) (n, total int) {
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ca, cb := channels(a, x, y), channels(b, x, y)
			for k := range ca {
				if abs(ca[k]-cb[k]) > tol {
					n++
					break
				}
			}
			total++
		}
	}
	return n, total
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
