package tray

import (
	"bytes"
	"encoding/binary"
	"image"
	_ "image/png" // decodes the PNG's size
)

// icoFromPNG wraps one PNG image in an ICO container (PNG-compressed icon
// entries are valid since Windows Vista). It returns nil if png is not a
// PNG.
func icoFromPNG(png []byte) []byte {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(png))
	if err != nil || format != "png" || cfg.Width > 256 || cfg.Height > 256 {
		return nil
	}
	dim := func(n int) byte { return byte(n % 256) } // 256 is written as 0
	var b bytes.Buffer
	le := binary.LittleEndian
	b.Write(le.AppendUint16(nil, 0))                       // reserved
	b.Write(le.AppendUint16(nil, 1))                       // type: icon
	b.Write(le.AppendUint16(nil, 1))                       // one image
	b.Write([]byte{dim(cfg.Width), dim(cfg.Height), 0, 0}) // no palette, reserved
	b.Write(le.AppendUint16(nil, 1))                       // colour planes
	b.Write(le.AppendUint16(nil, 32))                      // bits per pixel
	b.Write(le.AppendUint32(nil, uint32(len(png))))
	b.Write(le.AppendUint32(nil, 6+16)) // offset: after header and entry
	b.Write(png)
	return b.Bytes()
}
