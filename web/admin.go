package web

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"mediabank/auth"
	"mediabank/collections"
	"mediabank/internal/office"
)

type reportRow struct {
	collections.StepStats
	// Percent of the standard the median took, capped for the bar.
	Bar, Max int
}

func (s *site) reportPage(c *gin.Context, v *view) error {
	if !v.May(auth.ActionReportRead) {
		return fmt.Errorf("report: %w", errForbidden)
	}
	now := s.Now().In(s.Zone)
	from, to := dateOnly(c.Query("from")), dateOnly(c.Query("to"))
	if from == "" {
		from = now.AddDate(0, 0, -collections.ReportDays).Format(time.DateOnly)
	}
	if to == "" {
		to = now.Format(time.DateOnly)
	}
	f, t, err := office.ParsePeriod(from, to, collections.ReportDays, now, s.Zone) // whole days: dateOnly checked them
	if err != nil {
		return err
	}
	rep, err := s.Collections.SLA(c.Request.Context(), f, t)
	if err != nil {
		return err
	}
	var rows []reportRow
	for _, st := range rep.Steps {
		r := reportRow{StepStats: st, Max: 200}
		if st.StandardMinutes > 0 {
			r.Bar = min(int(100*st.MedianMinutes/st.StandardMinutes), r.Max)
		}
		rows = append(rows, r)
	}
	v.Title, v.Nav = s.cat.text(v.Lang, "nav.report"), "report"
	v.Data = struct {
		From, To string
		Rows     []reportRow
		Overdue  []collections.OverdueStep
		CSV      string
	}{from, to, rows, rep.Overdue, "/api/v1/reports/sla?" + url.Values{"from": {from}, "to": {to}, "format": {"csv"}}.Encode()}
	s.render(c, http.StatusOK, "report", v)
	return nil
}

func (s *site) usersPage(c *gin.Context, v *view) error {
	if !v.May(auth.ActionUserManage) {
		return fmt.Errorf("users: %w", errForbidden)
	}
	us, err := s.Users.List(c.Request.Context())
	if err != nil {
		return err
	}
	v.Title, v.Nav = s.cat.text(v.Lang, "nav.users"), "users"
	v.Data = struct {
		Users []auth.User
		Roles []string
	}{us, auth.Roles()}
	s.render(c, http.StatusOK, "users", v)
	return nil
}
