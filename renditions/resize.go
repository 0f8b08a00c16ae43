package renditions

import (
	"context"
	"image"
	"image/color"
	"math"

	"github.com/disintegration/imaging"
)

// fit returns img shrunk so that its long edge is at most edge, never
// enlarged, opaque (transparency flattened on white, as JPEG has none).
// It gives up with ctx's error once ctx ends.
func fit(ctx context.Context, img image.Image, edge int) (*image.NRGBA, error) {
	b := img.Bounds()
	tw, th := fitSize(b.Dx(), b.Dy(), edge)
	return Resize(ctx, img, tw, th)
}

// Resize shrinks img to exactly w×h (both at least 1; the caller keeps
// the aspect), opaque (transparency flattened on white). It gives up with
// ctx's error once ctx ends.
func Resize(ctx context.Context, img image.Image, w, h int) (*image.NRGBA, error) {
	b := img.Bounds()
	// Averaging whole blocks first is what makes big sources cheap: Lanczos
	// is then left with a factor below 2, as in libvips after shrink-on-load.
	var n *image.NRGBA
	if k := min(b.Dx()/w, b.Dy()/h); k >= 2 {
		var err error
		if n, err = areaAverage(ctx, img, b.Dx()/k, b.Dy()/k); err != nil {
			return nil, err
		}
	} else {
		n = toNRGBA(img)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if n.Rect.Dx() != w || n.Rect.Dy() != h {
		n = imaging.Resize(n, w, h, imaging.Lanczos)
	}
	return n, nil
}

// fitSize is w×h scaled so that the long edge is at most edge.
func fitSize(w, h, edge int) (int, int) {
	if w <= edge && h <= edge {
		return w, h
	}
	if w >= h {
		return edge, max(1, int(math.Round(float64(h)*float64(edge)/float64(w))))
	}
	return max(1, int(math.Round(float64(w)*float64(edge)/float64(h)))), edge
}

// areaAverage shrinks img to ow×oh by averaging the source pixels each
// output pixel covers. The common decoder outputs are read straight from
// their planes; the others are converted a strip of rows at a time, never
// the full-size image at once. It checks ctx once per output row.
func areaAverage(ctx context.Context, img image.Image, ow, oh int) (*image.NRGBA, error) {
	b := img.Bounds()
	a := averager{xb: blockBounds(b.Dx(), ow), yb: blockBounds(b.Dy(), oh),
		dst: image.NewNRGBA(image.Rect(0, 0, ow, oh)),
		s0:  make([]uint32, ow), s1: make([]uint32, ow), s2: make([]uint32, ow)}
	switch src := img.(type) {
	case *image.YCbCr:
		if b.Min == (image.Point{}) {
			return a.result(a.ycbcr(ctx, src, ow, oh))
		}
	case *image.Gray:
		if b.Min == (image.Point{}) {
			return a.result(a.gray(ctx, src, ow, oh))
		}
	}
	return a.result(a.any(ctx, img, ow, oh))
}

// averager holds the block bounds of an areaAverage, its output, and the
// per-column sums of one output row.
type averager struct {
	xb, yb     []int
	dst        *image.NRGBA
	s0, s1, s2 []uint32
}

func (a *averager) result(err error) (*image.NRGBA, error) {
	if err != nil {
		return nil, err
	}
	return a.dst, nil
}

// nextRow checks ctx and clears the sums before each output row.
func (a *averager) nextRow(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	clear(a.s0)
	clear(a.s1)
	clear(a.s2)
	return nil
}

// ycbcr reads a JPEG's planes straight.
func (a *averager) ycbcr(ctx context.Context, src *image.YCbCr, ow, oh int) error {
	xb, yb, dst, s0, s1, s2 := a.xb, a.yb, a.dst, a.s0, a.s1, a.s2
	hs, vs := chromaShift(src.SubsampleRatio)
	for oy := range oh {
		if err := a.nextRow(ctx); err != nil {
			return err
		}
		for y := yb[oy]; y < yb[oy+1]; y++ {
			yr := src.Y[y*src.YStride:]
			cb := src.Cb[(y>>vs)*src.CStride:]
			cr := src.Cr[(y>>vs)*src.CStride:]
			for ox := range ow {
				var a0, a1, a2 uint32
				for x := xb[ox]; x < xb[ox+1]; x++ {
					a0 += uint32(yr[x])
					a1 += uint32(cb[x>>hs])
					a2 += uint32(cr[x>>hs])
				}
				s0[ox] += a0
				s1[ox] += a1
				s2[ox] += a2
			}
		}
		row := dst.Pix[oy*dst.Stride:]
		for ox := range ow {
			n := uint32((xb[ox+1] - xb[ox]) * (yb[oy+1] - yb[oy]))
			r, g, bl := color.YCbCrToRGB(avg(s0[ox], n), avg(s1[ox], n), avg(s2[ox], n))
			row[4*ox], row[4*ox+1], row[4*ox+2], row[4*ox+3] = r, g, bl, 255
		}
	}
	return nil
}

// gray reads a grayscale picture's plane straight.
func (a *averager) gray(ctx context.Context, src *image.Gray, ow, oh int) error {
	xb, yb, dst, s0 := a.xb, a.yb, a.dst, a.s0
	for oy := range oh {
		if err := a.nextRow(ctx); err != nil {
			return err
		}
		for y := yb[oy]; y < yb[oy+1]; y++ {
			gr := src.Pix[y*src.Stride:]
			for ox := range ow {
				var a uint32
				for x := xb[ox]; x < xb[ox+1]; x++ {
					a += uint32(gr[x])
				}
				s0[ox] += a
			}
		}
		row := dst.Pix[oy*dst.Stride:]
		for ox := range ow {
			v := avg(s0[ox], uint32((xb[ox+1]-xb[ox])*(yb[oy+1]-yb[oy])))
			row[4*ox], row[4*ox+1], row[4*ox+2], row[4*ox+3] = v, v, v, 255
		}
	}
	return nil
}

// any converts other pictures a strip of rows at a time when they can be
// cut (SubImage), else whole.
func (a *averager) any(ctx context.Context, img image.Image, ow, oh int) error {
	b := img.Bounds()
	xb, yb, dst, s0, s1, s2 := a.xb, a.yb, a.dst, a.s0, a.s1, a.s2
	strips, _ := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	var whole *image.NRGBA
	if strips == nil {
		whole = toNRGBA(img)
	}
	for oy := range oh {
		if err := a.nextRow(ctx); err != nil {
			return err
		}
		src, y0 := whole, 0
		if strips != nil {
			src = toNRGBA(strips.SubImage(image.Rect(b.Min.X, b.Min.Y+yb[oy], b.Max.X, b.Min.Y+yb[oy+1])))
			y0 = yb[oy]
		}
		for y := yb[oy]; y < yb[oy+1]; y++ {
			p := src.Pix[(y-y0)*src.Stride:]
			for ox := range ow {
				for x := xb[ox]; x < xb[ox+1]; x++ {
					s0[ox] += uint32(p[4*x])
					s1[ox] += uint32(p[4*x+1])
					s2[ox] += uint32(p[4*x+2])
				}
			}
		}
		row := dst.Pix[oy*dst.Stride:]
		for ox := range ow {
			n := uint32((xb[ox+1] - xb[ox]) * (yb[oy+1] - yb[oy]))
			row[4*ox], row[4*ox+1], row[4*ox+2], row[4*ox+3] = avg(s0[ox], n), avg(s1[ox], n), avg(s2[ox], n), 255
		}
	}
	return nil
}

// blockBounds splits n source pixels into parts blocks of near-equal size.
func blockBounds(n, parts int) []int {
	b := make([]int, parts+1)
	for i := range b {
		b[i] = i * n / parts
	}
	return b
}

func avg(sum, n uint32) uint8 { return uint8((sum + n/2) / n) }

// chromaShift is how many bits a luma coordinate shifts right to index the
// chroma planes, horizontally and vertically.
func chromaShift(r image.YCbCrSubsampleRatio) (h, v uint) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 1, 0
	case image.YCbCrSubsampleRatio420:
		return 1, 1
	case image.YCbCrSubsampleRatio440:
		return 0, 1
	case image.YCbCrSubsampleRatio411:
		return 2, 0
	case image.YCbCrSubsampleRatio410:
		return 2, 1
	}
	return 0, 0
}

// toNRGBA converts img to opaque NRGBA at full size. CMYK is converted here
// because imaging would go through the slow color.Color interface.
func toNRGBA(img image.Image) *image.NRGBA {
	var n *image.NRGBA
	switch src := img.(type) {
	case *image.NRGBA:
		n = src
		if src.Rect.Min != (image.Point{}) {
			n = imaging.Clone(src)
		}
	case *image.CMYK:
		b := src.Bounds()
		n = image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		for y := range b.Dy() {
			p := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			q := n.Pix[y*n.Stride:]
			for x := range b.Dx() {
				r, g, bl := color.CMYKToRGB(p[4*x], p[4*x+1], p[4*x+2], p[4*x+3])
				q[4*x], q[4*x+1], q[4*x+2], q[4*x+3] = r, g, bl, 255
			}
		}
		return n
	default:
		n = imaging.Clone(img)
	}
	flatten(n)
	return n
}

// flatten composes n over white in place.
func flatten(n *image.NRGBA) {
	for i := 0; i+3 < len(n.Pix); i += 4 {
		a := uint32(n.Pix[i+3])
		if a == 255 {
			continue
		}
		for c := range 3 {
			n.Pix[i+c] = uint8((uint32(n.Pix[i+c])*a + 255*(255-a) + 127) / 255)
		}
		n.Pix[i+3] = 255
	}
}

// opaqueRGBA views an opaque NRGBA as RGBA (the bytes are the same when
// every alpha is 255), which image/jpeg encodes on its fast path.
func opaqueRGBA(n *image.NRGBA) *image.RGBA {
	return &image.RGBA{Pix: n.Pix, Stride: n.Stride, Rect: n.Rect}
}

// uprights turns an image stored with EXIF orientation o (its index) the
// right way up; 1 is upright already.
var uprights = [...]func(image.Image) *image.NRGBA{
	2: imaging.FlipH, 3: imaging.Rotate180, 4: imaging.FlipV, 5: imaging.Transpose,
	6: imaging.Rotate270, 7: imaging.Transverse, 8: imaging.Rotate90,
}

// upright turns an image stored with EXIF orientation o the right way up.
func upright(n *image.NRGBA, o int) *image.NRGBA {
	if o < 0 || o >= len(uprights) || uprights[o] == nil {
		return n
	}
	return uprights[o](n)
}
