package collections

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
