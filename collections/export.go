package collections

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"mediabank/assets"
)

// Export is one export of a coverage's media for a channel (step 11):
// who made it, when, for which channel, which assets in which order.
type Export struct {
	Channel string    `json:"channel"`
	Assets  []string  `json:"assets"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// MaxExports bounds the exports kept in a record: every read carries
// them. Past it the oldest are let go (the audit log keeps them all).
const MaxExports = 200

// Exportable says whether the coverage's media may leave the bank for a
// channel or a partner: once its narrative is approved, and after. The
// reason otherwise is a StateError (422).
func (c *Collection) Exportable(what string) error {
	if c.State.Released() {
		return nil
	}
	return &StateError{Action: what, Reason: fmt.Sprintf("collection is %s; its media go out once it is approved", c.State)}
}

// Exportable reads collection id and says whether its media may go out
// (see Collection.Exportable); what names the operation in the reason.
func (s *Service) Exportable(ctx context.Context, id, what string) (*Collection, error) {
	c, _, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := c.Exportable(what); err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, id, err)
	}
	return c, nil
}

// RecordExport notes in collection id's record that who exported ids for
// channel. Appending commutes, so a lost race is retried on the new
// version.
func (s *Service) RecordExport(ctx context.Context, who Actor, id, channel string, ids []string) error {
	const attempts = 20
	var lost error
	for range attempts {
		c, etag, err := s.Get(ctx, id)
		if err != nil {
			return fmt.Errorf("record export of %s: %w", id, err)
		}
		if err := c.Exportable("export"); err != nil {
			return fmt.Errorf("record export of %s: %w", id, err)
		}
		c.Exports = append(c.Exports, Export{Channel: channel, Assets: slices.Clone(ids), By: who.User, At: s.now()})
		if n := len(c.Exports); n > MaxExports {
			c.Exports = slices.Delete(c.Exports, 0, n-MaxExports)
		}
		_, err = s.write(ctx, c, assets.PutOptions{IfMatch: etag})
		if err == nil {
			return nil
		}
		if !errors.Is(err, ErrPrecondition) {
			return fmt.Errorf("record export of %s: %w", id, err)
		}
		lost = err
	}
	return fmt.Errorf("record export of %s: gave up after %d attempts: %w", id, attempts, lost)
}

// ExportName is the file name of the n-th picture (from 1) of an export:
// YYYYMMDD-<slug of the title>-NN.jpg.
func (c *Collection) ExportName(n int, zone *time.Location) string {
	return fmt.Sprintf("%s-%02d.jpg", c.ExportStem(zone), n)
}

// ExportStem is what the files of an export are named from:
// YYYYMMDD-<slug of the title>, the date the event's in the office's
// zone, or the record's when the event has none.
func (c *Collection) ExportStem(zone *time.Location) string {
	date := c.StartsAt
	if date.IsZero() {
		date = c.CreatedAt
	}
	return date.In(zone).Format("20060102") + "-" + Slug(c.Title)
}

// maxSlug bounds a slug, so names stay short on every file system.
const maxSlug = 60

// Slug is title in lower-case ASCII letters and digits joined by hyphens,
// safe in a file name on any system: "Upacara HUT RI ke-81" is
// "upacara-hut-ri-ke-81". Accented Latin letters lose their accent;
// anything else separates words. An empty result is "liputan".
func Slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if f, ok := folded[r]; ok {
			r = f
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	s := b.String()
	if len(s) > maxSlug { // at a word's end when there is one
		if i := strings.LastIndexByte(s[:maxSlug+1], '-'); i > 0 {
			s = s[:i]
		} else {
			s = s[:maxSlug]
		}
	}
	if s == "" {
		return "liputan"
	}
	return s
}

// folded are the accented letters of Indonesian and European names.
var folded = map[rune]rune{
	'à': 'a', 'á': 'a', 'â': 'a', 'ä': 'a', 'ã': 'a', 'å': 'a', 'ç': 'c', 'è': 'e', 'é': 'e', 'ê': 'e', 'ë': 'e',
	'ì': 'i', 'í': 'i', 'î': 'i', 'ï': 'i', 'ñ': 'n', 'ò': 'o', 'ó': 'o', 'ô': 'o', 'ö': 'o', 'õ': 'o',
	'ù': 'u', 'ú': 'u', 'û': 'u', 'ü': 'u', 'ý': 'y', 'ÿ': 'y',
}
