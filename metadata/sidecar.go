package metadata

import (
	"fmt"
	"io"
	"maps"
	"time"

	"mediabank/assets"
)

// ParseXMPSidecar reads an XMP sidecar (.xmp) as written by Lightroom,
// Photo Mechanic or Bridge. Times without an offset are read in e.Zone.
func (e *Extractor) ParseXMPSidecar(r io.Reader) (assets.Metadata, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxXMPBytes+1))
	if err != nil {
		return assets.Metadata{}, fmt.Errorf("xmp sidecar: %w", err)
	}
	if len(b) > maxXMPBytes {
		return assets.Metadata{}, fmt.Errorf("xmp sidecar: larger than %d MB", maxXMPBytes>>20)
	}
	p := props{}
	if err := parseXMP(b, p); err != nil {
		return assets.Metadata{}, fmt.Errorf("xmp sidecar: %w", err)
	}
	if len(p) == 0 {
		return assets.Metadata{}, fmt.Errorf("xmp sidecar: no XMP properties found")
	}
	return resolve(p, "", e.zone()), nil
}

// MergeSidecar combines what a file says with its XMP sidecar. The sidecar
// wins for the newsroom fields (caption, headline, keywords, creator,
// copyright, city, country), as Lightroom and Photo Mechanic write edits
// there and leave the original untouched; for the other fields it only
// fills gaps (e.g. GPS added by geotagging a RAW).
func MergeSidecar(file, sidecar assets.Metadata) assets.Metadata {
	m := file
	m.Sources = maps.Clone(file.Sources)
	if m.Sources == nil {
		m.Sources = map[string]string{}
	}
	from := func(field string) { m.Sources[field] = "sidecar " + sidecar.Sources[field] }
	win := func(field string, dst *string, v string) {
		if v != "" {
			*dst = v
			from(field)
		}
	}
	win("caption", &m.Caption, sidecar.Caption)
	win("headline", &m.Headline, sidecar.Headline)
	win("creator", &m.Creator, sidecar.Creator)
	win("copyright", &m.Copyright, sidecar.Copyright)
	win("city", &m.City, sidecar.City)
	win("country", &m.Country, sidecar.Country)
	if len(sidecar.Keywords) > 0 {
		m.Keywords = sidecar.Keywords
		from("keywords")
	}

	fill := func(field string, dst *string, v string) {
		if *dst == "" && v != "" {
			*dst = v
			from(field)
		}
	}
	fill("make", &m.Make, sidecar.Make)
	fill("model", &m.Model, sidecar.Model)
	fill("lens", &m.Lens, sidecar.Lens)
	fillNum := func(field string, dst *float64, v float64) {
		if *dst == 0 && v != 0 {
			*dst = v
			from(field)
		}
	}
	fillNum("exposure_time", &m.ExposureTime, sidecar.ExposureTime)
	fillNum("f_number", &m.FNumber, sidecar.FNumber)
	fillNum("focal_length", &m.FocalLength, sidecar.FocalLength)
	if m.ISO == 0 && sidecar.ISO != 0 {
		m.ISO = sidecar.ISO
		from("iso")
	}
	if m.Orientation == 0 && sidecar.Orientation != 0 {
		m.Orientation = sidecar.Orientation
		from("orientation")
	}
	if m.TakenAt == nil && sidecar.TakenAt != nil {
		t := time.Time(*sidecar.TakenAt)
		m.TakenAt = &t
		from("taken_at")
	}
	if m.GPS == nil && sidecar.GPS != nil {
		g := *sidecar.GPS
		m.GPS = &g
		from("gps")
	}
	if len(m.Sources) == 0 {
		m.Sources = nil
	}
	return m
}
