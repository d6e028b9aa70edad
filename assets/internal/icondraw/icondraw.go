// Package icondraw draws TokenTray's placeholder icons with the standard
// library: a rounded-square badge, colour-coded per state, with a white (or,
// on amber, dark) glyph. Shapes are hard-edged functions of a 22-unit design
// grid, sampled 4×4 per pixel and averaged (a box filter), so edges are
// anti-aliased and strokes land on whole pixels at 22 and 44 px.
//
// The go:generate program in ../gen writes the PNG files that package assets
// embeds; the assets tests render again and compare pixels, so the committed
// files cannot drift from this code.
package icondraw

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
)

// Kind is a tray icon's state. The order matches assets.IconState.
type Kind int

// Tray icon states.
const (
	SignedOut Kind = iota
	Fresh
	Busy
	Attention
)

// Kinds lists every tray icon state, in order.
var Kinds = []Kind{SignedOut, Fresh, Busy, Attention}

// Name is the state's file-name part ("signed-out", "fresh", ...).
func (k Kind) Name() string {
	switch k {
	case SignedOut:
		return "signed-out"
	case Fresh:
		return "fresh"
	case Busy:
		return "busy"
	case Attention:
		return "attention"
	}
	return fmt.Sprintf("kind-%d", int(k))
}

// Sizes of the generated files.
const (
	TraySmall = 22  // what panels show
	TrayLarge = 44  // what TrayIcon hands out (HiDPI; hosts scale down)
	AppSize   = 256 // the application icon
)

// File is one generated icon.
type File struct {
	Name  string // file name, e.g. "tray-fresh-44.png"
	Image *image.NRGBA
}

// Files renders every icon package assets embeds.
func Files() []File {
	var fs []File
	for _, k := range Kinds {
		for _, px := range []int{TraySmall, TrayLarge} {
			fs = append(fs, File{TrayName(k, px), Tray(k, px)})
		}
	}
	return append(fs, File{AppName, App(AppSize)})
}

// TrayName is the file name of state k's icon at px pixels.
func TrayName(k Kind, px int) string { return fmt.Sprintf("tray-%s-%d.png", k.Name(), px) }

// AppName is the application icon's file name.
const AppName = "app-256.png"

// EncodePNG encodes img at the best compression.
func EncodePNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Colours.
var (
	white      = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	greyBadge  = color.NRGBA{0x6b, 0x72, 0x80, 0xff}
	paleFill   = color.NRGBA{0xf4, 0xf5, 0xf7, 0xf0} // keeps the outline legible on dark panels
	greenBadge = color.NRGBA{0x1e, 0x8e, 0x3e, 0xff}
	amberBadge = color.NRGBA{0xf2, 0xa6, 0x00, 0xff}
	amberInk   = color.NRGBA{0x2e, 0x22, 0x00, 0xff} // white on amber is too faint
	redBadge   = color.NRGBA{0xd3, 0x2f, 0x2f, 0xff}
	appTop     = color.NRGBA{0x1a, 0xa5, 0xb8, 0xff}
	appBottom  = color.NRGBA{0x0b, 0x6e, 0x82, 0xff}
)

// grid is the design grid's size: every shape below is in these units.
const grid = 22.0

// shape reports whether a design-grid point is inside.
type shape func(x, y float64) bool

// paint is the colour of a layer at a design-grid point.
type paint func(x, y float64) color.NRGBA

type layer struct {
	in shape
	c  paint
}

func solid(c color.NRGBA) paint { return func(_, _ float64) color.NRGBA { return c } }

func rect(x0, y0, x1, y1 float64) shape {
	return func(x, y float64) bool { return x >= x0 && x < x1 && y >= y0 && y < y1 }
}

func disk(cx, cy, r float64) shape {
	return func(x, y float64) bool { return (x-cx)*(x-cx)+(y-cy)*(y-cy) < r*r }
}

func ring(cx, cy, outer, inner float64) shape {
	o, i := disk(cx, cy, outer), disk(cx, cy, inner)
	return func(x, y float64) bool { return o(x, y) && !i(x, y) }
}

func roundRect(x0, y0, x1, y1, r float64) shape {
	return func(x, y float64) bool {
		if x < x0 || x >= x1 || y < y0 || y >= y1 {
			return false
		}
		// Distance to the nearest corner circle's centre, if in a corner zone.
		cx := math.Max(x0+r-x, math.Max(x-(x1-r), 0))
		cy := math.Max(y0+r-y, math.Max(y-(y1-r), 0))
		return cx*cx+cy*cy < r*r
	}
}

func union(ss ...shape) shape {
	return func(x, y float64) bool {
		for _, s := range ss {
			if s(x, y) {
				return true
			}
		}
		return false
	}
}

// badge is the rounded square every icon sits on.
var badge = roundRect(1, 1, 21, 21, 5)

// key is a horizontal key: a ring bow on the left, a shaft, two teeth.
var key = union(
	ring(7, 11, 4.25, 1.75),
	rect(10.5, 10, 18.5, 12),
	rect(16.5, 12, 18.5, 15),
	rect(13.5, 12, 15.5, 14),
)

// clock is a dial with two hands: time is running (refreshing, expiring).
var clock = union(
	ring(11, 11, 7.25, 5.25),
	roundRect(10, 6.5, 12, 12, 1),
	roundRect(10, 10, 15, 12, 1),
)

// bang is an exclamation mark: someone has to act.
var bang = union(
	roundRect(9.75, 4.5, 12.25, 13.5, 1.25),
	disk(11, 16.5, 1.6),
)

// outline is the signed-out badge's rim: on a pale fill, "signed out"
// differs from every other state by more than its hue.
var outline = func(x, y float64) bool {
	return badge(x, y) && !roundRect(2.75, 2.75, 19.25, 19.25, 3.25)(x, y)
}

func trayLayers(k Kind) []layer {
	switch k {
	case Fresh:
		return []layer{{badge, solid(greenBadge)}, {key, solid(white)}}
	case Busy:
		return []layer{{badge, solid(amberBadge)}, {clock, solid(amberInk)}}
	case Attention:
		return []layer{{badge, solid(redBadge)}, {bang, solid(white)}}
	default: // SignedOut
		return []layer{{badge, solid(paleFill)}, {outline, solid(greyBadge)}, {key, solid(greyBadge)}}
	}
}

// Tray renders state k's tray icon at px×px.
func Tray(k Kind, px int) *image.NRGBA { return render(trayLayers(k), px) }

// App renders the application icon at px×px: the key on a teal badge with a
// gentle vertical gradient.
func App(px int) *image.NRGBA {
	grad := func(_, y float64) color.NRGBA {
		t := math.Min(math.Max((y-1)/20, 0), 1)
		mix := func(a, b uint8) uint8 { return uint8(math.Round(float64(a)*(1-t) + float64(b)*t)) }
		return color.NRGBA{mix(appTop.R, appBottom.R), mix(appTop.G, appBottom.G), mix(appTop.B, appBottom.B), 0xff}
	}
	return render([]layer{{badge, grad}, {key, solid(white)}}, px)
}

// ss is the supersampling factor per axis.
const ss = 4

// render draws the layers at ss× the size, back to front, then averages
// each ss×ss block of premultiplied samples into one pixel.
func render(layers []layer, px int) *image.NRGBA {
	n := px * ss
	hi := make([][4]float64, n*n) // premultiplied RGBA in 0..1
	for j := range n {
		for i := range n {
			x := (float64(i) + 0.5) * grid / float64(n)
			y := (float64(j) + 0.5) * grid / float64(n)
			var acc [4]float64
			for _, l := range layers {
				if !l.in(x, y) {
					continue
				}
				c := l.c(x, y)
				a := float64(c.A) / 255
				src := [4]float64{float64(c.R) / 255 * a, float64(c.G) / 255 * a, float64(c.B) / 255 * a, a}
				for k := range acc {
					acc[k] = src[k] + acc[k]*(1-a) // "over"
				}
			}
			hi[j*n+i] = acc
		}
	}
	return boxDown(hi, n, px)
}

// boxDown averages each (n/px)² block of the n×n premultiplied image.
func boxDown(hi [][4]float64, n, px int) *image.NRGBA {
	f := n / px
	out := image.NewNRGBA(image.Rect(0, 0, px, px))
	for y := range px {
		for x := range px {
			var sum [4]float64
			for j := range f {
				for i := range f {
					s := hi[(y*f+j)*n+x*f+i]
					for k := range sum {
						sum[k] += s[k]
					}
				}
			}
			for k := range sum {
				sum[k] /= float64(f * f)
			}
			a := sum[3]
			if a == 0 {
				continue // transparent black
			}
			to8 := func(v float64) uint8 { return uint8(math.Round(math.Min(math.Max(v, 0), 1) * 255)) }
			out.SetNRGBA(x, y, color.NRGBA{to8(sum[0] / a), to8(sum[1] / a), to8(sum[2] / a), to8(a)})
		}
	}
	return out
}
