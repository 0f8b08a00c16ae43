package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"mediabank/assets"
	"mediabank/auth"
	"mediabank/collections"
	"mediabank/search"
)

// actor is the user of the request as the workflow sees them.
func actor(c *gin.Context) collections.Actor {
	u, _ := userOf(c)
	return collections.Actor{User: u.Name, Role: u.Role}
}

// body reads a request body of at most limit bytes for the collections
// decoders, which refuse unknown fields themselves.
func (s *Server) body(c *gin.Context, limit int64) ([]byte, error) {
	if ct := c.ContentType(); ct != "" && ct != "application/json" {
		return nil, errUnsupportedCT
	}
	data, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	if err != nil {
		return nil, errTooLarge
	}
	return data, nil
}

// collectionResponse is the record plus what is computed from it: the
// step that is running past its standard time, if any.
type collectionResponse struct {
	*collections.Collection
	Overdue []collections.OverdueStep `json:"overdue"`
}

// collectionReply answers one collection with its ETag.
func (s *Server) collectionReply(c *gin.Context, status int, col *collections.Collection, etag string) {
	c.Header("ETag", etagOf(etag))
	over := col.Overdue(s.Now(), s.Collections.Standards())
	if over == nil {
		over = []collections.OverdueStep{}
	}
	c.JSON(status, collectionResponse{Collection: col, Overdue: over})
}

func (s *Server) createCollection(c *gin.Context) {
	data, err := s.body(c, 64<<10)
	if err != nil {
		s.fail(c, err)
		return
	}
	ev, err := collections.DecodeEvent(data, s.Zone)
	if err != nil {
		s.fail(c, err)
		return
	}
	col, etag, err := s.Collections.Create(c.Request.Context(), actor(c), ev)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.indexCollection(c, col)
	s.record(c, "collection.create", "collection/"+col.ID, col.Title)
	s.collectionReply(c, http.StatusCreated, col, etag)
}

// listCollections finds collections in the index by the words and fields
// of q (title, agency, place, state, staff, date), newest event first.
func (s *Server) listCollections(c *gin.Context) {
	page, err := intParam(c, "page", 1, 1, 100000)
	if err != nil {
		s.fail(c, err)
		return
	}
	size, err := intParam(c, "size", 50, 1, 500)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	ids, total, err := s.Index.SearchCollections(ctx, c.Query("q"), page, size)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]*collections.Collection, 0, len(ids))
	for _, id := range ids {
		col, _, err := s.Collections.Get(ctx, id)
		if errors.Is(err, collections.ErrNotFound) {
			continue // the index is a view; the bucket decides
		}
		if err != nil {
			s.fail(c, err)
			return
		}
		// A list is not the place for the narrative's history: one
		// collection's page shows it.
		col.Narrative.Revisions = nil
		out = append(out, col)
	}
	c.JSON(http.StatusOK, gin.H{"collections": out, "total": total})
}

// CollectionDoc is what the search index holds of a collection.
func CollectionDoc(col *collections.Collection) search.Collection {
	d := search.Collection{ID: col.ID, Title: col.Title, Agency: col.Agency, Place: col.Place,
		Description: col.Description, State: string(col.State), StartsAt: col.StartsAt}
	for _, a := range slices.Concat(col.ProposedStaff, col.AssignedStaff) {
		if !slices.Contains(d.Staff, a.User) {
			d.Staff = append(d.Staff, a.User)
		}
	}
	return d
}

// indexCollection keeps the index in step with a collection just written.
// The write has happened; a failure to index is logged, and reindex mends.
func (s *Server) indexCollection(c *gin.Context, col *collections.Collection) {
	if err := s.Index.PutCollections(context.WithoutCancel(c.Request.Context()), CollectionDoc(col)); err != nil {
		s.log.Error("index collection", "id", col.ID, "err", err)
	}
}

func (s *Server) getCollection(c *gin.Context) {
	col, etag, err := s.Collections.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.collectionReply(c, http.StatusOK, col, etag)
}

func (s *Server) patchCollection(c *gin.Context) {
	data, err := s.body(c, 1<<20)
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := collections.DecodePatch(data, s.Zone)
	if err != nil {
		s.fail(c, err)
		return
	}
	col, etag, err := s.Collections.Patch(c.Request.Context(), actor(c), c.Param("id"), ifMatch(c), p)
	if err != nil {
		s.fail(c, err)
		return
	}
	if len(p.AddMaterial)+len(p.RemoveMaterial) > 0 {
		if err := s.filer().Note(context.WithoutCancel(c.Request.Context()), col.ID, p.AddMaterial, p.RemoveMaterial); err != nil {
			// The material changed; the records catch up when filed again.
			s.log.Error("note collection in asset records", "collection", col.ID, "err", err)
		}
	}
	s.indexCollection(c, col)
	s.record(c, "collection.edit", "collection/"+col.ID, "")
	s.collectionReply(c, http.StatusOK, col, etag)
}

// actCollection takes one workflow action. The route admits anyone who may
// read the collection; the workflow asks the policy table about the action
// itself (collection.<action>), with the collection's delegation.
func (s *Server) actCollection(c *gin.Context) {
	data, err := s.body(c, 64<<10)
	if err != nil {
		s.fail(c, err)
		return
	}
	a, err := collections.DecodeAction(data)
	if err != nil {
		s.fail(c, err)
		return
	}
	col, etag, err := s.Collections.Act(c.Request.Context(), actor(c), c.Param("id"), ifMatch(c), a)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.indexCollection(c, col)
	s.record(c, "collection."+a.Action, "collection/"+col.ID, a.Note)
	s.collectionReply(c, http.StatusOK, col, etag)
}

// historyStep is one step of the history with its time against the SOP's
// standard.
type historyStep struct {
	collections.Step
	StandardMin float64 `json:"standard_min"`
	ActualMin   float64 `json:"actual_min"`
	Overdue     bool    `json:"overdue"`
}

func (s *Server) collectionHistory(c *gin.Context) {
	col, _, err := s.Collections.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	now := s.Now()
	std := s.Collections.Standards()
	out := make([]historyStep, 0, len(col.History))
	for _, st := range col.History {
		end := now
		if st.End != nil {
			end = *st.End
		}
		limit := std.Of(st.Span)
		actual := end.Sub(st.Start)
		out = append(out, historyStep{Step: st, StandardMin: limit.Minutes(), ActualMin: actual.Minutes(), Overdue: limit > 0 && actual > limit})
	}
	c.JSON(http.StatusOK, gin.H{"id": col.ID, "state": col.State, "history": out})
}

func (s *Server) narrativeDiff(c *gin.Context) {
	col, _, err := s.Collections.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	last := len(col.Narrative.Revisions)
	from, err := intParam(c, "from", last-1, 0, max(last, 1))
	if err != nil {
		s.fail(c, err)
		return
	}
	to, err := intParam(c, "to", last, 0, max(last, 1))
	if err != nil {
		s.fail(c, err)
		return
	}
	diff, err := col.Narrative.Diff(from, to)
	if err != nil {
		s.fail(c, badRequest("%v", err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"from": from, "to": to, "diff": diff})
}

func (s *Server) slaReport(c *gin.Context) {
	from, to, err := s.period(c, collections.ReportDays)
	if err != nil {
		s.fail(c, err)
		return
	}
	rep, err := s.Collections.SLA(c.Request.Context(), from, to)
	if err != nil {
		s.fail(c, err)
		return
	}
	if c.Query("format") == "csv" {
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", `attachment; filename="laporan-waktu-standar.csv"`)
		c.Status(http.StatusOK)
		if err := rep.CSV(c.Writer); err != nil {
			s.log.Error("write SLA CSV", "err", err)
		}
		return
	}
	c.JSON(http.StatusOK, rep)
}

func (s *Server) myAssignments(c *gin.Context) {
	as, err := s.Collections.Assignments(c.Request.Context(), actor(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"assignments": as})
}

// checkCollection makes sure an upload names a collection that exists and
// that the uploader may file material into, before any bytes are taken.
func (s *Server) checkCollection(c *gin.Context, id string) error {
	if err := collections.ValidID(id); err != nil {
		return badRequest("collection %q: %v", id, err)
	}
	return s.Collections.MayAddMaterial(c.Request.Context(), actor(c), id)
}

// Filer files assets into collections: the collection's material and, in
// each asset's record, the list of collections it is in, which search
// filters by. The material is the truth; the records follow it.
type Filer struct {
	Store assets.Store
	Index interface {
		Put(context.Context, ...*assets.Asset) error
	}
	Collections *collections.Service
	Log         *slog.Logger
}

// File adds the assets to collection col's material and notes col in
// their records.
func (f *Filer) File(ctx context.Context, col string, ids ...string) error {
	if err := f.Collections.AddMaterial(ctx, col, ids...); err != nil {
		return err
	}
	return f.Note(ctx, col, ids, nil)
}

// Note records in the assets' records that they joined or left col, and
// re-indexes them. Each record is changed with If-Match, retried when
// someone else wrote it first.
func (f *Filer) Note(ctx context.Context, col string, joined, left []string) error {
	change := func(id string, join bool) error {
		up, err := assets.UpdateRecord(ctx, f.Store, assets.RecordKey(id), assets.UpdateOptions{}, func(a *assets.Asset) error {
			has := slices.Contains(a.Collections, col)
			switch {
			case join && !has:
				a.Collections = append(a.Collections, col)
			case !join && has:
				a.Collections = slices.DeleteFunc(a.Collections, func(c string) bool { return c == col })
			default:
				return assets.ErrUnchanged
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("note %s in collection %s: %w", id, col, err)
		}
		if !up.Written {
			return nil
		}
		return f.Index.Put(ctx, up.Record)
	}
	var errs []error
	for _, id := range joined {
		errs = append(errs, change(id, true))
	}
	for _, id := range left {
		errs = append(errs, change(id, false))
	}
	return errors.Join(errs...)
}

// OnAsset is what an ingest into collection col calls with each asset,
// new or already in the bank: file it. A failure is logged, not fatal:
// the asset is in the bank, and filing it again mends it. Nil without a
// collection.
func (f *Filer) OnAsset(ctx context.Context, col string) func(*assets.Asset) {
	if col == "" {
		return nil
	}
	return func(a *assets.Asset) {
		if err := f.File(ctx, col, a.ID); err != nil {
			f.Log.Error("file asset into collection", "collection", col, "asset", a.ID, "err", err)
		}
	}
}

// WorkflowPolicy lets the collections workflow read the one policy table
// (whose decisions it shares).
func WorkflowPolicy(p auth.Policy) collections.Policy { return p }
