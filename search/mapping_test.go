package search

import "testing"

func TestSplitChars(t *testing.T) {
	tests := []struct{ in, want string }{
		{"DSC_0042.NEF", "DSC 0042 NEF"},
		{"IMG_20260801_101500.jpg", "IMG 20260801 101500 jpg"},
		{"banjir", "banjir"},
		{"a__b..", "a  b  "},
		{"", ""},
		{"Jl. Sudirman_Raya", "Jl  Sudirman Raya"},
	}
	for _, tt := range tests {
		in := []byte(tt.in)
		if got := string(splitChars{}.Filter(in)); got != tt.want {
			t.Errorf("Filter(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if string(in) != tt.in {
			t.Errorf("Filter(%q) changed its input to %q", tt.in, in)
		}
	}
}
