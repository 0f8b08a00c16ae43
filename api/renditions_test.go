package api_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mediabank/api"
	"mediabank/assets"
	"mediabank/ingest"
	"mediabank/internal/testfiles"
	"mediabank/renditions"
)

// ingestFile ingests one file with renditions, as a card would be, and
// returns its asset id.
func (h *harness) ingestFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := h.stack.Ingester.Run(t.Context(), []string{dir}, ingest.RunOptions{})
	if err != nil || rep.Ingested != 1 {
		t.Fatalf("ingest %s: %v %+v", name, err, rep)
	}
	return assets.Sum(data)
}

// editRecord changes the record of asset id in the bank directly.
func (h *harness) editRecord(t *testing.T, id string, change func(*assets.Asset)) {
	t.Helper()
	a, etag, err := assets.ReadRecord(t.Context(), h.store, id)
	if err != nil {
		t.Fatal(err)
	}
	change(a)
	if _, err := assets.WriteRecord(t.Context(), h.store, a, assets.PutOptions{IfMatch: etag}); err != nil {
		t.Fatal(err)
	}
}

// TestRenditionBomb ingests the PNG bomb of the probe (issue 10): it is
// refused from its header and the failure recorded with its reason; its
// thumbnail and preview are then the type icon, answered without trying
// to decode it again, whether the failure was recorded by the ingest or
// by the first request.
func TestRenditionBomb(t *testing.T) {
	h := newDiskHarness(t)
	viewer := h.newUser(t, "vera", "viewer")
	decodes := h.stack.Decodes
	id := h.ingestFile(t, "BOMB.PNG", testfiles.PNGBomb())

	failure := func() string {
		a, _, err := assets.ReadRecord(t.Context(), h.store, id)
		if err != nil {
			t.Fatal(err)
		}
		if a.RenditionFailure == nil {
			return ""
		}
		return a.RenditionFailure.Reason
	}
	icon := func(name string) {
		t.Helper()
		r := h.send(t, viewer, req{method: "GET", path: "/api/v1/assets/" + id + "/" + name})
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/png" {
			t.Fatalf("GET %s: %v %v, want the type icon", name, r, r.header)
		}
		img, err := png.Decode(bytes.NewReader(r.body))
		if err != nil || img.Bounds().Dx() != renditions.ThumbnailEdge {
			t.Fatalf("GET %s: not the type icon: %v", name, err)
		}
	}
	tries := func() int64 { u := decodes.Usage(); return u.Granted + u.Refused }

	if reason := failure(); !strings.Contains(reason, "over the decode budget") {
		t.Fatalf("after the ingest the record says %q, want the refusal", reason)
	}
	if got := tries(); got != 1 {
		t.Fatalf("the ingest tried %d decodes, want 1", got)
	}
	icon(assets.Thumbnail)
	icon(assets.Thumbnail)
	icon(assets.Preview)
	if got := tries(); got != 1 {
		t.Errorf("%d decodes tried after three requests, want still 1", got)
	}

	// A record without the failure (made before it was recorded): the
	// first request tries, records, and the next ones do not.
	h.editRecord(t, id, func(a *assets.Asset) { a.RenditionFailure = nil })
	icon(assets.Thumbnail)
	if got := tries(); got != 2 {
		t.Errorf("%d decodes tried, want 2", got)
	}
	if reason := failure(); !strings.Contains(reason, "BOMB.PNG") || !strings.Contains(reason, "15800x15800") {
		t.Errorf("the request recorded %q, want the file and its size", reason)
	}
	icon(assets.Thumbnail)
	icon(assets.Thumbnail)
	if got := tries(); got != 2 {
		t.Errorf("%d decodes tried, want still 2", got)
	}
}

// TestRenditionCancelled checks that a thumbnail request whose client
// went away while it waited for the decode budget stops waiting, takes
// nothing from the budget and records nothing against the file; and that
// the next request makes the thumbnail.
func TestRenditionCancelled(t *testing.T) {
	h := newDiskHarness(t)
	viewer := h.newUser(t, "vera", "viewer")
	decodes := h.stack.Decodes
	var photo bytes.Buffer
	if err := jpeg.Encode(&photo, image.NewGray(image.Rect(0, 0, 900, 600)), nil); err != nil {
		t.Fatal(err)
	}
	id := h.ingestFile(t, "DSC_0001.JPG", photo.Bytes())
	h.editRecord(t, id, func(a *assets.Asset) { a.Renditions = nil })

	release, err := decodes.Acquire(t.Context(), decodes.Size())
	if err != nil {
		t.Fatal(err)
	}
	granted := decodes.Usage().Granted
	ctx, cancel := context.WithCancel(t.Context())
	hr, err := http.NewRequestWithContext(ctx, "GET", h.ts.URL+"/api/v1/assets/"+id+"/thumbnail", nil)
	if err != nil {
		t.Fatal(err)
	}
	hr.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: viewer.cookie})
	done := make(chan error, 1)
	go func() {
		res, err := h.ts.Client().Do(hr)
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	waitFor(t, "the request to wait for the budget", func() bool { return decodes.Usage().Waiting == 1 })
	cancel()
	if err := <-done; err == nil {
		t.Error("the cancelled request was answered")
	}
	waitFor(t, "the request to stop waiting", func() bool { return decodes.Usage().Waiting == 0 })
	release()
	if u := decodes.Usage(); u.Granted != granted || u.InUse != 0 {
		t.Errorf("usage %+v after the cancelled request, want %d granted and nothing held", u, granted)
	}
	a, _, err := assets.ReadRecord(t.Context(), h.store, id)
	if err != nil {
		t.Fatal(err)
	}
	if a.RenditionFailure != nil || len(a.Renditions) != 0 {
		t.Errorf("the cancelled request left %+v and %v in the record", a.RenditionFailure, a.Renditions)
	}
	r := h.send(t, viewer, req{method: "GET", path: "/api/v1/assets/" + id + "/thumbnail"})
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("GET thumbnail: %v, want the JPEG", r)
	}
}

// waitFor polls cond until it holds, with a deadline only as a safety net.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	eventually(t, 5*time.Minute, func() string {
		if cond() {
			return ""
		}
		return "waiting for " + what
	})
}
