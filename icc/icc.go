// Package icc reads the ICC colour profiles pictures carry and turns
// their pixels into sRGB, the colour space of the web and of social
// channels. Only matrix/TRC RGB profiles (three colorants and three tone
// curves, what cameras, phones and monitors embed) are converted; a
// profile that needs its LUTs (A2B0), or is not RGB, is refused with
// ErrUnsupported and its pixels are best left as they are.
//
// The conversion is profile → linear RGB (tone curves) → PCS XYZ D50
// (colorant matrix) → linear sRGB (the inverse of sRGB's Bradford-adapted
// D50 matrix) → sRGB transfer, as a colour management module does for the
// relative colorimetric intent of a matrix/TRC profile. The bytes are
// untrusted: every read is bounds-checked and tag counts and sizes have
// budgets.
package icc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unicode/utf16"
)

// Budgets on an untrusted profile.
const (
	// MaxSize bounds the profile's bytes (those of a camera or a monitor
	// are a few KiB; LUT-based printer profiles a few MiB).
	MaxSize = 8 << 20
	// maxTags bounds the tag table.
	maxTags = 1024
	// maxCurve bounds the entries of a sampled tone curve.
	maxCurve = 1 << 16
)

// ErrUnsupported: the profile is valid as far as it was read but is not a
// matrix/TRC RGB profile (LUT-based, CMYK, gray…), so it is not converted.
var ErrUnsupported = errors.New("not a matrix/TRC RGB profile")

// Profile is what a matrix/TRC RGB profile says about its colours.
type Profile struct {
	Description string
	// Matrix turns linear RGB into PCS XYZ (D50): its columns are the
	// colorants rXYZ, gXYZ, bXYZ.
	Matrix [3][3]float64
	// TRC are the red, green and blue tone curves: encoded value in
	// [0,1] → linear.
	TRC [3]Curve
}

// Curve is a tone curve: a power function, a parametric curve (ICC
// para, types 0–4) or a sampled table.
type Curve struct {
	// Params are g, a, b, c, d, e, f of the parametric form
	// Y = (aX+b)^g + e for X ≥ d, Y = cX + f below; a plain gamma is
	// {g, 1, 0, 0, 0, 0, 0}.
	Params [7]float64
	// Table, when set, samples the curve at even steps over [0,1].
	Table []float64
}

// Eval maps an encoded value in [0,1] to linear light.
func (c Curve) Eval(x float64) float64 {
	x = clamp01(x)
	if c.Table != nil {
		switch n := len(c.Table); n {
		case 0:
			return x
		case 1:
			return c.Table[0]
		default:
			p := x * float64(n-1)
			i := min(int(p), n-2)
			f := p - float64(i)
			return c.Table[i]*(1-f) + c.Table[i+1]*f
		}
	}
	g, a, b, cc, d, e, f := c.Params[0], c.Params[1], c.Params[2], c.Params[3], c.Params[4], c.Params[5], c.Params[6]
	if x < d {
		return cc*x + f
	}
	v := a*x + b
	if v <= 0 {
		return e
	}
	return math.Pow(v, g) + e
}

// Gamma is a plain power curve.
func Gamma(g float64) Curve { return Curve{Params: [7]float64{g, 1, 0, 0, 0, 0, 0}} }

// Parse reads a profile's header and the tags of a matrix/TRC RGB
// profile. A profile that is well formed but of another kind gives an
// error wrapping ErrUnsupported, with the reason.
func Parse(b []byte) (*Profile, error) {
	if len(b) < 132 {
		return nil, fmt.Errorf("icc: %d bytes, shorter than a header", len(b))
	}
	if len(b) > MaxSize {
		return nil, fmt.Errorf("icc: %d bytes, over the budget of %d", len(b), MaxSize)
	}
	if string(b[36:40]) != "acsp" {
		return nil, errors.New("icc: no acsp signature")
	}
	// The declared size may be less than what the container gave (padding);
	// never more.
	if n := binary.BigEndian.Uint32(b); n >= 132 && int64(n) <= int64(len(b)) {
		b = b[:n]
	}
	tags, err := readTags(b)
	if err != nil {
		return nil, err
	}
	p := &Profile{Description: description(b, tags["desc"])}
	if cs := string(b[16:20]); cs != "RGB " {
		return nil, fmt.Errorf("icc %q: colour space %q: %w", p.Description, cs, ErrUnsupported)
	}
	// Colorants and tone curves connect through XYZ only (ICC.1:2010
	// F.3); a Lab profile is LUT-based.
	if pcs := string(b[20:24]); pcs != "XYZ " {
		return nil, fmt.Errorf("icc %q: connection space %q: %w", p.Description, pcs, ErrUnsupported)
	}
	for i, sig := range [3]string{"rXYZ", "gXYZ", "bXYZ"} {
		t, ok := tags[sig]
		if !ok {
			if _, lut := tags["A2B0"]; lut {
				return nil, fmt.Errorf("icc %q: LUT-based (A2B0) without colorants: %w", p.Description, ErrUnsupported)
			}
			return nil, fmt.Errorf("icc %q: no %s tag: %w", p.Description, sig, ErrUnsupported)
		}
		xyz, err := readXYZ(b, t)
		if err != nil {
			return nil, fmt.Errorf("icc %q: %s: %w", p.Description, sig, err)
		}
		for row := range 3 {
			p.Matrix[row][i] = xyz[row]
		}
	}
	for i, sig := range [3]string{"rTRC", "gTRC", "bTRC"} {
		t, ok := tags[sig]
		if !ok {
			return nil, fmt.Errorf("icc %q: no %s tag: %w", p.Description, sig, ErrUnsupported)
		}
		if p.TRC[i], err = readCurve(b, t); err != nil {
			return nil, fmt.Errorf("icc %q: %s: %w", p.Description, sig, err)
		}
	}
	return p, nil
}

// span is where one tag's data lies in the profile.
type span struct{ off, n uint32 }

// readTags reads the tag table: signature → data, each inside the profile.
func readTags(b []byte) (map[string]span, error) {
	count := binary.BigEndian.Uint32(b[128:])
	if count > maxTags {
		return nil, fmt.Errorf("icc: %d tags, over the budget of %d", count, maxTags)
	}
	if 132+12*int64(count) > int64(len(b)) {
		return nil, fmt.Errorf("icc: tag table of %d entries overruns the %d-byte profile", count, len(b))
	}
	tags := make(map[string]span, count)
	for i := range int(count) {
		e := b[132+12*i:]
		sig := string(e[:4])
		s := span{binary.BigEndian.Uint32(e[4:]), binary.BigEndian.Uint32(e[8:])}
		if int64(s.off)+int64(s.n) > int64(len(b)) || s.n < 8 {
			return nil, fmt.Errorf("icc: tag %q at %d+%d lies outside the %d-byte profile", sig, s.off, s.n, len(b))
		}
		if _, dup := tags[sig]; !dup { // the first of a signature counts
			tags[sig] = s
		}
	}
	return tags, nil
}

// s15 reads an s15Fixed16Number.
func s15(b []byte) float64 { return float64(int32(binary.BigEndian.Uint32(b))) / 65536 }

func readXYZ(b []byte, t span) ([3]float64, error) {
	d := b[t.off : t.off+t.n]
	if len(d) < 20 || string(d[:4]) != "XYZ " {
		return [3]float64{}, errors.New("not an XYZ tag")
	}
	return [3]float64{s15(d[8:]), s15(d[12:]), s15(d[16:])}, nil
}

func readCurve(b []byte, t span) (Curve, error) {
	d := b[t.off : t.off+t.n]
	if len(d) < 12 {
		return Curve{}, errors.New("curve tag too short")
	}
	switch string(d[:4]) {
	case "curv":
		n := binary.BigEndian.Uint32(d[8:])
		switch {
		case n == 0:
			return Gamma(1), nil
		case n == 1:
			if len(d) < 14 {
				return Curve{}, errors.New("curv gamma cut short")
			}
			return Gamma(float64(binary.BigEndian.Uint16(d[12:])) / 256), nil
		case n > maxCurve:
			return Curve{}, fmt.Errorf("curv of %d entries, over the budget of %d", n, maxCurve)
		case 12+2*int64(n) > int64(len(d)):
			return Curve{}, fmt.Errorf("curv of %d entries overruns its %d-byte tag", n, len(d))
		}
		c := Curve{Table: make([]float64, n)}
		for i := range c.Table {
			c.Table[i] = float64(binary.BigEndian.Uint16(d[12+2*i:])) / 65535
		}
		return c, nil
	case "para":
		// Parameters per function type (ICC.1:2010 table 65).
		var counts = [5]int{1, 3, 4, 5, 7}
		typ := int(binary.BigEndian.Uint16(d[8:]))
		if typ >= len(counts) {
			return Curve{}, fmt.Errorf("para function type %d unknown", typ)
		}
		n := counts[typ]
		if len(d) < 12+4*n {
			return Curve{}, fmt.Errorf("para type %d cut short", typ)
		}
		var v [7]float64
		for i := range n {
			v[i] = s15(d[12+4*i:])
		}
		c := Curve{}
		switch typ {
		case 0: // Y = X^g
			c.Params = [7]float64{v[0], 1, 0, 0, 0, 0, 0}
		case 1: // Y = (aX+b)^g for X ≥ −b/a, else 0
			c.Params = [7]float64{v[0], v[1], v[2], 0, threshold(v[1], v[2]), 0, 0}
		case 2: // Y = (aX+b)^g + c for X ≥ −b/a, else c
			c.Params = [7]float64{v[0], v[1], v[2], 0, threshold(v[1], v[2]), v[3], v[3]}
		case 3: // Y = (aX+b)^g for X ≥ d, else cX
			c.Params = [7]float64{v[0], v[1], v[2], v[3], v[4], 0, 0}
		case 4: // Y = (aX+b)^g + e for X ≥ d, else cX + f
			c.Params = [7]float64{v[0], v[1], v[2], v[3], v[4], v[5], v[6]}
		}
		return c, nil
	}
	return Curve{}, fmt.Errorf("tone curve of type %q", d[:4])
}

// threshold is −b/a, where (aX+b) turns positive.
func threshold(a, b float64) float64 {
	if a == 0 {
		return 0
	}
	return -b / a
}

// description reads the profile's name from a desc tag: textDescriptionType
// (ICC v2) or the first record of a multiLocalizedUnicodeType (v4).
func description(b []byte, t span) string {
	if t.n == 0 {
		return ""
	}
	d := b[t.off : t.off+t.n]
	switch string(d[:4]) {
	case "desc":
		if len(d) < 12 {
			return ""
		}
		n := binary.BigEndian.Uint32(d[8:])
		if n == 0 || int64(n) > int64(len(d)-12) {
			return ""
		}
		s := d[12 : 12+n]
		for len(s) > 0 && s[len(s)-1] == 0 {
			s = s[:len(s)-1]
		}
		return string(s)
	case "mluc":
		if len(d) < 28 || binary.BigEndian.Uint32(d[8:]) == 0 {
			return ""
		}
		n, off := binary.BigEndian.Uint32(d[20:]), binary.BigEndian.Uint32(d[24:])
		if int64(off)+int64(n) > int64(len(d)) || n%2 != 0 {
			return ""
		}
		u := make([]uint16, 0, n/2)
		for i := off; i+1 < off+n; i += 2 {
			u = append(u, binary.BigEndian.Uint16(d[i:]))
		}
		return string(utf16.Decode(u))
	}
	return ""
}

func clamp01(x float64) float64 {
	switch {
	case x > 1:
		return 1
	case x >= 0:
		return x
	}
	return 0 // and NaN
}
