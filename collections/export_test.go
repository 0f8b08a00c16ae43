package collections

import (
	"errors"
	"strings"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/internal/office"
	"mediabank/internal/tempstore"
	"mediabank/internal/testkit"
)

// TestExportable: media go out (channel exports, share links) only once
// the coverage is approved, and after; before, the reason names the state.
func TestExportable(t *testing.T) {
	for st := range workflow {
		want := st == Approved || st == Published || st == Archived
		err := (&Collection{State: st}).Exportable("export")
		if got := err == nil; got != want {
			t.Errorf("%s: exportable %v, want %v (%v)", st, got, want, err)
		}
		if err != nil && (!errors.Is(err, ErrNotAllowed) || err.Error() != "cannot export: collection is "+string(st)+"; its media go out once it is approved") {
			t.Errorf("%s: reason %q (ErrNotAllowed %v)", st, err, errors.Is(err, ErrNotAllowed))
		}
	}
	if err := (&Collection{State: Cancelled}).Exportable("share"); err == nil {
		t.Error("cancelled: exportable, want the reason")
	}
}

// TestRecordExport: an export is noted in the record with who, channel
// and assets; a coverage not yet approved takes none.
func TestRecordExport(t *testing.T) {
	ctx := t.Context()
	clk := testkit.NewClock(t0)
	svc := newService(t, tempstore.New(t), clk)
	c, _, err := svc.Create(ctx, head, Event{Title: "Upacara HUT RI", StartsAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{assetID("a"), assetID("b")}
	if err := svc.RecordExport(ctx, budi, c.ID, "instagram_feed", ids); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("export of a created coverage: %v, want ErrNotAllowed", err)
	}
	// Approve it directly in the record: the workflow's path there is
	// tested elsewhere.
	c.State = Approved
	if _, err := svc.write(ctx, c, assets.PutOptions{IfMatch: mustETag(t, svc, c.ID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Exportable(ctx, c.ID, "export"); err != nil {
		t.Fatalf("Exportable after approval: %v", err)
	}
	if err := svc.RecordExport(ctx, budi, c.ID, "instagram_feed", ids); err != nil {
		t.Fatal(err)
	}
	got, _, err := svc.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := Export{Channel: "instagram_feed", Assets: ids, By: budi.User, At: t0}
	if len(got.Exports) != 1 || got.Exports[0].Channel != want.Channel || got.Exports[0].By != want.By ||
		!got.Exports[0].At.Equal(want.At) || len(got.Exports[0].Assets) != 2 || got.Exports[0].Assets[1] != ids[1] {
		t.Errorf("exports = %+v, want [%+v]", got.Exports, want)
	}
}

func mustETag(t *testing.T, svc *Service, id string) string {
	t.Helper()
	_, etag, err := svc.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return etag
}

func TestExportName(t *testing.T) {
	cases := []struct {
		c    Collection
		n    int
		want string
	}{
		{Collection{Event: Event{Title: "Upacara HUT RI ke-81", StartsAt: t0}}, 1, "20260817-upacara-hut-ri-ke-81-01.jpg"},
		// 23:30 UTC is the next morning in Tangerang.
		{Collection{Event: Event{Title: "  Kunjungan Café «Wali Kota»!  ", StartsAt: time.Date(2026, 8, 16, 23, 30, 0, 0, time.UTC)}}, 12, "20260817-kunjungan-cafe-wali-kota-12.jpg"},
		{Collection{Event: Event{Title: "Ä/../..\\CON"}, CreatedAt: t0}, 3, "20260817-a-con-03.jpg"},
		{Collection{Event: Event{Title: "!!!"}, CreatedAt: t0}, 100, "20260817-liputan-100.jpg"},
		{Collection{Event: Event{Title: strings.Repeat("panjang ", 20), StartsAt: t0}}, 1, "20260817-" + strings.TrimSuffix(strings.Repeat("panjang-", 7), "-") + "-01.jpg"},
	}
	for _, c := range cases {
		if got := c.c.ExportName(c.n, office.Zone()); got != c.want {
			t.Errorf("ExportName(%q, %d) = %q, want %q", c.c.Title, c.n, got, c.want)
		}
	}
}
