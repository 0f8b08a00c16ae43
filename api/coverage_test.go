package api_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/assets/s3store"
	"mediabank/assets/storetest"
	"mediabank/audit"
	"mediabank/collections"
	"mediabank/internal/testfiles"
)

// coverage drives one collection through the API.
type coverage struct {
	h    *harness
	id   string
	root *caller // reads the collection for its current ETag
}

// current reads the collection and its ETag.
func (f *coverage) current(t *testing.T) (*collections.Collection, string) {
	t.Helper()
	r := f.h.send(t, f.root, req{method: "GET", path: "/api/v1/collections/" + f.id})
	if r.status != http.StatusOK {
		t.Fatalf("GET collection: %v", r)
	}
	var c collections.Collection
	decode(t, r, &c)
	return &c, etag(t, r)
}

// act posts an action with the collection's current ETag.
func (f *coverage) act(t *testing.T, who *caller, body string) reply {
	t.Helper()
	_, tag := f.current(t)
	return f.h.send(t, who, req{method: "POST", path: "/api/v1/collections/" + f.id + "/actions", body: []byte(body), header: map[string]string{"If-Match": tag}})
}

// patch sends a PATCH with the collection's current ETag.
func (f *coverage) patch(t *testing.T, who *caller, body string) reply {
	t.Helper()
	_, tag := f.current(t)
	return f.h.send(t, who, req{method: "PATCH", path: "/api/v1/collections/" + f.id, body: []byte(body), header: map[string]string{"If-Match": tag}})
}

// step takes an action that must succeed and land in state want.
func (f *coverage) step(t *testing.T, who *caller, body string, want collections.State) *collections.Collection {
	t.Helper()
	r := f.act(t, who, body)
	if r.status != http.StatusOK {
		t.Fatalf("%s by %s: %v", body, who.name, r)
	}
	var c collections.Collection
	decode(t, r, &c)
	if c.State != want {
		t.Fatalf("%s by %s: state %s, want %s", body, who.name, c.State, want)
	}
	return &c
}

// refused checks that a request is answered with status want and leaves
// the collection as it was.
func (f *coverage) refused(t *testing.T, what string, want int, send func() reply) {
	t.Helper()
	before, tag := f.current(t)
	if r := send(); r.status != want {
		t.Errorf("%s: got %d, want %d (%s)", what, r.status, want, r)
	}
	after, tag2 := f.current(t)
	if tag2 != tag || after.State != before.State || after.Version != before.Version {
		t.Errorf("%s changed the collection: %s v%d -> %s v%d", what, before.State, before.Version, after.State, after.Version)
	}
}

// TestCoverage runs one whole coverage of the SOP "Peliputan dan
// Publikasi" through the HTTP API against a real MinIO: every step by the
// role the policy names, the refusals of the others, a card's files
// uploaded into the collection, the narrative's revisions and review, the
// publications and the archive; then the history, the SLA report, the
// staff's assignments and the audit log.
func TestCoverage(t *testing.T) {
	root := testfiles.Dir(t)
	m := storetest.StartMinIO(t)
	store, err := s3store.Open(t.Context(), s3store.Config{Endpoint: m.Endpoint, Bucket: "liputan", AccessKey: m.AccessKey, SecretKey: m.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, store)
	people := []struct{ name, role string }{
		{"root", "admin"}, {"hadi", "head"}, {"agus", "coordinator"}, {"dewi", "editor"},
		{"budi", "staff"}, {"sari", "staff"}, {"tono", "staff"}, {"vina", "viewer"},
	}
	as := map[string]*caller{}
	for _, p := range people {
		h.addUser(t, p.name, p.role)
		as[p.name] = h.login(t, p.name, p.role)
	}
	admin, hadi, agus, dewi, budi, sari, tono, vina := as["root"], as["hadi"], as["agus"], as["dewi"], as["budi"], as["sari"], as["tono"], as["vina"]

	// Create: the coordinator plans it from the agencies' schedule.
	event := `{"title":"Peninjauan Posyandu Melati","agency":"Dinas Kesehatan","place":"Kelurahan Sukasari","starts_at":"2026-08-17T09:00","ends_at":"2026-08-17T11:00"}`
	for _, who := range []*caller{vina, budi, dewi} {
		if r := h.send(t, who, req{method: "POST", path: "/api/v1/collections", body: []byte(event)}); r.status != http.StatusForbidden {
			t.Errorf("create as %s (%s): %d, want 403", who.name, who.role, r.status)
		}
	}
	r := h.send(t, agus, req{method: "POST", path: "/api/v1/collections", body: []byte(event)})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %v", r)
	}
	var created collections.Collection
	decode(t, r, &created)
	if created.State != collections.Created || !strings.HasPrefix(created.ID, "lip-20260817-") || created.CreatedBy != "agus" || r.header.Get("ETag") == "" {
		t.Fatalf("created %+v (ETag %q); want state created, id lip-20260817-…, by agus, an ETag", created, r.header.Get("ETag"))
	}
	f := &coverage{h: h, id: created.ID, root: admin}
	actions := "/api/v1/collections/" + f.id + "/actions"

	// Step 1, order: the head only; If-Match required and checked.
	f.refused(t, "order without If-Match", http.StatusPreconditionRequired, func() reply {
		return h.send(t, hadi, req{method: "POST", path: actions, body: []byte(`{"action":"order"}`)})
	})
	for _, who := range []*caller{vina, budi, agus, dewi} {
		f.refused(t, "order by "+who.role, http.StatusForbidden, func() reply { return f.act(t, who, `{"action":"order"}`) })
	}
	_, beforeOrder := f.current(t)
	f.step(t, hadi, `{"action":"order","note":"Mohon diliput, Wali Kota hadir."}`, collections.Ordered)
	f.refused(t, "propose with the ETag from before the order", http.StatusPreconditionFailed, func() reply {
		return h.send(t, agus, req{method: "POST", path: actions, body: []byte(`{"action":"propose_staff","staff":[{"user":"budi","task":"photo"}]}`), header: map[string]string{"If-Match": beforeOrder}})
	})
	f.refused(t, "assign before anyone is proposed", http.StatusUnprocessableEntity, func() reply { return f.act(t, hadi, `{"action":"assign"}`) })
	f.refused(t, "approve a coverage just ordered", http.StatusUnprocessableEntity, func() reply { return f.act(t, agus, `{"action":"approve"}`) })

	// Step 2, propose staff: the coordinator.
	propose := `{"action":"propose_staff","staff":[{"user":"budi","task":"photo"},{"user":"sari","task":"video"}]}`
	f.refused(t, "propose by the head", http.StatusForbidden, func() reply { return f.act(t, hadi, propose) })
	f.step(t, agus, propose, collections.StaffProposed)

	// Step 3, assign: the head.
	for _, who := range []*caller{dewi, agus, budi, vina} {
		f.refused(t, "assign by "+who.role, http.StatusForbidden, func() reply { return f.act(t, who, `{"action":"assign"}`) })
	}
	c := f.step(t, hadi, `{"action":"assign"}`, collections.Assigned)
	var assigned []string
	for _, s := range c.AssignedStaff {
		assigned = append(assigned, s.User+"/"+s.Task)
	}
	if !slices.Equal(assigned, []string{"budi/photo", "sari/video"}) {
		t.Errorf("assigned staff %v, want budi/photo and sari/video", assigned)
	}

	// The assigned photographer sees the coverage on their list; the
	// unassigned one does not.
	var mine struct {
		Assignments []collections.Assignment `json:"assignments"`
	}
	decode(t, h.send(t, budi, req{method: "GET", path: "/api/v1/me/assignments"}), &mine)
	if len(mine.Assignments) != 1 {
		t.Fatalf("budi's assignments: %+v, want this coverage", mine.Assignments)
	}
	if a := mine.Assignments[0]; a.Collection != f.id || a.State != collections.Assigned || !slices.Equal(a.Assigned, []string{"photo"}) || !a.ActsNext || a.Step != 4 {
		t.Errorf("budi's assignment %+v; want %s, assigned, task photo, acting next on step 4", a, f.id)
	}
	decode(t, h.send(t, tono, req{method: "GET", path: "/api/v1/me/assignments"}), &mine)
	if len(mine.Assignments) != 0 {
		t.Errorf("tono (not assigned) has assignments %+v", mine.Assignments)
	}

	// Step 4, equipment: the checklist first, ticked by the assigned staff.
	f.refused(t, "equipment ready with the checklist open", http.StatusUnprocessableEntity, func() reply { return f.act(t, budi, `{"action":"equipment_ready"}`) })
	checklist := `{"checklist":[{"item":"camera","done":true},{"item":"video camera","done":true},{"item":"recorder","done":true},{"item":"notes","done":true},{"item":"supporting documents","done":true}]}`
	for _, who := range []*caller{tono, vina} {
		f.refused(t, "checklist by "+who.name, http.StatusForbidden, func() reply { return f.patch(t, who, checklist) })
	}
	f.refused(t, "checklist without If-Match", http.StatusPreconditionRequired, func() reply {
		return h.send(t, budi, req{method: "PATCH", path: "/api/v1/collections/" + f.id, body: []byte(checklist)})
	})
	if r := f.patch(t, budi, checklist); r.status != http.StatusOK {
		t.Fatalf("checklist: %v", r)
	}
	c, _ = f.current(t)
	for _, it := range c.Checklist {
		if !it.Done || it.By != "budi" {
			t.Errorf("checklist item %+v, want done by budi", it)
		}
	}
	f.step(t, budi, `{"action":"equipment_ready"}`, collections.EquipmentReady)

	// Step 5: the coverage starts; only the assigned staff start it.
	f.refused(t, "start coverage by unassigned staff", http.StatusForbidden, func() reply { return f.act(t, tono, `{"action":"start_coverage"}`) })
	f.step(t, sari, `{"action":"start_coverage"}`, collections.InCoverage)

	// Steps 6-7: the photographer's card comes in through the upload,
	// filed into the collection.
	photo1 := readFile(t, filepath.Join(root, "photos/jpg/Nikon_D70.jpg"))
	photo2 := readFile(t, filepath.Join(root, "photos/jpg/Kodak_CX7530.jpg"))
	a1, a2 := assets.Sum(photo1), assets.Sum(photo2)
	body, ct := multipartBody(t, f.id, part{"DSC_0001.JPG", photo1}, part{"100_0002.JPG", photo2})
	r = h.send(t, budi, req{method: "POST", path: "/api/v1/uploads", body: body, ctype: ct})
	if r.status != http.StatusAccepted {
		t.Fatalf("upload: %v", r)
	}
	var started struct {
		ID, Kind, Collection, User string
	}
	decode(t, r, &started)
	if started.Kind != "upload" || started.Collection != f.id || started.User != "budi" {
		t.Errorf("upload job %+v, want kind upload into %s by budi", started, f.id)
	}
	job := h.waitJob(t, budi, started.ID)
	if job.State != "done" || !job.SafeToEject || job.Ingested != 2 || job.Failed != 0 || job.Duplicates != 0 {
		t.Fatalf("upload job: %+v; want done, safe to eject, 2 ingested", job)
	}
	eventually(t, time.Minute, func() string {
		c, _ := f.current(t)
		if !slices.Contains(c.Material, a1) || !slices.Contains(c.Material, a2) || len(c.Material) != 2 {
			return "material " + strings.Join(c.Material, ",") + " does not hold the two uploaded photos"
		}
		return ""
	})
	var a struct {
		FileName   string `json:"file_name"`
		Collection string `json:"collection"`
	}
	decode(t, h.send(t, vina, req{method: "GET", path: "/api/v1/assets/" + a1}), &a)
	if a.FileName != "DSC_0001.JPG" || a.Collection != f.id {
		t.Errorf("asset %s: file name %q, collection %q; want DSC_0001.JPG in %s", a1, a.FileName, a.Collection, f.id)
	}
	f.step(t, budi, `{"action":"material_gathered"}`, collections.MaterialGathered)

	// Step 8: selection and narrative.
	f.step(t, budi, `{"action":"start_drafting"}`, collections.Drafting)
	f.refused(t, "cover outside the picks", http.StatusBadRequest, func() reply {
		return f.patch(t, budi, `{"picks":["`+a1+`"],"cover":"`+a2+`"}`)
	})
	if r := f.patch(t, budi, `{"picks":["`+a2+`","`+a1+`"],"cover":"`+a1+`"}`); r.status != http.StatusOK {
		t.Fatalf("picks: %v", r)
	}
	rev1 := "Wali Kota Tangerang meninjau posyandu.\nWarga antusias.\n"
	rev2 := "Wali Kota Tangerang meninjau Posyandu Melati.\nWarga antusias.\nAcara ditutup pukul 11.00.\n"
	if r := f.patch(t, budi, string(jsonBody(t, map[string]string{"narrative": rev1}))); r.status != http.StatusOK {
		t.Fatalf("narrative rev 1: %v", r)
	}
	if r := f.patch(t, dewi, string(jsonBody(t, map[string]string{"narrative": rev2}))); r.status != http.StatusOK {
		t.Fatalf("narrative rev 2: %v", r)
	}
	var diff struct {
		From, To int
		Diff     string
	}
	r = h.send(t, vina, req{method: "GET", path: "/api/v1/collections/" + f.id + "/diff"})
	if r.status != http.StatusOK {
		t.Fatalf("diff: %v", r)
	}
	decode(t, r, &diff)
	wantDiff := "-Wali Kota Tangerang meninjau posyandu.\n+Wali Kota Tangerang meninjau Posyandu Melati.\n Warga antusias.\n+Acara ditutup pukul 11.00.\n"
	if diff.From != 1 || diff.To != 2 || diff.Diff != wantDiff {
		t.Errorf("diff %d..%d:\n%s\nwant 1..2:\n%s", diff.From, diff.To, diff.Diff, wantDiff)
	}
	if r := h.send(t, vina, req{method: "GET", path: "/api/v1/collections/" + f.id + "/diff?from=1&to=9"}); r.status != http.StatusBadRequest {
		t.Errorf("diff to a revision that does not exist: %d, want 400", r.status)
	}

	// Step 8 to 9 to 10.
	f.refused(t, "submit draft by the viewer", http.StatusForbidden, func() reply { return f.act(t, vina, `{"action":"submit_draft"}`) })
	f.step(t, budi, `{"action":"submit_draft"}`, collections.Editing)
	f.refused(t, "submit review by staff", http.StatusForbidden, func() reply { return f.act(t, budi, `{"action":"submit_review"}`) })
	f.step(t, dewi, `{"action":"submit_review"}`, collections.InReview)
	f.refused(t, "edit the narrative in review", http.StatusUnprocessableEntity, func() reply {
		return f.patch(t, dewi, `{"narrative":"Diam-diam diubah."}`)
	})

	// Step 10: returned with a note (a note is required), fixed, reviewed again.
	f.refused(t, "return without a note", http.StatusBadRequest, func() reply { return f.act(t, agus, `{"action":"return","to":"editing"}`) })
	f.refused(t, "return by the editor", http.StatusForbidden, func() reply {
		return f.act(t, dewi, `{"action":"return","note":"x","to":"editing"}`)
	})
	note := "Sebutkan nama kader posyandu."
	c = f.step(t, agus, `{"action":"return","note":"`+note+`","to":"editing"}`, collections.Editing)
	if len(c.Reviews) != 1 || c.Reviews[0].Decision != "return" || c.Reviews[0].Note != note || c.Reviews[0].By != "agus" || c.Reviews[0].ToState != collections.Editing {
		t.Errorf("reviews after the return: %+v", c.Reviews)
	}
	// The head fixes the text himself, so he may not approve it.
	rev3 := rev2 + "Kader: Ibu Siti.\n"
	if r := f.patch(t, hadi, string(jsonBody(t, map[string]string{"narrative": rev3}))); r.status != http.StatusOK {
		t.Fatalf("narrative rev 3: %v", r)
	}
	f.step(t, dewi, `{"action":"submit_review"}`, collections.InReview)
	for _, who := range []*caller{hadi, budi, dewi, vina} {
		f.refused(t, "approve by "+who.name+" ("+who.role+")", http.StatusForbidden, func() reply { return f.act(t, who, `{"action":"approve"}`) })
	}
	c = f.step(t, agus, `{"action":"approve","note":"Layak terbit."}`, collections.Approved)
	if n := len(c.Narrative.Revisions); n != 3 || c.Narrative.Text != rev3 {
		t.Errorf("narrative: %d revisions, text %q; want 3 and the head's fix", n, c.Narrative.Text)
	}

	// Step 11: publications on three channels.
	pubs := []struct {
		who           *caller
		channel, url  string
		wantPubsSoFar int
	}{
		{budi, "website", "https://tangerangkota.go.id/berita/peninjauan-posyandu-melati", 1},
		{sari, "youtube", "https://www.youtube.com/watch?v=posyandu17", 2},
		{budi, "instagram", "https://www.instagram.com/p/posyandu-melati/", 3},
	}
	for _, who := range []*caller{vina, tono, dewi} {
		f.refused(t, "publish by "+who.name, http.StatusForbidden, func() reply {
			return f.act(t, who, `{"action":"publish","channel":"website","url":"https://tangerangkota.go.id/x"}`)
		})
	}
	for _, p := range pubs {
		c = f.step(t, p.who, `{"action":"publish","channel":"`+p.channel+`","url":"`+p.url+`"}`, collections.Published)
		if len(c.Publications) != p.wantPubsSoFar {
			t.Fatalf("after publishing on %s: %d publications", p.channel, len(c.Publications))
		}
	}
	for i, p := range pubs {
		got := c.Publications[i]
		if got.Channel != p.channel || got.URL != p.url || got.By != p.who.name || !slices.Equal(got.Assets, []string{a2, a1}) {
			t.Errorf("publication %d = %+v; want %s %s by %s with the picks", i, got, p.channel, p.url, p.who.name)
		}
	}
	f.refused(t, "publish the same link twice", http.StatusUnprocessableEntity, func() reply {
		return f.act(t, budi, `{"action":"publish","channel":"website","url":"`+pubs[0].url+`"}`)
	})

	// Step 12: archived by the staff; nothing is edited afterwards.
	f.refused(t, "archive by the coordinator", http.StatusForbidden, func() reply { return f.act(t, agus, `{"action":"archive"}`) })
	c = f.step(t, budi, `{"action":"archive"}`, collections.Archived)
	if c.Archive == nil || c.Archive.By != "budi" {
		t.Errorf("archive = %+v, want by budi", c.Archive)
	}
	f.refused(t, "edit an archived coverage", http.StatusUnprocessableEntity, func() reply { return f.patch(t, hadi, `{"title":"Judul baru"}`) })

	checkHistory(t, h, f.id, vina)
	checkSLA(t, h, hadi)
	checkAudit(t, h, f.id, admin, budi, started.ID)
}

// checkHistory: every step of the coverage, in order, each with its start,
// end and the SOP's standard time.
func checkHistory(t *testing.T, h *harness, id string, who *caller) {
	t.Helper()
	r := h.send(t, who, req{method: "GET", path: "/api/v1/collections/" + id + "/history"})
	if r.status != http.StatusOK {
		t.Fatalf("history: %v", r)
	}
	var hist struct {
		State   collections.State `json:"state"`
		History []struct {
			Step        int               `json:"step"`
			Through     int               `json:"through"`
			State       collections.State `json:"state"`
			Start       time.Time         `json:"start"`
			End         *time.Time        `json:"end"`
			EndedWith   string            `json:"ended_with"`
			EndedBy     string            `json:"ended_by"`
			Note        string            `json:"note"`
			StandardMin float64           `json:"standard_min"`
			Overdue     bool              `json:"overdue"`
		} `json:"history"`
	}
	decode(t, r, &hist)
	want := []struct {
		state         collections.State
		step, through int
		standard      float64
		endedWith, by string
	}{
		{"created", 1, 0, 10, "order", "hadi"},
		{"ordered", 2, 0, 10, "propose_staff", "agus"},
		{"staff_proposed", 3, 0, 10, "assign", "hadi"},
		{"assigned", 4, 0, 10, "equipment_ready", "budi"},
		{"equipment_ready", 0, 0, 0, "start_coverage", "sari"},
		{"in_coverage", 5, 0, 180, "material_gathered", "budi"},
		{"material_gathered", 6, 7, 120, "start_drafting", "budi"},
		{"drafting", 8, 0, 60, "submit_draft", "budi"},
		{"editing", 9, 0, 60, "submit_review", "dewi"},
		{"in_review", 10, 0, 60, "return", "agus"},
		{"editing", 9, 0, 60, "submit_review", "dewi"},
		{"in_review", 10, 0, 60, "approve", "agus"},
		{"approved", 11, 0, 30, "publish", "budi"},
		{"published", 12, 0, 30, "archive", "budi"},
	}
	if hist.State != collections.Archived || len(hist.History) != len(want) {
		t.Fatalf("history: state %s, %d steps; want archived, %d steps: %s", hist.State, len(hist.History), len(want), r.body)
	}
	var prevEnd time.Time
	for i, w := range want {
		g := hist.History[i]
		if g.State != w.state || g.Step != w.step || g.Through != w.through || g.StandardMin != w.standard || g.EndedWith != w.endedWith || g.EndedBy != w.by {
			t.Errorf("history[%d] = %s step %d-%d std %v ended with %s by %s; want %s step %d-%d std %v ended with %s by %s",
				i, g.State, g.Step, g.Through, g.StandardMin, g.EndedWith, g.EndedBy, w.state, w.step, w.through, w.standard, w.endedWith, w.by)
		}
		if g.Start.IsZero() || g.End == nil || g.End.Before(g.Start) || (i > 0 && !g.Start.Equal(prevEnd)) {
			t.Errorf("history[%d] (%s): start %v end %v; want each step to start when the one before ended", i, g.State, g.Start, g.End)
		}
		if g.Overdue {
			t.Errorf("history[%d] (%s) is overdue after a test-length run", i, g.State)
		}
		if g.End != nil {
			prevEnd = *g.End
		}
	}
	if n := hist.History[9].Note; n != "Sebutkan nama kader posyandu." {
		t.Errorf("the return's note in the history: %q", n)
	}
}

// checkSLA: the report counts the coverage once in each SOP step it
// finished, in JSON and in CSV.
func checkSLA(t *testing.T, h *harness, who *caller) {
	t.Helper()
	r := h.send(t, who, req{method: "GET", path: "/api/v1/reports/sla"})
	if r.status != http.StatusOK {
		t.Fatalf("sla: %v", r)
	}
	var rep struct {
		Steps []struct {
			Step            int     `json:"step"`
			Through         int     `json:"through"`
			Count           int     `json:"count"`
			StandardMinutes float64 `json:"standard_minutes"`
			WithinStandard  float64 `json:"within_standard"`
		}
	}
	decode(t, r, &rep)
	wantSteps := []struct {
		label    string
		step     int
		through  int
		standard float64
	}{
		{"1", 1, 0, 10}, {"2", 2, 0, 10}, {"3", 3, 0, 10}, {"4", 4, 0, 10}, {"5", 5, 0, 180}, {"6-7", 6, 7, 120},
		{"8", 8, 0, 60}, {"9", 9, 0, 60}, {"10", 10, 0, 60}, {"11", 11, 0, 30}, {"12", 12, 0, 30},
	}
	if len(rep.Steps) != len(wantSteps) {
		t.Fatalf("sla: %d steps, want %d: %s", len(rep.Steps), len(wantSteps), r.body)
	}
	for i, w := range wantSteps {
		g := rep.Steps[i]
		if g.Step != w.step || g.Through != w.through || g.Count != 1 || g.StandardMinutes != w.standard || g.WithinStandard != 1 {
			t.Errorf("sla step %s = %+v; want count 1, standard %v, all within it", w.label, g, w.standard)
		}
	}

	r = h.send(t, who, req{method: "GET", path: "/api/v1/reports/sla?format=csv"})
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("sla csv: %v (%s)", r, r.header.Get("Content-Type"))
	}
	cr := csv.NewReader(bytes.NewReader(r.body))
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("sla csv: %v\n%s", err, r.body)
	}
	header := []string{"step", "name", "standard_minutes", "count", "median_minutes", "p90_minutes", "within_standard_percent"}
	if len(rows) < 1+len(wantSteps) || !slices.Equal(rows[0], header) {
		t.Fatalf("sla csv:\n%s", r.body)
	}
	for i, w := range wantSteps {
		row := rows[1+i]
		if row[0] != w.label || row[3] != "1" || row[6] != "100.0" {
			t.Errorf("csv row %v; want step %s counted once, 100.0%% within the standard", row, w.label)
		}
	}
	if got := rows[1+len(wantSteps)]; len(got) == 0 || got[0] != "collection" {
		t.Errorf("csv: after the steps %v, want the overdue table's header", got)
	}

	if r := h.send(t, &caller{}, req{method: "GET", path: "/api/v1/reports/sla"}); r.status != http.StatusUnauthorized {
		t.Errorf("sla without logging in: %d", r.status)
	}
}

// checkAudit: the audit log lists who took each step, and only the
// actions that happened.
func checkAudit(t *testing.T, h *harness, id string, admin, staff *caller, uploadJob string) {
	t.Helper()
	if r := h.send(t, staff, req{method: "GET", path: "/api/v1/audit"}); r.status != http.StatusForbidden {
		t.Errorf("audit as staff: %d, want 403", r.status)
	}
	r := h.send(t, admin, req{method: "GET", path: "/api/v1/audit"})
	if r.status != http.StatusOK {
		t.Fatalf("audit: %v", r)
	}
	var log struct {
		Entries []audit.Entry `json:"entries"`
	}
	decode(t, r, &log)
	var got []string
	for _, e := range log.Entries {
		if e.Target == "collection/"+id && e.Action != "collection.edit" {
			got = append(got, e.Action+" "+e.User)
		}
	}
	want := []string{
		"collection.create agus", "collection.order hadi", "collection.propose_staff agus", "collection.assign hadi",
		"collection.equipment_ready budi", "collection.start_coverage sari", "collection.material_gathered budi",
		"collection.start_drafting budi", "collection.submit_draft budi", "collection.submit_review dewi",
		"collection.return agus", "collection.submit_review dewi", "collection.approve agus",
		"collection.publish budi", "collection.publish sari", "collection.publish budi", "collection.archive budi",
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit of %s:\n got %q\nwant %q", id, got, want)
	}
	edits := map[string]int{}
	upload := false
	for _, e := range log.Entries {
		if e.Target == "collection/"+id && e.Action == "collection.edit" {
			edits[e.User]++
		}
		upload = upload || e.Action == "upload" && e.User == "budi" && e.Target == "ingest/"+uploadJob
	}
	// checklist, picks and rev 1 by budi; rev 2 by dewi; rev 3 by hadi.
	if edits["budi"] != 3 || edits["dewi"] != 1 || edits["hadi"] != 1 || len(edits) != 3 {
		t.Errorf("collection.edit entries by user: %v; want budi 3, dewi 1, hadi 1", edits)
	}
	if !upload {
		t.Errorf("no audit entry for budi's upload (ingest/%s)", uploadJob)
	}
	for _, e := range log.Entries {
		if e.At.IsZero() || e.From != "127.0.0.1" {
			t.Errorf("audit entry %+v: want a time and the client address", e)
			break
		}
	}
}
