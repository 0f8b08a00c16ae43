package metadata

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// maxFFprobeOutput bounds what we accept from ffprobe.
const maxFFprobeOutput = 4 << 20

// ffprobeOut is the part of `ffprobe -show_format -show_streams` we read.
type ffprobeOut struct {
	Streams []struct {
		CodecType string            `json:"codec_type"`
		Width     int               `json:"width"`
		Height    int               `json:"height"`
		Tags      map[string]string `json:"tags"`
		SideData  []struct {
			Rotation *float64 `json:"rotation"`
		} `json:"side_data_list"`
	} `json:"streams"`
	Format struct {
		Duration string            `json:"duration"`
		Tags     map[string]string `json:"tags"`
	} `json:"format"`
}

// probe runs ffprobe on a local file for the containers our own readers do
// not parse (MKV, AVI, MPEG-TS, FLAC, Ogg). It runs without a shell, may
// only open files, and gets the path as "file:<absolute path>" so that a
// name starting with "-" cannot be read as an option.
func probe(ctx context.Context, ffprobe, path string, p props) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("ffprobe %s: %w", path, err)
	}
	cmd := exec.CommandContext(ctx, ffprobe, "-v", "error", "-protocol_whitelist", "file",
		"-print_format", "json", "-show_format", "-show_streams", "file:"+abs)
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("ffprobe %s: %w", path, err)
	}
	if len(out) > maxFFprobeOutput {
		return fmt.Errorf("ffprobe %s: %d bytes of output is too much", path, len(out))
	}
	var r ffprobeOut
	if err := json.Unmarshal(out, &r); err != nil {
		return fmt.Errorf("ffprobe %s: %w", path, err)
	}
	if d, err := strconv.ParseFloat(r.Format.Duration, 64); err == nil {
		p.setDefault("FFprobe:Duration", d)
	}
	tags := r.Format.Tags
	for _, s := range r.Streams {
		if s.CodecType != "video" || s.Width == 0 {
			continue
		}
		p.setDefault("FFprobe:ImageWidth", s.Width)
		p.setDefault("FFprobe:ImageHeight", s.Height)
		for _, sd := range s.SideData {
			if sd.Rotation != nil {
				// Display matrix rotation is anti-clockwise.
				p.setDefault("FFprobe:Rotation", (360-int(*sd.Rotation)%360)%360)
			}
		}
		if r, err := strconv.Atoi(s.Tags["rotate"]); err == nil {
			p.setDefault("FFprobe:Rotation", r)
		}
		if tags["creation_time"] == "" {
			tags = s.Tags
		}
		break
	}
	if ct := tags["creation_time"]; ct != "" {
		if t, err := time.Parse(time.RFC3339Nano, ct); err == nil {
			p.setDefault("FFprobe:CreationTime", t)
		}
	}
	if loc := tags["location"]; loc != "" {
		if c, ok := iso6709(loc); ok {
			p.setDefault("FFprobe:Location", c)
		}
	}
	return nil
}
