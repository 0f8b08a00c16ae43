package collections

import (
	"strings"
	"testing"
)

func TestLineDiff(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{"equal", "a\nb\n", "a\nb", " a\n b\n"},
		{"both empty", "", "", ""},
		{"from empty", "", "a\nb", "+a\n+b\n"},
		{"to empty", "a\nb", "", "-a\n-b\n"},
		{"change in middle", "a\nb\nc", "a\nx\nc", " a\n-b\n+x\n c\n"},
		{"insert", "a\nc", "a\nb\nc", " a\n+b\n c\n"},
		{"delete", "a\nb\nc", "a\nc", " a\n-b\n c\n"},
		{"move", "a\nb\nc\nd", "b\nc\nd\na", "-a\n b\n c\n d\n+a\n"},
		{"lcs keeps the longest run", "x\na\nb\ny\nc", "a\nb\nc\nz", "-x\n a\n b\n-y\n c\n+z\n"},
		{"repeated lines", "a\na\nb", "a\nb\nb", " a\n-a\n+b\n b\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LineDiff(tt.a, tt.b); got != tt.want {
				t.Errorf("LineDiff(%q, %q) =\n%s\nwant\n%s", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestLineDiffLargeFallsBack(t *testing.T) {
	a := strings.Repeat("a\n", 3000)
	b := strings.Repeat("b\n", 3000)
	got := LineDiff(a, b)
	if want := strings.Repeat("-a\n", 3000) + strings.Repeat("+b\n", 3000); got != want {
		t.Errorf("large diff: got %d bytes, want %d bytes of all removed, all added", len(got), len(want))
	}
}

// sides rebuilds the two texts a diff compares.
func sides(diff string) (a, b string) {
	var x, y []string
	for _, l := range lines(diff) {
		switch l[0] {
		case ' ':
			x, y = append(x, l[1:]), append(y, l[1:])
		case '-':
			x = append(x, l[1:])
		case '+':
			y = append(y, l[1:])
		}
	}
	return strings.Join(x, "\n"), strings.Join(y, "\n")
}

func FuzzLineDiff(f *testing.F) {
	f.Add("a\nb\nc", "a\nx\nc")
	f.Add("", "a")
	f.Add("a\n\nb\n", "\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		if len(a) > 4096 || len(b) > 4096 {
			return
		}
		d := LineDiff(a, b)
		ga, gb := sides(d)
		// The diff holds exactly both texts, compared as lines.
		if ga != strings.Join(lines(a), "\n") || gb != strings.Join(lines(b), "\n") {
			t.Fatalf("LineDiff(%q, %q) = %q rebuilds %q and %q", a, b, d, ga, gb)
		}
		if a == b && strings.ContainsAny(firstChars(d), "+-") {
			t.Fatalf("LineDiff of equal texts marks changes: %q", d)
		}
	})
}

func firstChars(diff string) string {
	var s strings.Builder
	for _, l := range lines(diff) {
		s.WriteByte(l[0])
	}
	return s.String()
}
