package collections

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"mediabank/assets"
	"mediabank/internal/defaults"
	"mediabank/internal/office"
)

// Config is what a Service is built from.
type Config struct {
	Store  assets.Store
	Policy Policy
	// Clock is time.Now unless tests pass their own.
	Clock func() time.Time
	// Standards are DefaultStandards() when zero.
	Standards Standards
	// Logger discards when nil.
	Logger *slog.Logger
	// Zone is the office's, of the dates in collection ids; office.Zone()
	// when nil.
	Zone *time.Location
}

// Service reads and changes collections in the store. Every change is a
// conditional write on the ETag the caller read.
type Service struct {
	store  assets.Store
	policy Policy
	now    func() time.Time
	std    Standards
	log    *slog.Logger
	zone   *time.Location
	listed listCache
}

// listCache keeps the collections List has read, with the ETag each was
// read at. The search page lists every collection on every view, and a
// bank holds one per 200 assets: while the change mark (changedKey) is
// the one of the last listing, and that listing is recent, List answers
// from here; otherwise it lists the keys and reads again only those whose
// ETag changed.
type listCache struct {
	mu   sync.Mutex
	m    map[string]listed // by id
	cols []*Collection     // the last listing, in id order
	mark string            // the change mark's ETag when it was made
	at   time.Time
}

// changedKey is the change mark: every write of a collection through a
// Service writes it again after the record, in whatever process, so one
// Stat tells a List whether any collection was written since it last
// listed. A record changed behind the Services' back (a restore) is seen
// within maxListAge.
const changedKey = Prefix + "changed"

// maxListAge is how long a listing is used while the mark says nothing
// changed.
const maxListAge = time.Minute

type listed struct {
	etag string
	c    *Collection
}

// New checks cfg and fills its defaults.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Policy == nil {
		return nil, errors.New("collections: new service: Store and Policy are required")
	}
	s := &Service{store: cfg.Store, policy: cfg.Policy, now: cfg.Clock, std: cfg.Standards, log: cfg.Logger, zone: cfg.Zone}
	s.now = defaults.Clock(s.now)
	if s.std == (Standards{}) {
		s.std = DefaultStandards()
	}
	if s.zone == nil {
		s.zone = office.Zone()
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return s, nil
}

// Standards are the standard times the service measures against.
func (s *Service) Standards() Standards { return s.std }

// Create stores a new collection for ev in state created, with step 1
// (the order) open. Its id carries the event's date (WIB), or today's.
func (s *Service) Create(ctx context.Context, who Actor, ev Event) (*Collection, string, error) {
	if err := ev.validate(); err != nil {
		return nil, "", fmt.Errorf("create collection: %w", err)
	}
	now := s.now()
	c := &Collection{Event: ev, State: Created, Checklist: DefaultChecklist(), CreatedAt: now, CreatedBy: who.User}
	if err := allowed(s.policy, c, who, "collection.create"); err != nil {
		return nil, "", fmt.Errorf("create collection: %w", err)
	}
	info := workflow[Created]
	c.History = []Step{{Span: Span{info.step, info.through}, Name: info.name, State: Created, Start: now, StartedBy: who.User}}
	date := ev.StartsAt
	if date.IsZero() {
		date = now
	}
	// Three random suffixes colliding on one day means something else is wrong.
	var err error
	for range 3 {
		c.ID, c.Version = newID(date, s.zone), 0
		var etag string
		if etag, err = s.write(ctx, c, assets.PutOptions{IfNoneMatch: true}); err == nil {
			s.log.InfoContext(ctx, "collection created", "id", c.ID, "user", who.User, "title", c.Title)
			return c, etag, nil
		}
		if !errors.Is(err, ErrPrecondition) {
			break
		}
	}
	return nil, "", fmt.Errorf("create collection: %w", err)
}

// Get reads collection id and its ETag.
func (s *Service) Get(ctx context.Context, id string) (*Collection, string, error) {
	if err := ValidID(id); err != nil {
		return nil, "", fmt.Errorf("get collection: %w", err)
	}
	var (
		c    Collection
		etag string
		err  error
	)
	// A store may fail a read that raced a write (ErrPrecondition: S3
	// reads a large object in ranges pinned to one version); reading
	// again sees the new version.
	for range 3 {
		c = Collection{}
		etag, err = assets.ReadJSON(ctx, s.store, Key(id), &c)
		if !errors.Is(err, assets.ErrPrecondition) {
			break
		}
	}
	if errors.Is(err, assets.ErrNotFound) {
		return nil, "", fmt.Errorf("get collection %s: %w: %w", id, ErrNotFound, err)
	}
	if err != nil {
		return nil, "", fmt.Errorf("get collection %s: %w", id, err)
	}
	return &c, etag, nil
}

// List reads every collection in id order. A record that cannot be read is
// logged and left out, so one damaged object does not hide the others.
// The collections are shared with other callers of List: read them, do
// not change them.
func (s *Service) List(ctx context.Context) ([]*Collection, error) {
	mark, err := s.changeMark(ctx)
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", err)
	}
	s.listed.mu.Lock()
	defer s.listed.mu.Unlock()
	if l := &s.listed; l.cols != nil && mark != "" && mark == l.mark && s.now().Sub(l.at) < maxListAge {
		return slices.Clone(l.cols), nil
	}
	var ids, etags []string
	err = s.store.List(ctx, Prefix, func(o assets.Object) error {
		id := strings.TrimSuffix(strings.TrimPrefix(o.Key, Prefix), ".json")
		if Key(id) == o.Key && ValidID(id) == nil {
			ids, etags = append(ids, id), append(etags, o.ETag)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", err)
	}
	kept := make(map[string]listed, len(ids))
	cols := make([]*Collection, 0, len(ids))
	for i, id := range ids {
		if l, ok := s.listed.m[id]; ok && etags[i] != "" && l.etag == etags[i] {
			kept[id] = l
			cols = append(cols, l.c)
			continue
		}
		c, etag, err := s.Get(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("list collections: %w", ctx.Err())
			}
			s.log.WarnContext(ctx, "collection left out of the list", "id", id, "err", err)
			continue
		}
		kept[id] = listed{etag, c}
		cols = append(cols, c)
	}
	// The deleted ones forgotten.
	s.listed.m, s.listed.cols, s.listed.mark, s.listed.at = kept, cols, mark, s.now()
	return slices.Clone(cols), nil
}

// changeMark returns the change mark's ETag, making the mark if the bank
// has none yet (one written before marks were).
func (s *Service) changeMark(ctx context.Context) (string, error) {
	o, err := s.store.Stat(ctx, changedKey)
	if errors.Is(err, assets.ErrNotFound) {
		return s.markChanged(ctx)
	}
	return o.ETag, err
}

// markChanged writes the change mark again, with new bytes (a store may
// take its ETag from them), and returns its ETag.
func (s *Service) markChanged(ctx context.Context) (string, error) {
	var b [16]byte
	rand.Read(b[:])
	mark := hex.EncodeToString(b[:])
	o, err := s.store.Put(ctx, changedKey, strings.NewReader(mark), int64(len(mark)), assets.PutOptions{ContentType: "text/plain"})
	if err != nil {
		return "", fmt.Errorf("write %s: %w", changedKey, err)
	}
	return o.ETag, nil
}

// written marks that collection id was written. A mark that cannot be
// written is logged: the record is, and Lists see it within maxListAge
// (this Service's own at once).
func (s *Service) written(ctx context.Context, id string) {
	if _, err := s.markChanged(ctx); err != nil {
		s.log.WarnContext(ctx, "collections change mark not written", "id", id, "err", err)
		s.listed.mu.Lock()
		s.listed.cols = nil
		s.listed.mu.Unlock()
	}
}

// Patch applies p to collection id if it still has ETag ifMatch. Event,
// picks, cover, narrative and material need the policy's collection.edit,
// checklist ticks collection.equipment_ready, delegation an outright
// collection.approve. Nothing is editable once archived or cancelled, and
// the narrative not while it is reviewed, approved or published.
func (s *Service) Patch(ctx context.Context, who Actor, id, ifMatch string, p Patch) (*Collection, string, error) {
	c, etag, err := s.change(ctx, id, ifMatch, func(c *Collection) error { return c.patch(p, who, s.policy, s.now()) })
	if err != nil {
		return nil, "", fmt.Errorf("patch collection %s: %w", id, err)
	}
	s.log.InfoContext(ctx, "collection edited", "id", id, "user", who.User)
	return c, etag, nil
}

// Act takes workflow action a on collection id if it still has ETag ifMatch.
func (s *Service) Act(ctx context.Context, who Actor, id, ifMatch string, a Action) (*Collection, string, error) {
	var from State
	c, etag, err := s.change(ctx, id, ifMatch, func(c *Collection) error {
		from = c.State
		return c.act(a, who, s.policy, s.now())
	})
	if err != nil {
		return nil, "", fmt.Errorf("%s collection %s: %w", a.Action, id, err)
	}
	s.log.InfoContext(ctx, "collection action", "id", id, "action", a.Action, "user", who.User, "from", from, "to", c.State)
	return c, etag, nil
}

// change applies fn to collection id if it is still at the caller's
// ETag. The conditional write decides races between callers that read
// the same version.
func (s *Service) change(ctx context.Context, id, ifMatch string, fn func(*Collection) error) (*Collection, string, error) {
	ifMatch = strings.Trim(ifMatch, `"`) // as sent in an If-Match header
	if ifMatch == "" {
		return nil, "", ErrPreconditionRequired
	}
	up, err := s.update(ctx, id, assets.UpdateOptions{IfMatch: ifMatch}, fn)
	if err != nil {
		return nil, "", err
	}
	return up.Record, up.ETag, nil
}

// MayAddMaterial says whether who may file material into collection id:
// what a PATCH with add_material asks (collection.edit, and coverage staff
// only into a coverage they are assigned to), and a cancelled coverage
// takes none. Uploads into a collection ask it before taking any bytes.
func (s *Service) MayAddMaterial(ctx context.Context, who Actor, id string) error {
	c, _, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := c.mayAddMaterial(who, s.policy); err != nil {
		return fmt.Errorf("add material to %s: %w", id, err)
	}
	return nil
}

// MayDownload says whether who may download an original filed into the
// collections ids (an asset record's collections); see MayDownload. A
// collection that no longer exists does not count.
func (s *Service) MayDownload(ctx context.Context, who Actor, ids []string) error {
	var cols []*Collection
	for _, id := range ids {
		c, _, err := s.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		cols = append(cols, c)
	}
	return MayDownload(s.policy, who, cols)
}

// AddMaterial files assets into collection id (ingest --collection,
// uploads). Adding commutes, so a lost race is simply retried on the new
// version; ids already there are skipped.
func (s *Service) AddMaterial(ctx context.Context, id string, assetIDs ...string) error {
	if err := validAssets("assets", slices.Compact(slices.Sorted(slices.Values(assetIDs)))); err != nil {
		return fmt.Errorf("add material to %s: %w", id, err)
	}
	up, err := s.update(ctx, id, assets.UpdateOptions{Attempts: 20}, func(c *Collection) error {
		added, err := c.addMaterial(assetIDs)
		if err == nil && !added {
			return assets.ErrUnchanged
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("add material to %s: %w", id, err)
	}
	if up.Written {
		s.log.InfoContext(ctx, "material added", "id", id, "assets", len(assetIDs))
	}
	return nil
}

// update is the read-modify-write of a collection: fn's own errors come
// back as they are, the store's are mapped to this package's.
func (s *Service) update(ctx context.Context, id string, opts assets.UpdateOptions, fn func(*Collection) error) (assets.Updated[Collection], error) {
	if err := ValidID(id); err != nil {
		return assets.Updated[Collection]{}, fmt.Errorf("get collection: %w", err)
	}
	var fnErr error
	up, err := assets.UpdateRecord(ctx, s.store, Key(id), opts, func(c *Collection) error {
		if fnErr = fn(c); fnErr != nil {
			return fnErr
		}
		c.Version++
		c.UpdatedAt = s.now()
		return nil
	})
	if up.Written {
		s.written(ctx, id)
	}
	switch {
	case err == nil || err == fnErr: //nolint:errorlint // fn's error, passed through as it is
	case errors.Is(err, assets.ErrNotFound):
		err = fmt.Errorf("get collection %s: %w: %w", id, ErrNotFound, err)
	case errors.Is(err, assets.ErrPrecondition):
		err = fmt.Errorf("%w: %w", ErrPrecondition, err)
	default:
		err = fmt.Errorf("write collection %s: %w", id, err)
	}
	return up, err
}

// write stores c under the given condition and returns its new ETag.
func (s *Service) write(ctx context.Context, c *Collection, opts assets.PutOptions) (string, error) {
	c.Version++
	c.UpdatedAt = s.now()
	obj, err := assets.WriteJSON(ctx, s.store, Key(c.ID), c, opts)
	if errors.Is(err, assets.ErrPrecondition) {
		return "", fmt.Errorf("%w: %w", ErrPrecondition, err)
	}
	if err != nil {
		return "", fmt.Errorf("write collection %s: %w", c.ID, err)
	}
	s.written(ctx, c.ID)
	return obj.ETag, nil
}

// SLA reports over every collection, for steps that ended in [from, to).
func (s *Service) SLA(ctx context.Context, from, to time.Time) (Report, error) {
	cols, err := s.List(ctx)
	if err != nil {
		return Report{}, err
	}
	return SLA(cols, from, to, s.now(), s.std), nil
}

// Assignments is who's list of collections (GET /me/assignments).
func (s *Service) Assignments(ctx context.Context, who Actor) ([]Assignment, error) {
	cols, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	return Assignments(cols, who, s.now(), s.std), nil
}
