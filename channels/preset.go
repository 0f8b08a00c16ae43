// Package channels turns approved media into files ready to post on each
// channel the office publishes to (website, Instagram, Facebook, X,
// YouTube): the channel presets, the crops people choose per aspect ratio,
// and the channel rendition itself, with the caption and credit inside.
package channels

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"mediabank/internal/derrors"
	"mediabank/internal/overrides"
)

// Errors callers map to answers: an unknown channel is a 404, a preset
// file that does not validate stops the server with its reason.
var (
	ErrUnknownChannel = derrors.New(derrors.NotFound, "unknown channel")
	ErrInvalidPreset  = errors.New("invalid channel preset")
)

// Fit modes of a preset.
const (
	// FitCrop makes exactly width×height from a crop of that aspect ratio.
	FitCrop = "crop"
	// FitInside keeps the whole picture, its long side within the box.
	FitInside = "inside"
)

// Watermark corners.
const (
	TopLeft     = "top-left"
	TopRight    = "top-right"
	BottomLeft  = "bottom-left"
	BottomRight = "bottom-right"
)

// Preset is how one channel wants its pictures.
type Preset struct {
	Name   string `json:"name"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	// Fit is FitCrop or FitInside.
	Fit string `json:"fit"`
	// Format is the file format; "jpeg" is the one there is.
	Format string `json:"format"`
	// MaxBytes is the largest file the channel takes; 0 for no limit.
	MaxBytes int64 `json:"max_bytes"`
	// StripGPS leaves the position out of the file.
	StripGPS  bool       `json:"strip_gps"`
	Watermark *Watermark `json:"watermark"`
	// Publication is the channel of the coverage's publication record
	// (collections: website, instagram, ...) the pictures are posted on,
	// so that an export is offered to that record; "" for none.
	Publication string `json:"publication,omitempty"`
}

// Watermark is a logo laid over a corner of the picture.
type Watermark struct {
	// Key is the key of a PNG in the bank (its transparency is kept).
	Key    string `json:"key"`
	Corner string `json:"corner"`
	// Size is the logo's width as a fraction of the picture's width.
	Size float64 `json:"size"`
}

// defaults are the channels of the office's SOP step 11. They are all
// public, so all strip GPS: a photographer's home is often in the EXIF.
var defaults = []Preset{
	{Name: "web", Width: 1920, Height: 1920, Fit: FitInside, Publication: "website"},
	{Name: "instagram_feed", Width: 1080, Height: 1350, Fit: FitCrop, Publication: "instagram"},
	{Name: "instagram_story", Width: 1080, Height: 1920, Fit: FitCrop, Publication: "instagram"},
	{Name: "facebook", Width: 1200, Height: 630, Fit: FitCrop, Publication: "facebook"},
	{Name: "x", Width: 1600, Height: 900, Fit: FitCrop, Publication: "x"},
	{Name: "youtube_thumbnail", Width: 1280, Height: 720, Fit: FitCrop, MaxBytes: 2_000_000, Publication: "youtube"},
}

// Presets is the table of channels. It is a value: nothing changes it
// after it is made.
type Presets struct {
	list []Preset
}

// DefaultPresets is the built-in table (docs/channels.md).
func DefaultPresets() Presets {
	list := slices.Clone(defaults)
	for i := range list {
		list[i].Format, list[i].StripGPS = "jpeg", true
	}
	return Presets{list: list}
}

// List is every preset, the built-in ones first in their order.
func (p Presets) List() []Preset {
	out := slices.Clone(p.list)
	for i := range out {
		if w := out[i].Watermark; w != nil {
			c := *w
			out[i].Watermark = &c
		}
	}
	return out
}

// Get is the preset named name, or ErrUnknownChannel.
func (p Presets) Get(name string) (Preset, error) {
	for _, c := range p.List() {
		if c.Name == name {
			return c, nil
		}
	}
	return Preset{}, fmt.Errorf("channel %q: %w", name, ErrUnknownChannel)
}

// LoadPresets reads a JSON object of overrides over DefaultPresets, keyed
// by channel name. A known channel takes the fields given and keeps the
// rest; a new one starts as a public JPEG channel (strip_gps true); null
// removes a channel:
//
//	{"youtube_thumbnail": {"max_bytes": 1000000},
//	 "whatsapp": {"width": 1600, "height": 1600, "fit": "inside"},
//	 "x": null}
//
// Unknown fields and values out of range are errors that name the channel
// and the field.
func LoadPresets(r io.Reader) (Presets, error) {
	var changes map[string]json.RawMessage
	if err := overrides.Decode(r, "channel presets", ErrInvalidPreset, &changes); err != nil {
		return Presets{}, err
	}
	p := DefaultPresets()
	names := make([]string, 0, len(changes))
	for name := range changes {
		names = append(names, name)
	}
	slices.Sort(names) // new channels in a stable order
	for _, name := range names {
		raw := changes[name]
		i := slices.IndexFunc(p.list, func(c Preset) bool { return c.Name == name })
		if string(bytes.TrimSpace(raw)) == "null" {
			if i < 0 {
				return Presets{}, fmt.Errorf("load channel presets: removing %q: %w: no such channel", name, ErrInvalidPreset)
			}
			p.list = slices.Delete(p.list, i, i+1)
			continue
		}
		c := Preset{Name: name, Fit: FitCrop, Format: "jpeg", StripGPS: true}
		if i >= 0 {
			c = p.list[i]
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return Presets{}, fmt.Errorf("load channel presets: channel %q: %w: %w", name, ErrInvalidPreset, err)
		}
		if c.Name != name {
			return Presets{}, fmt.Errorf("load channel presets: channel %q: %w: name says %q", name, ErrInvalidPreset, c.Name)
		}
		if err := c.Validate(); err != nil {
			return Presets{}, fmt.Errorf("load channel presets: %w", err)
		}
		if i >= 0 {
			p.list[i] = c
		} else {
			p.list = append(p.list, c)
		}
	}
	if len(p.list) == 0 {
		return Presets{}, fmt.Errorf("load channel presets: %w: every channel removed", ErrInvalidPreset)
	}
	return p, nil
}

var validName = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

// Bounds of a preset's values.
const (
	minEdge     = 16
	maxEdge     = 10000
	minMaxBytes = 10_000
)

// Validate checks a preset, naming the field that is wrong.
func (c Preset) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("channel %q: %s: %w: %s", c.Name, field, ErrInvalidPreset, fmt.Sprintf(format, args...))
	}
	switch {
	case !validName.MatchString(c.Name):
		return bad("name", "want 1 to 40 of a-z, 0-9 and _ (it is part of URLs)")
	case c.Width < minEdge || c.Width > maxEdge:
		return bad("width", "%d, want %d to %d pixels", c.Width, minEdge, maxEdge)
	case c.Height < minEdge || c.Height > maxEdge:
		return bad("height", "%d, want %d to %d pixels", c.Height, minEdge, maxEdge)
	case c.Fit != FitCrop && c.Fit != FitInside:
		return bad("fit", "%q, want %q or %q", c.Fit, FitCrop, FitInside)
	case c.Format != "jpeg":
		return bad("format", "%q, want \"jpeg\"", c.Format)
	case c.MaxBytes != 0 && c.MaxBytes < minMaxBytes:
		return bad("max_bytes", "%d, want 0 (no limit) or at least %d", c.MaxBytes, minMaxBytes)
	case c.Publication != "" && !validName.MatchString(c.Publication):
		return bad("publication", "%q, want a publication channel such as \"website\" or \"instagram\", or none", c.Publication)
	}
	if w := c.Watermark; w != nil {
		switch {
		case w.Key == "" || strings.HasPrefix(w.Key, "/") || slices.Contains(strings.Split(w.Key, "/"), ".."):
			return bad("watermark.key", "%q, want the key of a PNG in the bank", w.Key)
		case !slices.Contains([]string{TopLeft, TopRight, BottomLeft, BottomRight}, w.Corner):
			return bad("watermark.corner", "%q, want top-left, top-right, bottom-left or bottom-right", w.Corner)
		case !(w.Size > 0 && w.Size <= 0.5):
			return bad("watermark.size", "%g, want the logo's width as a fraction of the picture's, above 0 and at most 0.5", w.Size)
		}
	}
	return nil
}

// Aspect is the aspect ratio a preset crops to, and false for FitInside.
func (c Preset) Aspect() (Aspect, bool) {
	if c.Fit != FitCrop {
		return Aspect{}, false
	}
	return newAspect(c.Width, c.Height), true
}

// Aspect is a ratio of whole numbers in lowest terms, such as 4:5. It
// keys the crops of an asset, so that every channel of one shape shares
// the frame a person chose.
type Aspect struct{ W, H int }

func newAspect(w, h int) Aspect {
	g := w
	for r := h; r != 0; {
		g, r = r, g%r
	}
	return Aspect{w / g, h / g}
}

// ParseAspect reads "W:H" with W and H from 1 to 10000, in lowest terms.
func ParseAspect(s string) (Aspect, error) {
	var w, h int
	var rest string
	if n, _ := fmt.Sscanf(s, "%d:%d%s", &w, &h, &rest); n != 2 || w < 1 || h < 1 || w > maxEdge || h > maxEdge || s != fmt.Sprintf("%d:%d", w, h) {
		return Aspect{}, fmt.Errorf("aspect ratio %q: want W:H, such as 4:5", s)
	}
	return newAspect(w, h), nil
}

func (a Aspect) String() string { return fmt.Sprintf("%d:%d", a.W, a.H) }

// ratio is width over height.
func (a Aspect) ratio() float64 { return float64(a.W) / float64(a.H) }
