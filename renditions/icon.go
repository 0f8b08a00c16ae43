package renditions

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"mediabank/assets"
)

// Icon colours: a neutral background, and an accent per kind so that a
// grid of results tells audio from documents at a glance.
var (
	iconBackground = color.RGBA{0xEC, 0xEF, 0xF1, 0xFF}
	iconInk        = color.RGBA{0x37, 0x47, 0x4F, 0xFF}
	iconPaper      = color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}
	audioAccent    = color.RGBA{0x1E, 0x6F, 0xC8, 0xFF}
	documentAccent = color.RGBA{0xC6, 0x28, 0x28, 0xFF}
)

// Icon is the type icon of a file named name of kind k: what is shown
// instead of a photo or a video whose renditions could not be made.
func Icon(name string, k assets.Kind) (Output, error) {
	out, err := typeIcon(Source{Name: name, Kind: k})
	if err != nil {
		return Output{}, err
	}
	return out[0], nil
}

// typeIcon draws the thumbnail of a file that has no picture to show: a
// glyph and a label for its kind, with the file's extension below.
func typeIcon(src Source) ([]Output, error) {
	const edge = ThumbnailEdge
	img := image.NewRGBA(image.Rect(0, 0, edge, edge))
	draw.Draw(img, img.Rect, image.NewUniform(iconBackground), image.Point{}, draw.Src)
	ext := strings.ToUpper(assets.Ext(src.Name))
	label, accent := "AUDIO", audioAccent
	switch src.Kind {
	case assets.KindDocument:
		label, accent = "DOKUMEN", documentAccent
		if ext == "PDF" {
			label = "PDF"
		}
		drawPage(img, accent)
	case assets.KindPhoto, assets.KindVideo:
		label, accent = "FOTO", iconInk
		if src.Kind == assets.KindVideo {
			label = "VIDEO"
		}
		drawPage(img, accent)
	default:
		drawNote(img, accent)
	}
	if err := drawText(img, label, 44, 250, accent); err != nil {
		return nil, fmt.Errorf("icon of %s: %w", src.Name, err)
	}
	if ext != "" && ext != label {
		if err := drawText(img, ext, 26, 290, iconInk); err != nil {
			return nil, fmt.Errorf("icon of %s: %w", src.Name, err)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("icon of %s: encode: %w", src.Name, err)
	}
	return []Output{{Name: assets.Thumbnail, Data: buf.Bytes(), Width: edge, Height: edge, MIME: "image/png"}}, nil
}

// drawNote draws a pair of beamed quavers on a disc.
func drawNote(img *image.RGBA, accent color.RGBA) {
	fillEllipse(img, 160, 120, 82, 82, accent)
	fillEllipse(img, 132, 158, 17, 13, iconPaper)
	fillEllipse(img, 192, 146, 17, 13, iconPaper)
	fillRect(img, image.Rect(142, 86, 150, 158), iconPaper)
	fillRect(img, image.Rect(202, 74, 210, 146), iconPaper)
	// The beam climbs from the left stem to the right one.
	for x := 142; x < 210; x++ {
		top := 86 - (x-142)*12/68
		fillRect(img, image.Rect(x, top, x+1, top+14), iconPaper)
	}
}

// drawPage draws a sheet of paper with a folded corner and lines of text.
func drawPage(img *image.RGBA, accent color.RGBA) {
	const left, top, right, bottom, fold = 108, 36, 212, 200, 30
	fillRect(img, image.Rect(left-3, top-3, right+3, bottom+3), iconInk)
	fillRect(img, image.Rect(left, top, right, bottom), iconPaper)
	for y := range fold + 3 {
		// Cut the corner off along the diagonal, then draw the fold.
		fillRect(img, image.Rect(right-fold+y, top-3+y, right+3, top-2+y), iconBackground)
		fillRect(img, image.Rect(right-fold, top-3+y, right-fold+y, top-2+y), iconInk)
	}
	for i, w := range []int{70, 80, 60, 80, 50} {
		y := top + 50 + i*24
		fillRect(img, image.Rect(left+14, y, left+14+w, y+8), accent)
	}
}

func fillRect(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

func fillEllipse(img *image.RGBA, cx, cy, rx, ry int, c color.RGBA) {
	for y := cy - ry; y <= cy+ry; y++ {
		for x := cx - rx; x <= cx+rx; x++ {
			dx, dy := float64(x-cx)/float64(rx), float64(y-cy)/float64(ry)
			if dx*dx+dy*dy <= 1 {
				img.SetRGBA(x, y, c)
			}
		}
	}
}

// drawText draws s centred horizontally with its baseline at y, in Go Bold
// (the font ships inside golang.org/x/image, so no file is needed).
func drawText(img *image.RGBA, s string, size float64, y int, c color.RGBA) error {
	f, err := opentype.Parse(gobold.TTF)
	if err != nil {
		return fmt.Errorf("parse font: %w", err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return fmt.Errorf("font face: %w", err)
	}
	defer face.Close()
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: face}
	w := d.MeasureString(s).Ceil()
	d.Dot = fixed.P((img.Rect.Dx()-w)/2, y)
	d.DrawString(s)
	return nil
}
