package web

import (
	"math"
	"regexp"
	"strconv"
	"testing"
)

// TestContrast holds the colour pairs the style sheet sets text in to the
// WCAG AA minimum for normal text (4.5:1), computed from app.css itself.
func TestContrast(t *testing.T) {
	css, err := files.ReadFile("static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"white": "#ffffff"}
	for _, m := range regexp.MustCompile(`--([a-z-]+):\s*(#[0-9a-fA-F]{6})`).FindAllStringSubmatch(string(css), -1) {
		vars[m[1]] = m[2]
	}
	pairs := []struct{ fg, bg string }{
		{"ink", "card"}, {"ink", "bg"},
		{"muted", "card"}, {"muted", "bg"},
		{"brand", "card"}, {"brand", "bg"}, {"white", "brand"}, {"white", "brand-dark"},
		{"ok", "card"}, {"ok", "ok-bg"},
		{"warn", "card"}, {"warn", "warn-bg"},
		{"bad", "card"}, {"bad", "bad-bg"}, {"white", "bad"},
		// Colours written out in the rules rather than as variables.
		{"brand", "#e8f0f8"}, {"ink", "#e6ebf0"}, {"brand-dark", "#dbe9f7"},
		{"#4b2a8a", "#ece4fb"}, {"#14532d", "#dff3e4"}, {"#7f1d1d", "#fbe2e2"},
	}
	for _, p := range pairs {
		colour := func(name string) (string, bool) {
			if name[0] == '#' {
				return name, true
			}
			c, ok := vars[name]
			return c, ok
		}
		fg, ok1 := colour(p.fg)
		bg, ok2 := colour(p.bg)
		if !ok1 || !ok2 {
			t.Errorf("--%s or --%s is not defined in app.css", p.fg, p.bg)
			continue
		}
		if r := contrast(fg, bg); r < 4.5 {
			t.Errorf("%s (%s) on %s (%s): %.2f:1, want at least 4.5:1", p.fg, fg, p.bg, bg, r)
		}
	}
}

// contrast is the WCAG 2 contrast ratio of two sRGB colours (#rrggbb).
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

func luminance(hex string) float64 {
	var rgb [3]float64
	for i := range rgb {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			rgb[i] = c / 12.92
		} else {
			rgb[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2]
}

func TestContrastFormula(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#ffffff", 1},
		{"#767676", "#ffffff", 4.54}, // the lightest grey that passes AA on white
	}
	for _, tt := range tests {
		if got := contrast(tt.a, tt.b); math.Abs(got-tt.want) > 0.01 {
			t.Errorf("contrast(%s, %s) = %.3f, want %.2f", tt.a, tt.b, got, tt.want)
		}
	}
}
