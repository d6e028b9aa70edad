// Command gen writes the icons package assets embeds (run by `go generate`
// in assets/). With -preview FILE it also writes a contact sheet: every
// tray icon at 22 and 44 px on light and dark panels, and the app icon, to
// look at before committing.
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"os"
	"path/filepath"

	"github.com/tokentray/tokentray/assets/internal/icondraw"
)

func main() {
	dir := flag.String("dir", "icons", "directory to write the PNG files to")
	preview := flag.String("preview", "", "also write a preview sheet to this PNG file")
	flag.Parse()
	if err := run(*dir, *preview); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir, preview string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range icondraw.Files() {
		if err := writePNG(filepath.Join(dir, f.Name), f.Image); err != nil {
			return err
		}
	}
	if preview != "" {
		return writePNG(preview, sheet())
	}
	return nil
}

func writePNG(name string, img image.Image) error {
	b, err := icondraw.EncodePNG(img)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return os.WriteFile(name, b, 0o644)
}

// sheet lays out, per panel colour (light, mid grey, dark), one row of 22 px
// icons and one of 44 px icons, then the app icon; everything is shown at 4×
// with nearest-neighbour scaling so single pixels can be judged.
func sheet() image.Image {
	const zoom, pad = 4, 8
	panels := []color.RGBA{{0xf5, 0xf5, 0xf5, 0xff}, {0x9e, 0x9e, 0x9e, 0xff}, {0x20, 0x22, 0x25, 0xff}}
	rowH := func(px int) int { return px*zoom + 2*pad }
	w := pad + len(icondraw.Kinds)*(44*zoom+pad)
	h := len(panels)*(rowH(22)+rowH(44)) + icondraw.AppSize + 2*pad
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	y := 0
	for _, bg := range panels {
		for _, px := range []int{icondraw.TraySmall, icondraw.TrayLarge} {
			draw.Draw(out, image.Rect(0, y, w, y+rowH(px)), image.NewUniform(bg), image.Point{}, draw.Src)
			for i, k := range icondraw.Kinds {
				zoomOver(out, icondraw.Tray(k, px), pad+i*(44*zoom+pad), y+pad, zoom)
			}
			y += rowH(px)
		}
	}
	app := icondraw.App(icondraw.AppSize)
	for i, bg := range panels[:2] {
		x := pad + i*(icondraw.AppSize+pad)
		draw.Draw(out, image.Rect(x-pad/2, y, x+icondraw.AppSize+pad/2, h), image.NewUniform(bg), image.Point{}, draw.Src)
		draw.Draw(out, image.Rect(x, y+pad, x+icondraw.AppSize, y+pad+icondraw.AppSize), app, image.Point{}, draw.Over)
	}
	return out
}

// zoomOver draws src scaled by an integer factor over dst at (x, y).
func zoomOver(dst *image.RGBA, src image.Image, x, y, zoom int) {
	b := src.Bounds()
	for j := b.Min.Y; j < b.Max.Y; j++ {
		for i := b.Min.X; i < b.Max.X; i++ {
			r := image.Rect(x+(i-b.Min.X)*zoom, y+(j-b.Min.Y)*zoom, x+(i-b.Min.X+1)*zoom, y+(j-b.Min.Y+1)*zoom)
			draw.Draw(dst, r, image.NewUniform(src.At(i, j)), image.Point{}, draw.Over)
		}
	}
}
