package api

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanName(t *testing.T) {
	long := strings.Repeat("é", 150) + ".JPG" // 300 bytes of two-byte runes
	tests := []struct{ in, want string }{
		{"IMG_0001.JPG", "IMG_0001.JPG"},
		{"../../etc/passwd.jpg", "passwd.jpg"},
		{`C:\DCIM\100CANON\IMG_0002.CR2`, "IMG_0002.CR2"},
		{".hidden.jpg", "hidden.jpg"},
		{"...", ""},
		{"a\x00b\nc.jpg", "abc.jpg"},
		{"foto: walikota.jpg", "foto walikota.jpg"},
	}
	for _, tt := range tests {
		if got := cleanName(tt.in); got != tt.want {
			t.Errorf("cleanName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	got := cleanName(long)
	if len(got) > 200 || !utf8.ValidString(got) || !strings.HasSuffix(got, ".JPG") {
		t.Errorf("cleanName(300 bytes) = %q (%d bytes): want at most 200 valid bytes keeping .JPG", got, len(got))
	}
}
