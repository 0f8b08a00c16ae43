// Package shares keeps the links the office gives partner media
// (journalists of other outlets, other agencies) to an approved coverage's
// picks, without an account: a 128-bit random token in the link, only its
// SHA-256 in the bank (shares/<sha256>.json), an expiry of at most 30
// days, and a revoke. Whether a coverage may be shared is the collections
// package's rule; this package keeps the links.
package shares

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"mediabank/assets"
	"mediabank/collections"
	"mediabank/internal/defaults"
	"mediabank/internal/derrors"
)

// Prefix is where share records live in the bucket.
const Prefix = "shares/"

// MaxLifetime is the longest a link may live.
const MaxLifetime = 30 * 24 * time.Hour

// What a link hands out: the channel's web picture or the original.
const (
	ChannelWeb      = "web"
	ChannelOriginal = "original"
)

// Errors callers map to answers.
var (
	ErrInvalid  = derrors.New(derrors.Invalid, "invalid share")         // 400
	ErrNotFound = derrors.New(derrors.NotFound, "share not found")      // 404
	ErrGone     = derrors.New(derrors.Gone, "share expired or revoked") // 410
)

// Share is one link. ID is the SHA-256 of its token, safe to show: the
// token cannot be found from it.
type Share struct {
	ID         string     `json:"id"`
	Collection string     `json:"collection"`
	Channel    string     `json:"channel"`
	Assets     []string   `json:"assets"` // what the link shows, in order
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedBy  string     `json:"revoked_by,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Live says whether the link still opens at now, else why not (ErrGone).
func (sh Share) Live(now time.Time) error {
	switch {
	case sh.RevokedAt != nil:
		return fmt.Errorf("share %s: revoked by %s at %s: %w", sh.ID, sh.RevokedBy, sh.RevokedAt.UTC().Format(time.RFC3339), ErrGone)
	case !now.Before(sh.ExpiresAt):
		return fmt.Errorf("share %s: expired at %s: %w", sh.ID, sh.ExpiresAt.UTC().Format(time.RFC3339), ErrGone)
	}
	return nil
}

// Service reads and writes share records.
type Service struct {
	store assets.Store
	now   func() time.Time
}

// New returns a Service over store; now is time.Now when nil (tests pass
// their own clock to see links expire).
func New(store assets.Store, now func() time.Time) *Service {
	return &Service{store: store, now: defaults.Clock(now)}
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// tokenLen is 16 random bytes in unpadded base64url.
const tokenLen = 22

// Key is the record key of share id.
func Key(id string) string { return Prefix + id + ".json" }

// ValidID checks an id from a user before it becomes part of a key.
func ValidID(id string) error {
	if assets.ValidID(id) != nil {
		return fmt.Errorf("share id %q: want 64 lowercase hex digits: %w", id, ErrInvalid)
	}
	return nil
}

// Create makes a link to ids of collection (the caller has checked that
// it may be shared) handing out channel, until expires (after now, at
// most MaxLifetime ahead). The token is returned once and cannot be
// recovered.
func (s *Service) Create(ctx context.Context, by, collection, channel string, ids []string, expires time.Time) (string, Share, error) {
	now := s.now()
	switch {
	case channel != ChannelWeb && channel != ChannelOriginal:
		return "", Share{}, fmt.Errorf("create share: channel %q: want %s or %s: %w", channel, ChannelWeb, ChannelOriginal, ErrInvalid)
	case len(ids) == 0:
		return "", Share{}, fmt.Errorf("create share of %s: no picks to share: %w", collection, ErrInvalid)
	case !expires.After(now):
		return "", Share{}, fmt.Errorf("create share: expires_at %s is not in the future: %w", expires.Format(time.RFC3339), ErrInvalid)
	case expires.Sub(now) > MaxLifetime:
		return "", Share{}, fmt.Errorf("create share: expires_at %s is more than 30 days ahead: %w", expires.Format(time.RFC3339), ErrInvalid)
	}
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	token := base64.RawURLEncoding.EncodeToString(b)
	sh := Share{ID: assets.SecretID(token), Collection: collection, Channel: channel, Assets: slices.Clone(ids),
		CreatedBy: by, CreatedAt: now.UTC(), ExpiresAt: expires.UTC()}
	if _, err := assets.WriteJSON(ctx, s.store, Key(sh.ID), &sh, assets.PutOptions{IfNoneMatch: true}); err != nil {
		return "", Share{}, fmt.Errorf("create share of %s: %w", collection, err)
	}
	return token, sh, nil
}

// Get reads share id and its ETag, live or not.
func (s *Service) Get(ctx context.Context, id string) (Share, string, error) {
	if err := ValidID(id); err != nil {
		return Share{}, "", err
	}
	var sh Share
	etag, err := assets.ReadJSON(ctx, s.store, Key(id), &sh)
	if errors.Is(err, assets.ErrNotFound) {
		return Share{}, "", fmt.Errorf("share %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Share{}, "", fmt.Errorf("read share %s: %w", id, err)
	}
	return sh, etag, nil
}

// Resolve is the share a link's token opens: ErrNotFound for a token that
// was never given, ErrGone once it expired or was revoked.
func (s *Service) Resolve(ctx context.Context, token string) (Share, error) {
	if len(token) != tokenLen || strings.Trim(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return Share{}, fmt.Errorf("share link: %w", ErrNotFound)
	}
	sh, _, err := s.Get(ctx, assets.SecretID(token))
	if err != nil {
		return Share{}, err
	}
	if err := sh.Live(s.now()); err != nil {
		return Share{}, err
	}
	return sh, nil
}

// Revoke ends share id now; revoking it again changes nothing.
func (s *Service) Revoke(ctx context.Context, by, id string) (Share, error) {
	for range 5 {
		sh, etag, err := s.Get(ctx, id)
		if err != nil {
			return Share{}, err
		}
		if sh.RevokedAt != nil {
			return sh, nil
		}
		now := s.now().UTC()
		sh.RevokedAt, sh.RevokedBy = &now, by
		_, err = assets.WriteJSON(ctx, s.store, Key(id), &sh, assets.PutOptions{IfMatch: etag})
		if errors.Is(err, assets.ErrPrecondition) {
			continue
		}
		if err != nil {
			return Share{}, fmt.Errorf("revoke share %s: %w", id, err)
		}
		return sh, nil
	}
	return Share{}, fmt.Errorf("revoke share %s: record kept changing: %w", id, assets.ErrPrecondition)
}

// List is the links of collection, newest first, live or not. It reads
// every share record: links are few (a handful per coverage).
func (s *Service) List(ctx context.Context, collection string) ([]Share, error) {
	var out []Share
	err := s.store.List(ctx, Prefix, func(o assets.Object) error {
		id := strings.TrimSuffix(strings.TrimPrefix(o.Key, Prefix), ".json")
		if Key(id) != o.Key || ValidID(id) != nil {
			return nil
		}
		sh, _, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if sh.Collection == collection {
			out = append(out, sh)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list shares of %s: %w", collection, err)
	}
	slices.SortFunc(out, func(a, b Share) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}

// Coverages is how a link asks whether its coverage may still go out
// (collections.Service is one).
type Coverages interface {
	Exportable(ctx context.Context, id, what string) (*collections.Collection, error)
}

// Opened is what a live link shows: the share, its coverage and the
// records of its media, in order.
type Opened struct {
	Share
	Collection *collections.Collection
	Assets     []*assets.Asset
}

// Open resolves token to what it shows: ErrNotFound for a token never
// given, ErrGone once it expired or was revoked, or when its coverage may
// no longer go out (cancelled since).
func (s *Service) Open(ctx context.Context, token string, cols Coverages) (*Opened, error) {
	sh, err := s.Resolve(ctx, token)
	if err != nil {
		return nil, err
	}
	col, err := cols.Exportable(ctx, sh.Collection, "share")
	if err != nil {
		return nil, fmt.Errorf("share %s: %w: %w", sh.ID, ErrGone, err)
	}
	o := &Opened{Share: sh, Collection: col, Assets: make([]*assets.Asset, len(sh.Assets))}
	for i, id := range sh.Assets {
		if o.Assets[i], _, err = assets.ReadRecord(ctx, s.store, id); err != nil {
			return nil, fmt.Errorf("share %s: asset %s: %w", sh.ID, id, err)
		}
	}
	return o, nil
}
