package metadata

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// props holds every value read from a file under an ExifTool-style
// "Group:Tag" name ("IFD0:Make", "ExifIFD:FNumber", "XMP-dc:Description",
// "IPTC:By-line", "QuickTime:Duration"), so that resolve can apply one
// documented precedence to all formats and name the source of each value.
type props map[string]any

// setDefault records v under key unless a value is already there: the
// first reader to find a tag wins (e.g. the main IFD over a preview).
func (p props) setDefault(key string, v any) {
	if _, ok := p[key]; !ok && v != nil {
		p[key] = v
	}
}

// float64er is satisfied by the rationals bep/imagemeta returns.
type float64er interface{ Float64() float64 }

// num converts a tag value to a float. Strings holding several numbers
// (e.g. ISO "100 0") yield the first.
func num(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case int, int8, int16, int32, int64:
		f = float64(reflect.ValueOf(x).Int())
	case uint8, uint16, uint32, uint64:
		f = float64(reflect.ValueOf(x).Uint())
	case float32, float64:
		f = reflect.ValueOf(x).Float()
	case float64er:
		f = x.Float64()
	case string:
		fields := strings.Fields(x)
		if len(fields) == 0 {
			return 0, false
		}
		s := fields[0]
		if n, d, ok := strings.Cut(s, "/"); ok {
			nf, err1 := strconv.ParseFloat(n, 64)
			df, err2 := strconv.ParseFloat(d, 64)
			if err1 != nil || err2 != nil || df == 0 {
				return 0, false
			}
			f = nf / df
		} else {
			var err error
			if f, err = strconv.ParseFloat(s, 64); err != nil {
				return 0, false
			}
		}
	case []string:
		if len(x) == 0 {
			return 0, false
		}
		return num(x[0])
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// text converts a tag value to trimmed text; lists are joined with "; ",
// the MWG convention for several creators in one EXIF Artist.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return cleanText(x)
	case []string:
		var parts []string
		for _, s := range x {
			if s = cleanText(s); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "; ")
	case []byte:
		return cleanText(string(x))
	}
	return cleanText(fmt.Sprint(v))
}

// list converts a tag value to a list of non-empty trimmed strings.
func list(v any) []string {
	var in []string
	switch x := v.(type) {
	case string:
		in = []string{x}
	case []string:
		in = x
	}
	var out []string
	for _, s := range in {
		if s = cleanText(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// cleanText drops the padding cameras leave in fixed-size fields and
// invalid UTF-8.
func cleanText(s string) string {
	// C strings end at the first NUL; what follows is leftover memory.
	s, _, _ = strings.Cut(s, "\x00")
	s = strings.ToValidUTF8(s, "")
	return strings.TrimSpace(s)
}
