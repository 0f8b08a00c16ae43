package channels

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"mediabank/internal/overrides"
)

func TestDefaultPresets(t *testing.T) {
	want := []struct {
		name          string
		width, height int
		fit           string
		aspect        string
		maxBytes      int64
		publication   string
	}{
		{"web", 1920, 1920, FitInside, "", 0, "website"},
		{"instagram_feed", 1080, 1350, FitCrop, "4:5", 0, "instagram"},
		{"instagram_story", 1080, 1920, FitCrop, "9:16", 0, "instagram"},
		{"facebook", 1200, 630, FitCrop, "40:21", 0, "facebook"},
		{"x", 1600, 900, FitCrop, "16:9", 0, "x"},
		{"youtube_thumbnail", 1280, 720, FitCrop, "16:9", 2_000_000, "youtube"},
	}
	got := DefaultPresets().List()
	if len(got) != len(want) {
		t.Fatalf("%d presets, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		aspect := ""
		if a, ok := g.Aspect(); ok {
			aspect = a.String()
		}
		if g.Name != w.name || g.Width != w.width || g.Height != w.height || g.Fit != w.fit || aspect != w.aspect || g.MaxBytes != w.maxBytes || g.Publication != w.publication {
			t.Errorf("preset %d = %+v (aspect %q), want %+v", i, g, aspect, w)
		}
		if !g.StripGPS || g.Format != "jpeg" || g.Watermark != nil {
			t.Errorf("%s: strip_gps %v, format %q, watermark %v: want a public JPEG channel without watermark", g.Name, g.StripGPS, g.Format, g.Watermark)
		}
		if err := g.Validate(); err != nil {
			t.Errorf("%s: %v", g.Name, err)
		}
	}
}

func TestLoadPresets(t *testing.T) {
	p, err := LoadPresets(strings.NewReader(`{
		"youtube_thumbnail": {"max_bytes": 1000000, "watermark": {"key": "branding/logo.png", "corner": "bottom-right", "size": 0.15}},
		"whatsapp": {"width": 1600, "height": 1600, "fit": "inside"},
		"arsip": {"width": 3000, "height": 3000, "fit": "inside", "strip_gps": false},
		"x": null
	}`))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range p.List() {
		names = append(names, c.Name)
	}
	if want := []string{"web", "instagram_feed", "instagram_story", "facebook", "youtube_thumbnail", "arsip", "whatsapp"}; !reflect.DeepEqual(names, want) {
		t.Errorf("channels = %v, want %v", names, want)
	}
	tests := []struct {
		name string
		want Preset
	}{
		{"youtube_thumbnail", Preset{Name: "youtube_thumbnail", Width: 1280, Height: 720, Fit: FitCrop, Format: "jpeg", MaxBytes: 1_000_000, StripGPS: true,
			Watermark: &Watermark{Key: "branding/logo.png", Corner: BottomRight, Size: 0.15}, Publication: "youtube"}},
		{"whatsapp", Preset{Name: "whatsapp", Width: 1600, Height: 1600, Fit: FitInside, Format: "jpeg", StripGPS: true}},
		{"arsip", Preset{Name: "arsip", Width: 3000, Height: 3000, Fit: FitInside, Format: "jpeg"}},
	}
	for _, tt := range tests {
		got, err := p.Get(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Get(%s) = %+v, want %+v", tt.name, got, tt.want)
		}
	}
	if _, err := p.Get("x"); !errors.Is(err, ErrUnknownChannel) {
		t.Errorf("Get(x) after removal: err = %v, want ErrUnknownChannel", err)
	}
	// The defaults are not changed by loading.
	if got, _ := DefaultPresets().Get("youtube_thumbnail"); got.MaxBytes != 2_000_000 || got.Watermark != nil {
		t.Errorf("defaults changed by LoadPresets: %+v", got)
	}
}

func TestLoadPresetsInvalid(t *testing.T) {
	tests := []struct {
		file string
		want string // in the message
	}{
		{`[]`, "cannot unmarshal array"},
		{`{"web": {"width": 1920,}}`, "invalid character"},
		{`{"web": {"widht": 1000}}`, `channel "web"`},
		{`{"web": {"widht": 1000}}`, `unknown field "widht"`},
		{`{"web": {"width": 8}}`, `channel "web": width: invalid channel preset: 8, want 16 to 10000 pixels`},
		{`{"web": {"height": 20000}}`, `height: invalid channel preset: 20000`},
		{`{"web": {"width": "1920"}}`, `channel "web"`},
		{`{"web": {"fit": "cover"}}`, `fit: invalid channel preset: "cover", want "crop" or "inside"`},
		{`{"web": {"format": "webp"}}`, `format: invalid channel preset: "webp", want "jpeg"`},
		{`{"web": {"max_bytes": 500}}`, `max_bytes: invalid channel preset: 500, want 0 (no limit) or at least 10000`},
		{`{"web": {"publication": "Situs Web"}}`, `publication: invalid channel preset: "Situs Web", want a publication channel`},
		{`{"Web Site": {"width": 100, "height": 100}}`, `channel "Web Site": name`},
		{`{"web": {"name": "site"}}`, `name says "site"`},
		{`{"tiktok": null}`, `removing "tiktok"`},
		{`{"web": {"watermark": {"key": "", "corner": "top-left", "size": 0.1}}}`, "watermark.key"},
		{`{"web": {"watermark": {"key": "../etc/passwd", "corner": "top-left", "size": 0.1}}}`, "watermark.key"},
		{`{"web": {"watermark": {"key": "logo.png", "corner": "middle", "size": 0.1}}}`, `watermark.corner: invalid channel preset: "middle"`},
		{`{"web": {"watermark": {"key": "logo.png", "corner": "top-left", "size": 2}}}`, "watermark.size"},
		{`{"web": {"watermark": {"key": "logo.png", "corner": "top-left"}}}`, "watermark.size"},
		{`{"web": null, "instagram_feed": null, "instagram_story": null, "facebook": null, "x": null, "youtube_thumbnail": null}`, "every channel removed"},
		{strings.Repeat(" ", overrides.MaxSize+1), "larger than"},
	}
	for _, tt := range tests {
		_, err := LoadPresets(strings.NewReader(tt.file))
		if !errors.Is(err, ErrInvalidPreset) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LoadPresets(%.60s):\n got  %v\n want an ErrInvalidPreset saying %q", tt.file, err, tt.want)
		}
	}
}

func FuzzLoadPresets(f *testing.F) {
	f.Add(`{"web": {"width": 1000}, "x": null, "new": {"width": 100, "height": 100, "watermark": {"key": "a.png", "corner": "top-left", "size": 0.1}}}`)
	f.Add(`{"web": {"fit": "crop", "height": 17}}`)
	f.Fuzz(func(t *testing.T, file string) {
		p, err := LoadPresets(strings.NewReader(file))
		if err != nil {
			if !errors.Is(err, ErrInvalidPreset) {
				t.Fatalf("error not marked ErrInvalidPreset: %v", err)
			}
			return
		}
		// Whatever loads is valid and usable.
		for _, c := range p.List() {
			if err := c.Validate(); err != nil {
				t.Fatalf("loaded an invalid preset: %v", err)
			}
			if a, ok := c.Aspect(); ok && (a.W < 1 || a.H < 1) {
				t.Fatalf("%s: aspect %v", c.Name, a)
			}
		}
	})
}

// TestPresetsDoc keeps the table of docs/channels.md equal to the defaults.
func TestPresetsDoc(t *testing.T) {
	doc, err := os.ReadFile("../docs/channels.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range DefaultPresets().List() {
		fit, limit, gps := "inside", "none", "kept"
		if a, ok := p.Aspect(); ok {
			fit = "crop " + a.String()
		}
		if p.MaxBytes > 0 {
			limit = fmt.Sprint(p.MaxBytes)
		}
		if p.StripGPS {
			gps = "stripped"
		}
		row := fmt.Sprintf("| `%s` | %d×%d | %s | %s | %s |", p.Name, p.Width, p.Height, fit, limit, gps)
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/channels.md lacks the row\n%s", row)
		}
	}
}
