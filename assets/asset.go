package assets

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

// Asset is the record of one original in the bank, stored as JSON under
// RecordKey(ID). The ID is the SHA-256 of the original's bytes, so the same
// file under two names is one asset.
type Asset struct {
	ID       string `json:"id"`
	SHA256   string `json:"sha256"`
	Size     int64  `json:"size"`
	FileName string `json:"file_name"` // name on the card, as the camera wrote it
	Original string `json:"original"`  // key of the original bytes
	// Source is where the first copy came from.
	Source Source `json:"source"`
	// AlsoSeenAs lists later sightings of the same bytes under other names.
	AlsoSeenAs []Source `json:"also_seen_as,omitempty"`
	// Collection is the collection the asset was ingested into (where it
	// came from); Collections every collection whose material it is part
	// of now, which search filters by.
	Collection  string   `json:"collection,omitempty"`
	Collections []string `json:"collections,omitempty"`
	// Sidecar is the key of an XMP sidecar kept beside the original.
	Sidecar string `json:"sidecar,omitempty"`
	// Stack links RAW+JPEG pairs of one shot: the shared base name.
	Stack string `json:"stack,omitempty"`
	// Meta is what the file says; Edits are what people said, which win.
	Meta       Metadata             `json:"meta"`
	Edits      map[string]Edit      `json:"edits,omitempty"`
	Renditions map[string]Rendition `json:"renditions,omitempty"`
	// RenditionFailure says why no renditions could be made of the file,
	// so that they are not tried again on every request for them.
	RenditionFailure *RenditionFailure `json:"rendition_failure,omitempty"`
	// Crops are the frames people chose, keyed by aspect ratio ("4:5"), so
	// every channel of that shape posts the same frame; Focus is the point
	// a default crop centres on. Both are edits: a re-scan keeps them.
	Crops     map[string]Crop `json:"crops,omitempty"`
	Focus     *Focus          `json:"focus,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

// Source is one sighting of an original: which file, from which ingest.
type Source struct {
	Path       string    `json:"path"`            // path relative to the ingested root
	Root       string    `json:"root,omitempty"`  // the folder or card that was ingested
	Label      string    `json:"label,omitempty"` // card volume label, when known
	Host       string    `json:"host,omitempty"`
	IngestID   string    `json:"ingest_id"`
	IngestedAt time.Time `json:"ingested_at"`
	ModTime    time.Time `json:"mod_time,omitempty"`
}

// Edit is a value a person set, with who and when, so a re-scan of the file
// never overwrites it.
type Edit struct {
	Value any       `json:"value"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
}

// Rect is a rectangle in the coordinates of the upright picture (after
// its EXIF orientation is applied), each value a fraction 0..1 of the
// upright width or height, so it holds for every size of the picture.
type Rect struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// Crop is a frame a person chose for one aspect ratio, with who and when.
type Crop struct {
	Rect
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// Focus is the point of interest a person set, as fractions of the upright
// width and height: default crops are centred on it.
type Focus struct {
	X  float64   `json:"x"`
	Y  float64   `json:"y"`
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// Rendition is a derived image stored beside the original.
type Rendition struct {
	Key    string `json:"key"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Size   int64  `json:"size"`
	MIME   string `json:"mime"`
}

// RenditionFailure is why the renditions of a file could not be made (it
// is broken, hostile, or too large to decode), and when that was found.
type RenditionFailure struct {
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Rendition names.
const (
	Thumbnail = "thumbnail" // long edge 320 px
	Preview   = "preview"   // long edge 1600 px
	Poster    = "poster"    // a frame of a video
)

// Bucket layout. Everything lives under these prefixes; see README.md.
const (
	OriginalsPrefix  = "originals/"
	RecordsPrefix    = "assets/"
	RenditionsPrefix = "renditions/"
	IngestLogPrefix  = "log/ingest/"
	StagingPrefix    = "staging/"
)

// StagingKeep is an empty object that stays under StagingPrefix, which
// staging keys sit directly under (staging/<ingest-id>-<random>), so
// that the prefix is never empty. MinIO keeps a key's parent as a
// directory, removes it when a delete leaves it empty, and answers
// AccessDenied to a put that was renaming into it meanwhile: files
// staged and deleted side by side under one prefix made about one put
// in 2,000 fail on a busy machine, and none with this object beside
// them.
const StagingKeep = StagingPrefix + ".keep"

// OriginalKey is where the bytes with this SHA-256 live.
func OriginalKey(sha string) string {
	return OriginalsPrefix + "sha256/" + sha[:2] + "/" + sha
}

// RecordKey is where the JSON record of asset id lives.
func RecordKey(id string) string { return RecordsPrefix + id + ".json" }

// SidecarKey is where an XMP sidecar of asset id lives.
func SidecarKey(id string) string { return OriginalsPrefix + "sidecars/" + id + ".xmp" }

// RenditionKey is where rendition name of asset id lives.
func RenditionKey(id, name, ext string) string {
	return RenditionsPrefix + id[:2] + "/" + id + "/" + name + "." + ext
}

// IDFromRecordKey returns the asset id of a record key, or "" if key is
// not a record key.
func IDFromRecordKey(key string) string {
	if !strings.HasPrefix(key, RecordsPrefix) || !strings.HasSuffix(key, ".json") {
		return ""
	}
	id := strings.TrimSuffix(strings.TrimPrefix(key, RecordsPrefix), ".json")
	if ValidID(id) != nil {
		return ""
	}
	return id
}

// ValidID checks that id is a lowercase hex SHA-256, which also makes it
// safe to use in keys and paths.
func ValidID(id string) error {
	if len(id) != 64 {
		return fmt.Errorf("asset id %q: want 64 hex digits", id)
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return fmt.Errorf("asset id %q: want lowercase hex", id)
		}
	}
	return nil
}

// SecretID is the id a secret (an API token, a share link's token) is
// kept under: its hex SHA-256, so the bank never holds the secret itself.
// ValidID checks such ids too.
func SecretID(secret string) string {
	return Sum([]byte(secret))
}

// Sum is the hex SHA-256 of b: the id of an original with these bytes,
// and the checksum a Store verifies (PutOptions.SHA256).
func Sum(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Ext is the lower-case extension of a file name without the dot.
func Ext(name string) string {
	return strings.TrimPrefix(strings.ToLower(path.Ext(name)), ".")
}

// editField is one metadata field people may change: how an edit is
// applied over what the file says, and the field's value as text.
type editField struct {
	list  bool // a list of words, edited as JSON strings; else one text
	apply func(m *Metadata, v any)
	text  func(m *Metadata) *string // nil for a list
	words func(m *Metadata) []string
}

func textField(f func(m *Metadata) *string) editField {
	return editField{text: f, apply: func(m *Metadata, v any) { *f(m), _ = v.(string) }}
}

func listField(f func(m *Metadata) *[]string) editField {
	return editField{list: true, apply: func(m *Metadata, v any) { *f(m) = stringsOf(v) }, words: func(m *Metadata) []string { return *f(m) }}
}

// editable names the fields people may change. Read-only after init.
var editable = map[string]editField{
	"caption":   textField(func(m *Metadata) *string { return &m.Caption }),
	"headline":  textField(func(m *Metadata) *string { return &m.Headline }),
	"creator":   textField(func(m *Metadata) *string { return &m.Creator }),
	"credit":    textField(func(m *Metadata) *string { return &m.Credit }),
	"copyright": textField(func(m *Metadata) *string { return &m.Copyright }),
	"place":     textField(func(m *Metadata) *string { return &m.Place }),
	"city":      textField(func(m *Metadata) *string { return &m.City }),
	"country":   textField(func(m *Metadata) *string { return &m.Country }),
	"keywords":  listField(func(m *Metadata) *[]string { return &m.Keywords }),
	"people":    listField(func(m *Metadata) *[]string { return &m.People }),
}

// IsListField tells whether editable field name is a list of words
// (keywords, people) rather than one text.
func IsListField(name string) bool { return editable[name].list }

// FieldText is the value of editable field name as a person edits it:
// lists joined with ", "; "" for a field that is not editable.
func (m Metadata) FieldText(name string) string {
	f, ok := editable[name]
	switch {
	case !ok:
		return ""
	case f.list:
		return strings.Join(f.words(&m), ", ")
	}
	return *f.text(&m)
}

// Effective returns the metadata with people's edits applied over what the
// file says: what search and the pages show.
func (a *Asset) Effective() Metadata {
	m := a.Meta
	for field, e := range a.Edits {
		if f, ok := editable[field]; ok {
			f.apply(&m, e.Value)
		}
	}
	return m
}

// EditableFields lists the metadata fields people may change.
func EditableFields() []string {
	out := make([]string, 0, len(editable))
	for f := range editable {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// stringsOf accepts both []string and the []any that JSON decoding gives.
func stringsOf(v any) []string {
	switch v := v.(type) {
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
