package channels

import (
	"fmt"
	"image"
	"math"
	"time"

	"mediabank/assets"
)

// SetCrop records the frame a person chose for aspect on a, by who and
// when. r is in the coordinates of the upright picture; it is clamped
// inside the picture and, when the record knows the picture's size, made
// exactly of the aspect around its centre. The caller writes the record.
func SetCrop(a *assets.Asset, aspect string, r assets.Rect, by string, at time.Time) (assets.Crop, error) {
	as, err := ParseAspect(aspect)
	if err != nil {
		return assets.Crop{}, fmt.Errorf("crop of %s: %w", a.ID, err)
	}
	for _, v := range []float64{r.X, r.Y, r.W, r.H} {
		if math.IsNaN(v) || v < -0.01 || v > 1.01 {
			return assets.Crop{}, fmt.Errorf("crop of %s: %+v: want x, y, w, h as fractions 0..1 of the upright picture", a.ID, r)
		}
	}
	if r.W <= 0 || r.H <= 0 {
		return assets.Crop{}, fmt.Errorf("crop of %s: %+v: want a width and a height above 0", a.ID, r)
	}
	if w, h := UprightSize(a.Meta); w > 0 && h > 0 {
		r = FitRect(r, w, h, as)
	} else {
		r = clampRect(r)
	}
	c := assets.Crop{Rect: r, By: by, At: at}
	if a.Crops == nil {
		a.Crops = map[string]assets.Crop{}
	}
	a.Crops[as.String()] = c
	return c, nil
}

// SetFocus records the point of interest default crops centre on.
func SetFocus(a *assets.Asset, x, y float64, by string, at time.Time) error {
	if !(x >= 0 && x <= 1 && y >= 0 && y <= 1) {
		return fmt.Errorf("focus of %s: (%g, %g): want fractions 0..1 of the upright picture", a.ID, x, y)
	}
	a.Focus = &assets.Focus{X: x, Y: y, By: by, At: at}
	return nil
}

// CropFor is the frame of aspect on a's upright w×h picture: the one a
// person chose, made exact on these pixels, else DefaultCrop.
func CropFor(a *assets.Asset, aspect Aspect, w, h int) assets.Rect {
	if c, ok := a.Crops[aspect.String()]; ok {
		return FitRect(c.Rect, w, h, aspect)
	}
	return DefaultCrop(w, h, aspect, a.Focus)
}

// UprightSize is the size of the picture the way it is seen, from what
// the file says: EXIF orientations 5 to 8 and video rotations of 90° and
// 270° swap width and height. Zero when unknown.
func UprightSize(m assets.Metadata) (w, h int) {
	w, h = m.Width, m.Height
	if m.Orientation >= 5 && m.Orientation <= 8 || m.Rotation%180 == 90 || m.Rotation%180 == -90 {
		w, h = h, w
	}
	return w, h
}

// DefaultCrop is the largest frame of aspect in an upright w×h picture,
// centred on the focus point if there is one (as near as the edges
// allow), else on the picture's centre.
func DefaultCrop(w, h int, aspect Aspect, focus *assets.Focus) assets.Rect {
	cx, cy := 0.5, 0.5
	if focus != nil {
		cx, cy = focus.X, focus.Y
	}
	r := assets.Rect{W: 1, H: 1}
	if float64(w)/float64(h) > aspect.ratio() {
		r.W = float64(h) * aspect.ratio() / float64(w)
	} else {
		r.H = float64(w) / aspect.ratio() / float64(h)
	}
	r.X, r.Y = cx-r.W/2, cy-r.H/2
	return clampRect(r)
}

// FitRect makes r exactly of aspect on an upright w×h picture: the
// largest frame of that aspect inside r, with r's centre, shifted inside
// the picture. A frame without area gives DefaultCrop.
func FitRect(r assets.Rect, w, h int, aspect Aspect) assets.Rect {
	if !(r.W > 0 && r.H > 0) {
		return DefaultCrop(w, h, aspect, nil)
	}
	cx, cy := r.X+r.W/2, r.Y+r.H/2
	pw := min(r.W*float64(w), r.H*float64(h)*aspect.ratio(), float64(w), float64(h)*aspect.ratio())
	ph := pw / aspect.ratio()
	out := assets.Rect{W: pw / float64(w), H: ph / float64(h)}
	out.X, out.Y = cx-out.W/2, cy-out.H/2
	return clampRect(out)
}

// clampRect shrinks r to at most the whole picture, then shifts it
// inside, keeping its size.
func clampRect(r assets.Rect) assets.Rect {
	r.W, r.H = min(max(r.W, 0), 1), min(max(r.H, 0), 1)
	r.X = min(max(r.X, 0), 1-r.W)
	r.Y = min(max(r.Y, 0), 1-r.H)
	return r
}

// Stored maps r from the upright picture to the picture as stored with
// EXIF orientation o, so that a crop can be cut before the (then small)
// picture is turned upright.
func Stored(r assets.Rect, o int) assets.Rect {
	x0, y0 := storedPoint(r.X, r.Y, o)
	x1, y1 := storedPoint(r.X+r.W, r.Y+r.H, o)
	return assets.Rect{X: min(x0, x1), Y: min(y0, y1), W: math.Abs(x1 - x0), H: math.Abs(y1 - y0)}
}

// storedPoint is where the upright point (u, v) is in the stored picture.
func storedPoint(u, v float64, o int) (x, y float64) {
	switch o {
	case 2: // mirrored left to right
		return 1 - u, v
	case 3: // turned 180°
		return 1 - u, 1 - v
	case 4: // mirrored top to bottom
		return u, 1 - v
	case 5: // transposed
		return v, u
	case 6: // shown turned 90° clockwise
		return v, 1 - u
	case 7: // transversed
		return 1 - v, 1 - u
	case 8: // shown turned 90° anticlockwise
		return 1 - v, u
	}
	return u, v
}

// Pixels is r on a w×h picture, at least one pixel, inside the picture.
func Pixels(r assets.Rect, w, h int) image.Rectangle {
	x0, y0 := int(math.Round(r.X*float64(w))), int(math.Round(r.Y*float64(h)))
	x1, y1 := int(math.Round((r.X+r.W)*float64(w))), int(math.Round((r.Y+r.H)*float64(h)))
	x0, y0 = min(max(x0, 0), w-1), min(max(y0, 0), h-1)
	x1, y1 = min(max(x1, x0+1), w), min(max(y1, y0+1), h)
	return image.Rect(x0, y0, x1, y1)
}

// Frame is the part of a's upright picture that channel p posts, for the
// pages to draw over the preview: the crop of p's aspect (the person's or
// the default one) or, for a preset that does not crop, the whole picture.
func (p Preset) Frame(a *assets.Asset) assets.Rect {
	w, h := UprightSize(a.Meta)
	return p.frame(a, w, h)
}

// frame is Frame on an upright w×h picture (zero when unknown).
func (p Preset) frame(a *assets.Asset, w, h int) assets.Rect {
	aspect, ok := p.Aspect()
	if !ok {
		return assets.Rect{W: 1, H: 1}
	}
	return aspect.frame(a, w, h)
}

// Frame is the frame of aspect on a's upright picture: the one a person
// chose or the default one; what a crop editor starts from.
func (as Aspect) Frame(a *assets.Asset) assets.Rect {
	w, h := UprightSize(a.Meta)
	return as.frame(a, w, h)
}

// frame is Frame on an upright w×h picture (zero when unknown: then the
// crop as stored, else the whole picture).
func (as Aspect) frame(a *assets.Asset, w, h int) assets.Rect {
	if w > 0 && h > 0 {
		return CropFor(a, as, w, h)
	}
	if c, ok := a.Crops[as.String()]; ok {
		return c.Rect
	}
	return assets.Rect{W: 1, H: 1}
}

// ClearCrop forgets the frame a person chose for aspect on a, so the
// default crop applies again. The caller writes the record.
func ClearCrop(a *assets.Asset, aspect string) error {
	as, err := ParseAspect(aspect)
	if err != nil {
		return fmt.Errorf("crop of %s: %w", a.ID, err)
	}
	delete(a.Crops, as.String())
	return nil
}
