package api

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"mediabank/assets"
	"mediabank/auth"
	"mediabank/ingest"
)

// seesServerPaths: where on the server a card or an upload was read from
// is for whom the policy table lets see it (server.paths, admins).
func (s *Server) seesServerPaths(c *gin.Context) bool {
	u, _ := userOf(c)
	return s.Policy.Decide(u.Role, auth.ActionServerPaths) == auth.Allow
}

// assetFor is a for this caller: without the ingested root, unless the
// caller may see server paths. a is changed in place (a fresh read).
func (s *Server) assetFor(c *gin.Context, a *assets.Asset) *assets.Asset {
	if s.seesServerPaths(c) {
		return a
	}
	a.Source.Root = ""
	for i := range a.AlsoSeenAs {
		a.AlsoSeenAs[i].Root = ""
	}
	return a
}

// jobFor is j for this caller: unless the caller may see server paths,
// the roots are their last element and paths in failures and errors are
// relative to the root they were found under.
func (s *Server) jobFor(c *gin.Context, j ingest.Job) ingest.Job {
	if s.seesServerPaths(c) {
		return j
	}
	roots := strings.Split(j.Source, ", ")
	var names []string
	for _, r := range roots {
		names = append(names, filepath.Base(r))
	}
	if j.Kind == "upload" {
		names = []string{"upload"} // the spool folder's name says nothing
	}
	j.Source = strings.Join(names, ", ")
	rel := func(s string) string {
		for _, r := range roots {
			if r != "" {
				s = strings.ReplaceAll(s, r+string(filepath.Separator), "")
				s = strings.ReplaceAll(s, r, filepath.Base(r))
			}
		}
		return s
	}
	j.Error = rel(j.Error)
	if j.Report != nil {
		rep := *j.Report
		rep.Failures = slices.Clone(rep.Failures)
		for i, f := range rep.Failures {
			rep.Failures[i] = ingest.Failure{Path: rel(f.Path), Error: rel(f.Error)}
		}
		j.Report = &rep
	}
	return j
}

// jobsFor is jobFor over a list.
func (s *Server) jobsFor(c *gin.Context, js []ingest.Job) []ingest.Job {
	out := make([]ingest.Job, len(js))
	for i, j := range js {
		out[i] = s.jobFor(c, j)
	}
	return out
}
