package api

import (
	"slices"
	"strings"
	"testing"
)

func TestZipNames(t *testing.T) {
	id := strings.Repeat("0123456789ab", 5) + "cdef"
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"distinct", []string{"DSC_0001.JPG", "DSC_0002.JPG"}, []string{"DSC_0001.JPG", "DSC_0002.JPG"}},
		{"clash", []string{"DSC_0001.JPG", "DSC_0001.JPG", "DSC_0001.JPG"}, []string{"DSC_0001.JPG", "DSC_0001 (2).JPG", "DSC_0001 (3).JPG"}},
		{"clash in another case", []string{"IMG_1.jpg", "img_1.JPG"}, []string{"IMG_1.jpg", "img_1 (2).JPG"}},
		{"a suffixed name already taken", []string{"A (2).JPG", "A.JPG", "A.JPG"}, []string{"A (2).JPG", "A.JPG", "A (3).JPG"}},
		{"no extension", []string{"README", "README"}, []string{"README", "README (2)"}},
		{"a path is cut to its name", []string{"../../etc/passwd"}, []string{"passwd"}},
		{"no name at all", []string{"", "..."}, []string{id[:12], id[:12] + " (2)"}},
		{"right-to-left override", []string{"IMG_\u202Egpj.EXE"}, []string{"IMG_gpj.EXE"}},
		{"every bidi control", []string{"a\u202Ab\u202Bc\u202Cd\u202De\u2066f\u2067g\u2068h\u2069i\u200E\u200F.jpg"}, []string{"abcdefghi.jpg"}},
		{"characters Windows refuses", []string{`a<b>c"d|e?f*g.jpg`}, []string{"a_b_c_d_e_f_g.jpg"}},
		{"trailing dots and spaces", []string{"foto. . "}, []string{"foto"}},
		{"reserved names", []string{"CON.JPG", "aux", "com1.mp4", "Lpt9.jpg", "CONSOLE.JPG"}, []string{"_CON.JPG", "_aux", "_com1.mp4", "_Lpt9.jpg", "CONSOLE.JPG"}},
	}
	for _, tt := range tests {
		n := zipNames{}
		var got []string
		for _, f := range tt.in {
			got = append(got, n.add(f, id))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestZipIDs(t *testing.T) {
	a, b := strings.Repeat("a", 64), strings.Repeat("b", 64)
	tests := []struct {
		name    string
		in      []string
		want    []string
		wantErr bool
	}{
		{"repeats dropped, order kept", []string{b, a, b}, []string{b, a}, false},
		{"none", nil, nil, true},
		{"not hex", []string{"DSC_0001.JPG"}, nil, true},
		{"too many", slices.Repeat([]string{a}, maxZip+1), nil, true},
		{"as many as allowed", slices.Repeat([]string{a}, maxZip), []string{a}, false},
	}
	for _, tt := range tests {
		got, err := zipIDs(tt.in)
		if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, %v; want %q (error %v)", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
}
