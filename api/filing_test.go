package api_test

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/internal/testfiles"
)

// TestFilingFromTheBank: an asset added to a coverage's material later
// (from the bank, not by an ingest into it) is found by that coverage in
// search, and is no longer once removed; an upload of bytes already in the
// bank into a coverage files them too.
func TestFilingFromTheBank(t *testing.T) {
	root := testfiles.Dir(t)
	h := newDiskHarness(t)
	admin := h.newUser(t, "admin", "admin")
	photo := readFile(t, filepath.Join(root, "photos/jpg/Nikon_D70.jpg"))
	body, ct := multipartBody(t, "", part{"DSC_0001.JPG", photo})
	r := h.send(t, admin, req{method: "POST", path: "/api/v1/uploads", body: body, ctype: ct})
	if r.status != 202 {
		t.Fatalf("upload: %v", r)
	}
	var job struct{ ID string }
	decode(t, r, &job)
	h.waitJob(t, admin, job.ID)
	id := assets.Sum(photo)

	newCollection := func(title string) (string, string) {
		r := h.send(t, admin, req{method: "POST", path: "/api/v1/collections", body: jsonBody(t, map[string]any{"title": title, "agency": "Bagian Protokol", "starts_at": "2026-08-17T09:00"})})
		if r.status != 201 {
			t.Fatalf("create: %v", r)
		}
		var c struct{ ID string }
		decode(t, r, &c)
		return c.ID, etag(t, r)
	}
	inCollection := func(col string) []string {
		r := h.send(t, admin, req{method: "GET", path: "/api/v1/assets?q=collection:" + col})
		var res struct {
			Hits []struct{ ID string } `json:"hits"`
		}
		decode(t, r, &res)
		var ids []string
		for _, hit := range res.Hits {
			ids = append(ids, hit.ID)
		}
		return ids
	}

	col, tag := newCollection("Upacara HUT RI ke-81")
	r = h.send(t, admin, req{method: "PATCH", path: "/api/v1/collections/" + col, body: jsonBody(t, map[string]any{"add_material": []string{id}}), header: map[string]string{"If-Match": tag}})
	if r.status != 200 {
		t.Fatalf("add material: %v", r)
	}
	tag = etag(t, r)
	if got := inCollection(col); !slices.Equal(got, []string{id}) {
		t.Errorf("collection:%s after adding = %v, want [%s]", col, got, id)
	}
	a, _, err := assets.ReadRecord(t.Context(), h.store, id)
	if err != nil || !slices.Equal(a.Collections, []string{col}) {
		t.Errorf("record collections = %v (%v), want [%s]", a.Collections, err, col)
	}
	r = h.send(t, admin, req{method: "PATCH", path: "/api/v1/collections/" + col, body: jsonBody(t, map[string]any{"remove_material": []string{id}}), header: map[string]string{"If-Match": tag}})
	if r.status != 200 {
		t.Fatalf("remove material: %v", r)
	}
	if got := inCollection(col); len(got) != 0 {
		t.Errorf("collection:%s after removing = %v, want none", col, got)
	}

	// The same bytes uploaded again, into another coverage.
	other, _ := newCollection("Rapat koordinasi banjir")
	body, ct = multipartBody(t, other, part{"IMG_9999.JPG", photo})
	r = h.send(t, admin, req{method: "POST", path: "/api/v1/uploads", body: body, ctype: ct})
	if r.status != 202 {
		t.Fatalf("upload into %s: %v", other, r)
	}
	decode(t, r, &job)
	if j := h.waitJob(t, admin, job.ID); j.Duplicates != 1 {
		t.Errorf("second upload: %+v, want one duplicate", j)
	}
	eventually(t, time.Minute, func() string {
		r := h.send(t, admin, req{method: "GET", path: "/api/v1/collections/" + other})
		var c struct{ Material []string }
		if err := json.Unmarshal(r.body, &c); err != nil || !slices.Equal(c.Material, []string{id}) {
			return "material of " + other + " = " + string(r.body[:min(len(r.body), 200)])
		}
		return ""
	})
	if got := inCollection(other); !slices.Equal(got, []string{id}) {
		t.Errorf("collection:%s = %v, want the photo uploaded again", other, got)
	}
}
