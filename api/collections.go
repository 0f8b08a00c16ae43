package api

import (
	"context"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"mediabank/collections"
	"mediabank/filing"
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
// step that is running past its standard time, if any, and what the
// requesting user may do next (actions, may, tasks, channels), as the
// workflow answers it.
type collectionResponse struct {
	*collections.Collection
	Overdue []collections.OverdueStep `json:"overdue"`
	collections.Options
}

// collectionReply answers one collection with its ETag.
func (s *Server) collectionReply(c *gin.Context, status int, col *collections.Collection, etag string) {
	c.Header("ETag", etagOf(etag))
	over := col.Overdue(s.Now(), s.Collections.Standards())
	if over == nil {
		over = []collections.OverdueStep{}
	}
	c.JSON(status, collectionResponse{Collection: col, Overdue: over, Options: s.Collections.Options(col, actor(c))})
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
	s.filer().Changed(context.WithoutCancel(c.Request.Context()), col)
	s.record(c, "collection.create", "collection/"+col.ID, col.Title)
	s.collectionReply(c, http.StatusCreated, col, etag)
}

// listCollections finds collections in the index by the words and fields
// of q (title, agency, place, state, staff, date), newest event first.
func (s *Server) listCollections(c *gin.Context) {
	page, size, err := pageParams(c, 50, 500)
	if err != nil {
		s.fail(c, err)
		return
	}
	out, total, err := filing.Find(c.Request.Context(), s.Index, s.Collections, c.Query("q"), page, size)
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, col := range out {
		// A list is not the place for the narrative's history: one
		// collection's page shows it.
		col.Narrative.Revisions = nil
	}
	c.JSON(http.StatusOK, gin.H{"collections": out, "total": total})
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
	s.filer().Patched(context.WithoutCancel(c.Request.Context()), col, p)
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
	s.filer().Changed(context.WithoutCancel(c.Request.Context()), col)
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
	steps := col.Timed(s.Now(), s.Collections.Standards())
	out := make([]historyStep, len(steps))
	for i, st := range steps {
		out[i] = historyStep{Step: st.Step, StandardMin: st.Standard.Minutes(), ActualMin: st.Actual.Minutes(), Overdue: st.Overdue}
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
