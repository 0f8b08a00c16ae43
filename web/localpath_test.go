package web

import "testing"

// TestLocalPath: a place to go after login stays on this site even after a
// browser strips tabs and newlines from it and reads '\' as '/'.
func TestLocalPath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/liputan", "/liputan"},
		{"/cari?q=banjir&page=2", "/cari?q=banjir&page=2"},
		{"/aset/abc#x", "/aset/abc#x"},
		{"", "/beranda"},
		{"liputan", "/beranda"},
		{"//evil.example", "/beranda"},
		{`/\evil.example`, "/beranda"},
		{`\\evil.example`, "/beranda"},
		{"/\t/evil.example", "/beranda"},
		{"/\n/evil.example", "/beranda"},
		{"/\r/evil.example", "/beranda"},
		{"\t//evil.example", "/beranda"},
		{"/\\\t\\evil.example", "/beranda"},
		{"https://evil.example", "/beranda"},
		{"javascript:alert(1)", "/beranda"},
		{" /evil", "/beranda"},
		{"/a\x00b", "/beranda"},
		{"/a\x7fb", "/beranda"},
		{"/beranda\r\nSet-Cookie: x", "/beranda"},
		{"/cari\u2028x", "/beranda"},
	} {
		if got := localPath(tc.in); got != tc.want {
			t.Errorf("localPath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
