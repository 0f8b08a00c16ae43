package web

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"mediabank/auth"
	"mediabank/collections"
	"mediabank/ingest"
)

// actor is the user as the workflow sees them.
func actor(u *auth.User) collections.Actor { return collections.Actor{User: u.Name, Role: u.Role} }

// Standard-time states of a step, as the dashboard colours them.
const (
	slaWaiting = "waiting" // outside the SOP's timed steps
	slaOnTime  = "ontime"
	slaDueSoon = "duesoon" // three quarters of the standard used
	slaOverdue = "overdue"
)

// slaState says how the open step of c does against its standard at now.
func slaState(c *collections.Collection, now time.Time, std collections.Standards) (state string, since time.Time, limit time.Duration) {
	n := len(c.History)
	if n == 0 || c.History[n-1].End != nil || c.History[n-1].Step == 0 {
		return slaWaiting, time.Time{}, 0
	}
	st := c.History[n-1]
	limit = std.Of(st.Span)
	ran := now.Sub(st.Start)
	switch {
	case ran > limit:
		return slaOverdue, st.Start, limit
	case ran*4 >= limit*3:
		return slaDueSoon, st.Start, limit
	}
	return slaOnTime, st.Start, limit
}

type assignmentRow struct {
	collections.Assignment
	SLA   string
	Since time.Time
	Due   time.Time
}

type jobRow struct {
	ingest.Job
	Percent int
}

func jobRowOf(j ingest.Job) jobRow {
	p := 0
	if j.BytesTotal > 0 {
		p = int(100 * j.BytesDone / j.BytesTotal)
	}
	if j.State != "running" {
		p = 100
	}
	return jobRow{Job: j, Percent: p}
}

func (s *site) dashboard(c *gin.Context, v *view) error {
	ctx := c.Request.Context()
	cols, err := s.Collections.List(ctx)
	if err != nil {
		return err
	}
	now := s.Now()
	std := s.Collections.Standards()
	byID := map[string]*collections.Collection{}
	for _, col := range cols {
		byID[col.ID] = col
	}
	var mine []assignmentRow
	for _, a := range collections.Assignments(cols, actor(v.User), now, std) {
		r := assignmentRow{Assignment: a}
		var limit time.Duration
		r.SLA, r.Since, limit = slaState(byID[a.Collection], now, std)
		if !r.Since.IsZero() {
			r.Due = r.Since.Add(limit)
		}
		mine = append(mine, r)
	}
	// Who must act now first, then the rest, each by urgency.
	rank := map[string]int{slaOverdue: 0, slaDueSoon: 1, slaOnTime: 2, slaWaiting: 3}
	slices.SortStableFunc(mine, func(a, b assignmentRow) int {
		if a.ActsNext != b.ActsNext {
			if a.ActsNext {
				return -1
			}
			return 1
		}
		return cmp.Compare(rank[a.SLA], rank[b.SLA])
	})
	var jobs []jobRow
	for _, j := range s.Jobs.List() {
		if len(jobs) < 10 {
			jobs = append(jobs, jobRowOf(j))
		}
	}
	latest := slices.Clone(cols)
	slices.SortFunc(latest, func(a, b *collections.Collection) int { return b.CreatedAt.Compare(a.CreatedAt) })
	latest = latest[:min(len(latest), 8)]
	v.Title, v.Nav = s.cat.text(v.Lang, "nav.dashboard"), "dashboard"
	v.Data = struct {
		Assignments []assignmentRow
		Jobs        []jobRow
		Latest      []*collections.Collection
		Now         time.Time
	}{mine, jobs, latest, now}
	s.render(c, http.StatusOK, "dashboard", v)
	return nil
}
