package renditions

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mediabank/assets"
)

func needFFmpeg(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		missing(t, "ffmpeg")
	}
}

// TestPosterSpooled checks a video given only as bytes, under a name that
// ffmpeg would otherwise read as an option.
func TestPosterSpooled(t *testing.T) {
	needFFmpeg(t)
	b, err := os.ReadFile(filepath.Join(testdata(t), "video", "clip_720p_gps.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := (&Maker{}).Make(context.Background(), Source{Name: "-i evil.mp4", Kind: assets.KindVideo, R: bytes.NewReader(b), Size: int64(len(b))})
	if err != nil {
		t.Fatal(err)
	}
	if p := byName(t, out)[assets.Poster]; p.Width != 1280 || p.Height != 720 {
		t.Errorf("poster %dx%d, want 1280x720", p.Width, p.Height)
	}
}

// TestNoFFmpeg checks that a missing ffmpeg is said plainly.
func TestNoFFmpeg(t *testing.T) {
	f := filepath.Join(testdata(t), "video", "clip_720p_gps.mp4")
	_, err := makeFile(t, &Maker{FFmpeg: filepath.Join(t.TempDir(), "no-ffmpeg-here")}, f, 0)
	if err == nil || !strings.Contains(err.Error(), "ffmpeg is needed") {
		t.Errorf("err = %v, want one saying ffmpeg is needed", err)
	}
}

// TestIcons checks the type icons of audio and documents: real pictures,
// not blank, and different for each kind.
func TestIcons(t *testing.T) {
	td := testdata(t)
	files := []string{"formats/MP3.mp3", "formats/RIFF.wav", "formats/QuickTime.m4a", "formats/PDF.pdf"}
	icons := map[string][256]float64{}
	for _, f := range files {
		out, err := makeFile(t, &Maker{}, filepath.Join(td, f), 0)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		th := byName(t, out)[assets.Thumbnail]
		img := decoded(t, th)
		if th.Width != ThumbnailEdge || th.Height != ThumbnailEdge {
			t.Errorf("%s: icon %dx%d, want %dx%d", f, th.Width, th.Height, ThumbnailEdge, ThumbnailEdge)
		}
		colours := map[uint32]bool{}
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y += 4 {
			for x := b.Min.X; x < b.Max.X; x += 4 {
				r, g, bl, _ := img.At(x, y).RGBA()
				colours[r>>8<<16|g>>8<<8|bl>>8] = true
			}
		}
		if len(colours) < 4 {
			t.Errorf("%s: icon has %d colours, want a drawing", f, len(colours))
		}
		icons[f] = grey16(img)
	}
	if d := meanDiff(icons["formats/MP3.mp3"], icons["formats/PDF.pdf"]); d < 5 {
		t.Errorf("audio and PDF icons differ by %.1f grey levels, want them told apart", d)
	}
}
