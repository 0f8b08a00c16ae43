package search

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"mediabank/internal/office"
)

func TestSearchCollections(t *testing.T) {
	ix, err := Open(filepath.Join(t.TempDir(), "index"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	wib := office.Zone()
	cols := []Collection{
		{ID: "lip-20260817-aaaaaa", Title: "Peninjauan banjir Ciledug", Agency: "BPBD", Place: "Ciledug", State: "in_review", Staff: []string{"budi", "sari"}, StartsAt: time.Date(2026, 8, 17, 9, 0, 0, 0, wib)},
		{ID: "lip-20260820-bbbbbb", Title: "Vaksinasi anak sekolah", Agency: "Dinas Kesehatan", Place: "SDN Karawaci 1", State: "assigned", Staff: []string{"sari"}, StartsAt: time.Date(2026, 8, 20, 8, 0, 0, 0, wib)},
		{ID: "lip-20260901-cccccc", Title: "Rapat koordinasi banjir", Agency: "BPBD", Place: "Puspemkot", Description: "Evaluasi penanganan banjir", State: "archived", StartsAt: time.Date(2026, 9, 1, 13, 0, 0, 0, wib)},
	}
	if err := ix.PutCollections(t.Context(), cols...); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		q    string
		want []string
	}{
		{"", []string{"lip-20260901-cccccc", "lip-20260820-bbbbbb", "lip-20260817-aaaaaa"}},
		{"banjir", []string{"lip-20260901-cccccc", "lip-20260817-aaaaaa"}},
		{"agency:bpbd", []string{"lip-20260901-cccccc", "lip-20260817-aaaaaa"}},
		{`agency:"dinas kesehatan"`, []string{"lip-20260820-bbbbbb"}},
		{"state:in_review", []string{"lip-20260817-aaaaaa"}},
		{"staff:sari", []string{"lip-20260820-bbbbbb", "lip-20260817-aaaaaa"}},
		{"date:2026-08", []string{"lip-20260820-bbbbbb", "lip-20260817-aaaaaa"}},
		{"banjir -archived", []string{"lip-20260817-aaaaaa"}},
	}
	for _, tt := range tests {
		got, total, err := ix.SearchCollections(t.Context(), tt.q, 1, 50)
		if err != nil {
			t.Errorf("SearchCollections(%q): %v", tt.q, err)
			continue
		}
		if !slices.Equal(got, tt.want) || total != uint64(len(tt.want)) {
			t.Errorf("SearchCollections(%q) = %v (%d), want %v", tt.q, got, total, tt.want)
		}
	}
	// Collections are not assets.
	if n, err := ix.Count(t.Context()); err != nil || n != 0 {
		t.Errorf("Count = %d, %v; want 0 assets", n, err)
	}
	if _, _, err := ix.SearchCollections(t.Context(), "camera:nikon", 1, 10); err == nil {
		t.Errorf("camera: accepted in a collection search")
	}
}
