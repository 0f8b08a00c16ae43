package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"mediabank/auth"
)

// languages of the pages, the default first.
var languages = []string{auth.LangIndonesian, auth.LangEnglish}

// langOf is a supported language, Indonesian for anything else.
func langOf(l string) string {
	if slices.Contains(languages, l) {
		return l
	}
	return auth.LangIndonesian
}

// catalogues are the messages of each language: messages/<lang>.json, a
// flat object of key to text. Texts with arguments use fmt verbs.
type catalogues map[string]map[string]string

func loadCatalogues(fsys fs.FS) (catalogues, error) {
	cat := catalogues{}
	for _, lang := range languages {
		data, err := fs.ReadFile(fsys, "messages/"+lang+".json")
		if err != nil {
			return nil, fmt.Errorf("web: catalogue %s: %w", lang, err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("web: catalogue %s: %w", lang, err)
		}
		cat[lang] = m
	}
	// A key in one language and not the other would show a raw key to
	// somebody; refuse to start instead.
	for _, lang := range languages[1:] {
		for k := range cat[languages[0]] {
			if _, ok := cat[lang][k]; !ok {
				return nil, fmt.Errorf("web: catalogue %s lacks %q", lang, k)
			}
		}
		for k := range cat[lang] {
			if _, ok := cat[languages[0]][k]; !ok {
				return nil, fmt.Errorf("web: catalogue %s has %q, which %s lacks", lang, k, languages[0])
			}
		}
	}
	return cat, nil
}

// missingMark surrounds a key that no catalogue has; tests look for it.
const missingMark = "⟦"

// text is the message key in lang, formatted with args.
func (c catalogues) text(lang, key string, args ...any) string {
	msg, ok := c[lang][key]
	if !ok {
		return missingMark + key + "⟧"
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// scripts are the messages the JavaScript shows (keys "js.*"), without
// the prefix.
func (c catalogues) scripts(lang string) map[string]string {
	out := map[string]string{}
	for k, v := range c[lang] {
		if rest, ok := strings.CutPrefix(k, "js."); ok {
			out[rest] = v
		}
	}
	return out
}

// Month names for dates in the office's style.
var months = map[string][12]string{
	auth.LangIndonesian: {"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"},
	auth.LangEnglish:    {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

// formatter writes dates and numbers the way readers of lang expect:
// "17 Agustus 2026, 09.15 WIB" and "1.234,5" in Indonesian,
// "17 August 2026, 09:15 WIB" and "1,234.5" in English.
type formatter struct {
	lang string
	zone *time.Location
}

func (f formatter) date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(f.zone)
	return fmt.Sprintf("%d %s %d", t.Day(), months[f.lang][t.Month()-1], t.Year())
}

func (f formatter) dateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(f.zone)
	sep := "."
	if f.lang == auth.LangEnglish {
		sep = ":"
	}
	return fmt.Sprintf("%s, %02d%s%02d %s", f.date(t), t.Hour(), sep, t.Minute(), t.Format("MST"))
}

// number formats x with decimals digits after the point.
func (f formatter) number(x float64, decimals int) string {
	thousands, point := ".", ","
	if f.lang == auth.LangEnglish {
		thousands, point = ",", "."
	}
	s := strconv.FormatFloat(math.Abs(x), 'f', decimals, 64)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if x < 0 && strings.Trim(s, "0.") != "" {
		b.WriteByte('-')
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(thousands)
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString(point + frac)
	}
	return b.String()
}

// bytes is a size in KB, MB or GB (powers of 1024, as file managers show).
func (f formatter) bytes(n int64) string {
	units := []string{"B", "KB", "MB", "GB", "TB"}
	x, u := float64(n), 0
	for x >= 1024 && u < len(units)-1 {
		x /= 1024
		u++
	}
	if u == 0 {
		return f.number(x, 0) + " B"
	}
	return f.number(x, 1) + " " + units[u]
}

// Units of minutes, for durations against the SOP's standard times.
var durationUnits = map[string][2]string{
	auth.LangIndonesian: {"jam", "mnt"},
	auth.LangEnglish:    {"h", "min"},
}

// minutes is a duration of m minutes, rounded to the minute: "45 mnt",
// "3 jam", "1 jam 5 mnt".
func (f formatter) minutes(m float64) string {
	u := durationUnits[f.lang]
	total := int64(math.Round(math.Max(m, 0)))
	h, rest := total/60, total%60
	switch {
	case h == 0:
		return fmt.Sprintf("%s %s", f.number(float64(rest), 0), u[1])
	case rest == 0:
		return fmt.Sprintf("%s %s", f.number(float64(h), 0), u[0])
	}
	return fmt.Sprintf("%s %s %d %s", f.number(float64(h), 0), u[0], rest, u[1])
}

// funcs are the template functions of one language.
func (s *site) funcs(lang string) template.FuncMap {
	f := formatter{lang: lang, zone: s.Zone}
	return template.FuncMap{
		"t": func(key string, args ...any) string { return s.cat.text(lang, key, args...) },
		// tk looks up a key built from parts, such as "state." + state.
		"tk": func(parts ...any) string {
			var b strings.Builder
			for _, p := range parts {
				fmt.Fprint(&b, p)
			}
			return s.cat.text(lang, b.String())
		},
		"date": func(v any) string {
			if t, ok := timeOf(v); ok {
				return f.date(t)
			}
			return ""
		},
		"datetime": func(v any) string {
			if t, ok := timeOf(v); ok {
				return f.dateTime(t)
			}
			return ""
		},
		"isodate": func(v any) string {
			if t, ok := timeOf(v); ok {
				return t.In(s.Zone).Format(time.RFC3339)
			}
			return ""
		},
		"num": func(v any) string {
			switch n := v.(type) {
			case int:
				return f.number(float64(n), 0)
			case int64:
				return f.number(float64(n), 0)
			case uint64:
				return f.number(float64(n), 0)
			case float64:
				return f.number(n, 1)
			}
			return fmt.Sprint(v)
		},
		"bytes":   f.bytes,
		"minutes": f.minutes,
		"percent": func(x float64) string { return f.number(100*x, 0) + "%" },
		"query": func(pairs ...string) template.URL {
			q := url.Values{}
			for i := 0; i+1 < len(pairs); i += 2 {
				if pairs[i+1] != "" {
					q.Set(pairs[i], pairs[i+1])
				}
			}
			return template.URL(q.Encode())
		},
		"join": strings.Join,
		"list": func(xs ...string) []string { return xs },
		"add":  func(a, b int) int { return a + b },
	}
}

func timeOf(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, !t.IsZero()
	case *time.Time:
		if t != nil && !t.IsZero() {
			return *t, true
		}
	}
	return time.Time{}, false
}
