package icc

import (
	"image"
	"math"
	"sync"
)

// The chromaticities of the standard colour spaces (CIE 1931 xy).
type xy struct{ x, y float64 }

var (
	// D65 is the white of sRGB and Adobe RGB; D50 the ICC connection
	// space's illuminant (ICC.1:2010 7.2.16: X 0.9642, Y 1.0, Z 0.8249).
	d65 = xy{0.3127, 0.3290}
	d50 = [3]float64{0.9642, 1.0, 0.8249}
)

// srgbDecode is the sRGB transfer function, encoded → linear
// (IEC 61966-2-1:1999, 5.2): a para type 3 curve.
var srgbDecode = Curve{Params: [7]float64{2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045, 0, 0}}

// SRGB is the sRGB colour space (IEC 61966-2-1:1999): primaries R
// (0.64, 0.33), G (0.30, 0.60), B (0.15, 0.06), white D65, seen from the
// D50 connection space through the Bradford adaptation as the ICC's
// sRGB profiles do.
func SRGB() *Profile {
	return &Profile{
		Description: "sRGB IEC61966-2.1",
		Matrix:      primaries(xy{0.64, 0.33}, xy{0.30, 0.60}, xy{0.15, 0.06}, d65),
		TRC:         [3]Curve{srgbDecode, srgbDecode, srgbDecode},
	}
}

// AdobeRGB is Adobe RGB (1998), for the pictures that are in it without
// carrying its profile (a camera set to Adobe RGB writes EXIF ColorSpace
// 0xFFFF "uncalibrated" and Interoperability index "R03", DCF 2.0 (CIPA
// DC-009) 2.1). From Adobe RGB (1998) Color Image Encoding, version
// 2005-05, 4.3.1.1–4.3.1.2: primaries R (0.6400, 0.3300), G (0.2100,
// 0.7100), B (0.1500, 0.0600), white D65, and 4.3.4.2: the transfer is a
// pure power with gamma 563/256 (2.19921875).
func AdobeRGB() *Profile {
	return &Profile{
		Description: "Adobe RGB (1998)",
		Matrix:      primaries(xy{0.64, 0.33}, xy{0.21, 0.71}, xy{0.15, 0.06}, d65),
		TRC:         [3]Curve{Gamma(563.0 / 256), Gamma(563.0 / 256), Gamma(563.0 / 256)},
	}
}

// primaries is the matrix from linear RGB to XYZ D50 of a colour space
// given by its primaries and white: first to XYZ under its own white
// (SMPTE RP 177), then adapted to D50 with the Bradford transform.
func primaries(r, g, b, w xy) [3][3]float64 {
	col := func(c xy) [3]float64 { return [3]float64{c.x / c.y, 1, (1 - c.x - c.y) / c.y} }
	P := transpose([3][3]float64{col(r), col(g), col(b)})
	W := col(w)
	S := mulVec(invert(P), W)
	var m [3][3]float64
	for i := range 3 {
		for j := range 3 {
			m[i][j] = P[i][j] * S[j]
		}
	}
	return mul(bradford(W, d50), m)
}

// bradford is the chromatic adaptation from white src to white dst
// (both XYZ, Y = 1), as in ICC.1:2010 annex E.
func bradford(src, dst [3]float64) [3][3]float64 {
	B := [3][3]float64{
		{0.8951, 0.2664, -0.1614},
		{-0.7502, 1.7135, 0.0367},
		{0.0389, -0.0685, 1.0296},
	}
	s, d := mulVec(B, src), mulVec(B, dst)
	D := [3][3]float64{{d[0] / s[0], 0, 0}, {0, d[1] / s[1], 0}, {0, 0, d[2] / s[2]}}
	return mul(invert(B), mul(D, B))
}

// Transform turns 8-bit pixels of one profile into sRGB: a lookup table
// per input channel to linear light, a 3×3 matrix to linear sRGB, and a
// lookup table for the sRGB transfer, all in fixed point (linear light in
// steps of 1/outSteps, the matrix in steps of 2^-matrixBits). A nil
// *Transform is the identity.
type Transform struct {
	Profile string // the source profile's description, for logs
	in      [3][256]int32
	m       [9]int32
	out     *[outSteps + 1]uint8
}

// outSteps is the resolution of linear light, and of the sRGB transfer
// table over it: fine enough that a step is below a quarter of a code
// value in the shadows, where the curve is steepest (12.92·255/16384).
const (
	outSteps   = 1 << 14
	matrixBits = 12
	// maxCoef bounds the matrix's coefficients, so that a sum of three
	// products stays inside an int32 (3·8·2¹²·2¹⁴ < 2³¹); real ones are
	// below 2.
	maxCoef = 8
)

// ToSRGB builds the transform from p into sRGB; nil (the identity) when p
// is sRGB already, within a code value.
func ToSRGB(p *Profile) *Transform {
	if p == nil {
		return nil
	}
	s := SRGB()
	m := mul(invert(s.Matrix), p.Matrix)
	t := &Transform{Profile: p.Description}
	identity := true
	for i := range 3 {
		for j := range 3 {
			// Colorants of a hostile profile can give anything.
			c := m[i][j]
			if math.IsNaN(c) {
				c = 0
			}
			t.m[3*i+j] = int32(math.Round(max(-maxCoef, min(maxCoef, c)) * (1 << matrixBits)))
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(m[i][j]-want) > 0.002 {
				identity = false
			}
		}
		for v := range 256 {
			x := float64(v) / 255
			lin := p.TRC[i].Eval(x)
			t.in[i][v] = int32(math.Round(clamp01(lin) * outSteps))
			if math.Abs(lin-srgbDecode.Eval(x)) > 0.5/255 {
				identity = false
			}
		}
	}
	if identity {
		return nil
	}
	t.out = srgbOut()
	return t
}

// srgbOut is the sRGB transfer as a table over linear [0,1], the same for
// every transform: made once, read only.
var srgbOut = sync.OnceValue(func() *[outSteps + 1]uint8 {
	var out [outSteps + 1]uint8
	for k := range out {
		out[k] = uint8(math.Round(255 * encodeSRGB(float64(k)/outSteps)))
	}
	return &out
})

// encodeSRGB is the sRGB transfer, linear → encoded (IEC 61966-2-1:1999).
func encodeSRGB(l float64) float64 {
	if l <= 0.0031308 {
		return 12.92 * l
	}
	return 1.055*math.Pow(l, 1/2.4) - 0.055
}

// clip takes a sum of products back to steps of linear light, rounded,
// and keeps it inside [0, 1] (outside is outside sRGB's gamut: the
// relative colorimetric intent clips).
func clip(sum int32) int32 {
	return max(0, min(outSteps, (sum+1<<(matrixBits-1))>>matrixBits))
}

// Apply converts n in place (alpha is left alone: the renditions are
// opaque). A nil t leaves n as it is.
func (t *Transform) Apply(n *image.NRGBA) {
	if t == nil {
		return
	}
	// One loop with the tables in locals: a call per pixel would cost as
	// much again.
	in0, in1, in2, m, out := &t.in[0], &t.in[1], &t.in[2], t.m, t.out
	b := n.Rect
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := n.Pix[n.PixOffset(b.Min.X, y):][:4*b.Dx()]
		for i := 0; i+3 < len(row); i += 4 {
			p := row[i : i+3 : i+3]
			lr, lg, lb := in0[p[0]], in1[p[1]], in2[p[2]]
			p[0] = out[clip(m[0]*lr+m[1]*lg+m[2]*lb)]
			p[1] = out[clip(m[3]*lr+m[4]*lg+m[5]*lb)]
			p[2] = out[clip(m[6]*lr+m[7]*lg+m[8]*lb)]
		}
	}
}

func mul(a, b [3][3]float64) [3][3]float64 {
	var c [3][3]float64
	for i := range 3 {
		for j := range 3 {
			for k := range 3 {
				c[i][j] += a[i][k] * b[k][j]
			}
		}
	}
	return c
}

func mulVec(a [3][3]float64, v [3]float64) [3]float64 {
	var r [3]float64
	for i := range 3 {
		r[i] = a[i][0]*v[0] + a[i][1]*v[1] + a[i][2]*v[2]
	}
	return r
}

func transpose(a [3][3]float64) [3][3]float64 {
	var t [3][3]float64
	for i := range 3 {
		for j := range 3 {
			t[i][j] = a[j][i]
		}
	}
	return t
}

// invert is the inverse of a; a singular matrix (a hostile profile's
// colorants) gives zeros, which turn every pixel black rather than NaN.
func invert(a [3][3]float64) [3][3]float64 {
	c := [3][3]float64{
		{a[1][1]*a[2][2] - a[1][2]*a[2][1], a[0][2]*a[2][1] - a[0][1]*a[2][2], a[0][1]*a[1][2] - a[0][2]*a[1][1]},
		{a[1][2]*a[2][0] - a[1][0]*a[2][2], a[0][0]*a[2][2] - a[0][2]*a[2][0], a[0][2]*a[1][0] - a[0][0]*a[1][2]},
		{a[1][0]*a[2][1] - a[1][1]*a[2][0], a[0][1]*a[2][0] - a[0][0]*a[2][1], a[0][0]*a[1][1] - a[0][1]*a[1][0]},
	}
	det := a[0][0]*c[0][0] + a[0][1]*c[1][0] + a[0][2]*c[2][0]
	if det == 0 || math.IsNaN(det) || math.IsInf(det, 0) {
		return [3][3]float64{}
	}
	for i := range 3 {
		for j := range 3 {
			c[i][j] /= det
		}
	}
	return c
}

// FromEXIF is the profile that EXIF's colour fields imply for a picture
// that carries none: Adobe RGB for ColorSpace 0xFFFF ("uncalibrated")
// with Interoperability index "R03" (DCF 2.0, CIPA DC-009, the option
// file), nil (sRGB) for anything else.
func FromEXIF(colorSpace int, interop string) *Profile {
	if colorSpace == 0xFFFF && interop == "R03" {
		return AdobeRGB()
	}
	return nil
}
