package collections

import (
	"errors"
	"testing"

	"mediabank/assets"
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
	clk := &clock{t: t0}
	svc := newService(t, diskStore(t), clk)
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
