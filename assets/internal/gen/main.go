// Command gen writes the icons package assets embeds (run by `go generate`
// in assets/). With -preview FILE it also writes a contact sheet: every
// tray icon at 22 and 44 px on light and dark panels, and the app icon, to
// look at before committing.
//
// For packaging (see packaging/build) it also writes the app icon in the
// freedesktop hicolor sizes (-hicolor DIR: DIR/16x16/apps/NAME.png ...
// DIR/512x512/apps/NAME.png, NAME from -name) and as a Windows .ico with
// PNG-compressed entries (-ico FILE). -dir "" skips the embedded icons.
package main

import (
	"bytes"
	"encoding/binary"
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
	hicolor := flag.String("hicolor", "", "also write the app icon in the hicolor sizes under this directory")
	name := flag.String("name", "io.github.tokentray.TokenTray", "file name (without .png) of the -hicolor icons")
	ico := flag.String("ico", "", "also write the app icon as a Windows .ico file")
	panel := flag.String("panel", "", "also write the tray icons at their real size on light and dark panels to this PNG file")
	flag.Parse()
	err := run(*dir, *preview)
	if err == nil && *panel != "" {
		err = writePNG(*panel, panels())
	}
	if err == nil && *hicolor != "" {
		err = writeHicolor(*hicolor, *name)
	}
	if err == nil && *ico != "" {
		err = writeICO(*ico)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir, preview string) error {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		for _, f := range icondraw.Files() {
			if err := writePNG(filepath.Join(dir, f.Name), f.Image); err != nil {
				return err
			}
		}
	}
	if preview != "" {
		return writePNG(preview, sheet())
	}
	return nil
}

// hicolorSizes are the app icon sizes installed into the hicolor theme.
var hicolorSizes = []int{16, 24, 32, 48, 64, 128, 256, 512}

func writeHicolor(root, name string) error {
	for _, px := range hicolorSizes {
		d := filepath.Join(root, fmt.Sprintf("%dx%d", px, px), "apps")
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		if err := writePNG(filepath.Join(d, name+".png"), icondraw.App(px)); err != nil {
			return err
		}
	}
	return nil
}

// icoSizes are the entries of the Windows icon (Explorer, taskbar, Alt-Tab).
var icoSizes = []int{16, 24, 32, 48, 64, 256}

// writeICO writes an ICO file whose entries are PNG images (supported since
// Windows Vista): a 6-byte header, a 16-byte directory entry per image, then
// the PNG data.
func writeICO(name string) error {
	var pngs [][]byte
	for _, px := range icoSizes {
		b, err := icondraw.EncodePNG(icondraw.App(px))
		if err != nil {
			return err
		}
		pngs = append(pngs, b)
	}
	var out bytes.Buffer
	le := func(v any) { _ = binary.Write(&out, binary.LittleEndian, v) }
	le([3]uint16{0, 1, uint16(len(pngs))}) // reserved, type 1 = icon, count
	offset := 6 + 16*len(pngs)
	for i, px := range icoSizes {
		dim := uint8(px % 256)       // 0 means 256
		le([4]uint8{dim, dim, 0, 0}) // width, height, palette size, reserved
		le([2]uint16{1, 32})         // colour planes, bits per pixel
		le([2]uint32{uint32(len(pngs[i])), uint32(offset)})
		offset += len(pngs[i])
	}
	for _, b := range pngs {
		out.Write(b)
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return os.WriteFile(name, out.Bytes(), 0o644)
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

// panels draws the tray icons unscaled, as a panel shows them: per panel
// colour (light, dark) a 28 px high 1× panel with the 22 px icons and a
// 56 px high 2× (HiDPI) panel with the 44 px icons. This is
// docs/icons-panel.png.
func panels() image.Image {
	const gap = 6
	bgs := []color.RGBA{{0xf5, 0xf5, 0xf5, 0xff}, {0x20, 0x22, 0x25, 0xff}}
	w := gap + len(icondraw.Kinds)*(icondraw.TrayLarge+2*gap)
	h := len(bgs) * (28 + 56)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	y := 0
	for _, bg := range bgs {
		for _, scale := range []int{1, 2} {
			ph, px := 28*scale, icondraw.TraySmall*scale
			draw.Draw(out, image.Rect(0, y, w, y+ph), image.NewUniform(bg), image.Point{}, draw.Src)
			x := gap * scale
			for _, k := range icondraw.Kinds {
				top := y + (ph-px)/2
				draw.Draw(out, image.Rect(x, top, x+px, top+px), icondraw.Tray(k, px), image.Point{}, draw.Over)
				x += px + gap*scale
			}
			y += ph
		}
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
