package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"mediabank/audit"
)

// auditEntries reads today's audit log straight from the bank.
func (h *harness) auditEntries(t *testing.T) []audit.Entry {
	t.Helper()
	now := time.Now()
	es, err := h.srv.Audit.List(t.Context(), now.Add(-24*time.Hour), now.Add(24*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// findAudit is the first entry with this action whose target or detail
// holds want, or nil.
func findAudit(es []audit.Entry, action, want string) *audit.Entry {
	for i, e := range es {
		if e.Action == action && (strings.Contains(e.Target, want) || strings.Contains(e.Detail, want)) {
			return &es[i]
		}
	}
	return nil
}

// TestUploadIntoCoverage: uploading into a coverage asks what adding
// material by PATCH asks (issue 10 #3): staff not assigned to it are
// refused with 403 before any byte is spooled; the assigned staff may, and
// the audit entry names the collection.
func TestUploadIntoCoverage(t *testing.T) {
	h := newHarness(t, diskStore(t))
	s := seed(t, h) // its coverage is assigned to "staff"
	h.addUser(t, "staff", "staff")
	h.addUser(t, "outsider", "staff")
	h.addUser(t, "editor", "editor")
	for _, tc := range []struct {
		who  string
		role string
		want int
	}{
		{"outsider", "staff", http.StatusForbidden},
		{"staff", "staff", http.StatusAccepted},
		{"editor", "editor", http.StatusAccepted},
	} {
		t.Run(tc.who, func(t *testing.T) {
			c := h.login(t, tc.who, tc.role)
			body, ct := multipartBody(t, s.collection, part{"DSCF0002.JPG", s.photo})
			r := h.send(t, c, req{method: "POST", path: "/api/v1/uploads", body: body, ctype: ct})
			if r.status != tc.want {
				t.Fatalf("upload into %s as %s: %v, want %d", s.collection, tc.who, r, tc.want)
			}
			if r.status != http.StatusAccepted {
				return
			}
			var job struct{ ID string }
			decode(t, r, &job)
			h.waitJob(t, c, job.ID)
			e := findAudit(h.auditEntries(t), "upload", job.ID)
			if e == nil || e.User != tc.who || !strings.Contains(e.Detail, s.collection) {
				t.Errorf("audit entry of the upload = %+v, want one by %s naming collection %s", e, tc.who, s.collection)
			}
		})
	}
}
