package assets

import "time"

// Kind is what a file is to the office, which decides how it is shown.
type Kind string

const (
	KindPhoto    Kind = "photo"
	KindVideo    Kind = "video"
	KindAudio    Kind = "audio"
	KindDocument Kind = "document"
)

// Metadata is what a file says about itself, as extracted from its EXIF,
// IPTC, XMP or container headers. JSON keys are those of
// `mediabank inspect`; unknown values are omitted.
type Metadata struct {
	MIME         string     `json:"mime,omitempty"`
	Kind         Kind       `json:"kind,omitempty"`
	Width        int        `json:"width,omitempty"`
	Height       int        `json:"height,omitempty"`
	Orientation  int        `json:"orientation,omitempty"` // EXIF 1..8
	TakenAt      *time.Time `json:"taken_at,omitempty"`
	Make         string     `json:"make,omitempty"`
	Model        string     `json:"model,omitempty"`
	Lens         string     `json:"lens,omitempty"`
	ExposureTime float64    `json:"exposure_time,omitempty"` // seconds
	FNumber      float64    `json:"f_number,omitempty"`
	ISO          int        `json:"iso,omitempty"`
	FocalLength  float64    `json:"focal_length,omitempty"` // mm
	GPS          *GPS       `json:"gps,omitempty"`
	Caption      string     `json:"caption,omitempty"`
	Headline     string     `json:"headline,omitempty"`
	Keywords     []string   `json:"keywords,omitempty"`
	Creator      string     `json:"creator,omitempty"`
	Copyright    string     `json:"copyright,omitempty"`
	People       []string   `json:"people,omitempty"` // people shown
	Place        string     `json:"place,omitempty"`  // the venue, finer than the city
	Credit       string     `json:"credit,omitempty"`
	City         string     `json:"city,omitempty"`
	Country      string     `json:"country,omitempty"`
	Duration     float64    `json:"duration,omitempty"` // seconds, video and audio
	Rotation     int        `json:"rotation,omitempty"` // degrees, video
	// Sources names where each value came from (field -> "EXIF:Model",
	// "XMP-dc:description", "IPTC:Caption-Abstract", "QuickTime:…"), so
	// that precedence decisions can be audited.
	Sources  map[string]string `json:"sources,omitempty"`
	Warnings []string          `json:"warnings,omitempty"`
}

// GPS is a position in signed decimal degrees (WGS 84) and metres.
type GPS struct {
	Lat float64  `json:"lat"`
	Lon float64  `json:"lon"`
	Alt *float64 `json:"alt,omitempty"`
}
