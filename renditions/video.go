package renditions

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"mediabank/assets"
)

// posterTimeout bounds one ffmpeg run; a poster frame takes well under a
// second, so only a broken or hostile file gets near it.
const posterTimeout = 2 * time.Minute

// poster makes the poster frame and the thumbnail of a video with ffmpeg.
func (m *Maker) poster(ctx context.Context, src Source) ([]Output, error) {
	c, r, err := m.frame(ctx, src)
	if err != nil {
		return nil, err
	}
	var out []Output
	err = m.decoded(ctx, c, r, PreviewEdge, func(img image.Image) error {
		var err error
		out, err = m.previews(ctx, img, 1, nil, []string{assets.Poster, assets.Thumbnail})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("poster of %s: %w", src.Name, m.unusable(ctx, err))
	}
	return out, nil
}

// frame grabs the poster frame of a video with ffmpeg, upright, as a PNG
// ready to decode (with decoded, within the budget).
func (m *Maker) frame(ctx context.Context, src Source) (candidate, io.ReaderAt, error) {
	bin := m.FFmpeg
	if bin == "" {
		bin = "ffmpeg"
	}
	ffmpeg, err := exec.LookPath(bin)
	if err != nil {
		return candidate{}, nil, fmt.Errorf("poster of %s: ffmpeg is needed for video posters and %q was not found (install ffmpeg or set Maker.FFmpeg): %w", src.Name, bin, err)
	}
	in := src.Path
	if in == "" {
		tmp, err := spool(src)
		if err != nil {
			return candidate{}, nil, fmt.Errorf("poster of %s: %w", src.Name, err)
		}
		defer os.Remove(tmp)
		in = tmp
	}
	// An absolute path behind "file:" can be neither an option nor another
	// protocol, whatever the file is called.
	abs, err := filepath.Abs(in)
	if err != nil {
		return candidate{}, nil, fmt.Errorf("poster of %s: %w", src.Name, err)
	}
	// A run that times out while the caller still waits is the file's
	// doing: unusable, unlike the caller giving up.
	fctx, cancel := context.WithTimeout(ctx, posterTimeout)
	defer cancel()
	// One second in skips fade-ins from black; clips shorter than that
	// give no frame there, so they get their first one.
	var frame []byte
	for _, at := range []string{"1", "0"} {
		frame, err = grabFrame(fctx, ffmpeg, abs, at)
		if err != nil || len(frame) > 0 {
			break
		}
	}
	if err != nil {
		return candidate{}, nil, fmt.Errorf("poster of %s: %w", src.Name, m.unusable(ctx, err))
	}
	if len(frame) == 0 {
		return candidate{}, nil, fmt.Errorf("poster of %s: ffmpeg found no video frame: %w", src.Name, ErrUnusable)
	}
	c := candidate{what: "video frame", n: int64(len(frame)), format: "png"}
	r := bytes.NewReader(frame)
	if err := c.config(r); err != nil {
		return candidate{}, nil, fmt.Errorf("poster of %s: %w", src.Name, m.unusable(ctx, err))
	}
	return c, r, nil
}

// grabFrame returns the frame at second at of file as PNG, or nothing if
// the video ends before it. ffmpeg applies the rotation the file asks for.
func grabFrame(ctx context.Context, ffmpeg, file, at string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, ffmpeg,
		"-nostdin", "-hide_banner", "-loglevel", "error",
		"-protocol_whitelist", "file",
		"-ss", at, "-i", "file:"+file,
		"-frames:v", "1", "-an", "-sn", "-dn",
		"-pix_fmt", "rgb24", "-c:v", "png", "-f", "image2pipe", "pipe:1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ffmpeg %s: %w", file, ctx.Err())
		}
		return nil, fmt.Errorf("ffmpeg %s: %w: %s", file, err, tail(stderr.String(), 400))
	}
	return stdout.Bytes(), nil
}

// tail is the end of ffmpeg's messages, where the reason is.
func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}

// spool copies a video that has no local path to a temporary file for
// ffmpeg, keeping its extension as a hint.
func spool(src Source) (string, error) {
	f, err := os.CreateTemp("", "mediabank-video-*."+assets.Ext(src.Name))
	if err != nil {
		return "", fmt.Errorf("spool video: %w", err)
	}
	_, err = io.Copy(f, io.NewSectionReader(src.R, 0, src.Size))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("spool video to %s: %w", f.Name(), err)
	}
	return f.Name(), nil
}
