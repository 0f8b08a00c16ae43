package search

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"mediabank/assets"
)

// TestWalkPage: a page in name order found by walking the name keys is
// the page Bleve's sort of every hit gives, for every query and page,
// on an index of several segments with deleted and rewritten assets, and
// with assets that share a name key (same name, same first 16 digits of
// the id), so that a key holds several hits and a page may start or end
// among them.
func TestWalkPage(t *testing.T) {
	ix, as := segmentedIndex(t)
	var twins []string
	for b := range 2 { // two batches: the key's hits are in two segments
		batch := twinsOf(as[600-3*(b+1):600-3*b], 3*b)
		if err := ix.Put(t.Context(), batch...); err != nil {
			t.Fatal(err)
		}
		for _, a := range batch {
			twins = append(twins, a.ID)
		}
	}
	walked := map[bool]int{} // segments walked without and with a lookup per key
	for _, q := range append(hitsTestQueries, "kembar", "sama") {
		for _, from := range []int{0, 1, 2, 5, 7, 30, 200, 499, 600} {
			checkWalk(t, ix, q, from, walked)
		}
	}
	if walked[true] == 0 || walked[false] == 0 {
		t.Errorf("segments walked: %d without a lookup per key, %d with one; want both ways tried", walked[true], walked[false])
	}
	// The twins share a key: all of them, on one page.
	res, err := ix.Search(t.Context(), Request{Query: "sama", Sort: "name", Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, 0, len(res.Hits))
	for _, h := range res.Hits {
		got = append(got, h.ID)
	}
	slices.Sort(got)
	if !slices.Equal(got, twins) {
		t.Errorf("sama by name: %v, want the twins %v", got, twins)
	}
}

// TestWalkSharedKeyOneSegment: in a segment with nothing deleted, where
// every asset is a hit, a key that several assets share is not taken for
// one hit.
func TestWalkSharedKeyOneSegment(t *testing.T) {
	ix := openTest(t, t.TempDir())
	t.Cleanup(func() { ix.Close() })
	as := synthetic(5)
	if err := ix.Put(t.Context(), append(twinsOf(as[:3], 0), as[3:]...)...); err != nil {
		t.Fatal(err)
	}
	walked := map[bool]int{}
	for from := range 6 {
		checkWalk(t, ix, "", from, walked)
	}
	if walked[true] != 0 {
		t.Errorf("%d segments walked without a lookup per key, want none: their keys are fewer than their assets", walked[true])
	}
}

// twinsOf returns copies of as that share one name key: the name
// SAMA.JPG, and ids alike in their first 16 digits, numbered from n.
func twinsOf(as []*assets.Asset, n int) []*assets.Asset {
	out := make([]*assets.Asset, len(as))
	for i, a := range as {
		c := *a
		c.ID = fmt.Sprintf("0123456789abcdef%048x", n+i)
		c.FileName = "SAMA.JPG"
		c.Meta.Caption = "kembar " + c.Meta.Caption
		out[i] = &c
	}
	return out
}

// checkWalk checks that the walk finds hits from..from+7 of q in name
// order as Bleve's sort of every hit does, and counts in walked the
// segments walked without (true) and with a lookup per key.
func checkWalk(t *testing.T, ix *Index, q string, from int, walked map[bool]int) {
	t.Helper()
	ctx := t.Context()
	var got, want []Hit
	var total uint64
	// A merge between the two sorts may renumber documents, and tied
	// keys come out in document order: compare on one snapshot.
	if !unchanged(ix, func() bool {
		snap := snapshot(t, ix)
		defer snap.Close()
		_, bq, err := ix.plan(Request{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		if want, err = ix.page(ctx, bq, from, 7, "name"); err != nil {
			t.Fatal(err)
		}
		segs := snap.Segments()
		hits, ok, err := ix.hitBitmaps(ctx, bq, snap, segs)
		if err != nil || !ok {
			t.Fatalf("%q: hits: %v %v", q, ok, err)
		}
		st := &stats{counts: counts{hits: newHitSet(segs, hits)}}
		for i, s := range segs {
			st.total += hits[i].GetCardinality()
			if !hits[i].IsEmpty() {
				c, _, err := newNameCursor(s, hits[i])
				if err != nil {
					t.Fatal(err)
				}
				walked[c.all]++
			}
		}
		total = st.total
		// With the stats' hits, and without (written since: the walk
		// finds the hits again).
		for _, st := range []*stats{st, {counts: counts{total: st.total}}} {
			nq, skip, ok, err := ix.walkPage(ctx, snap, st, bq, from, 7)
			if err != nil || !ok {
				t.Fatalf("%q from %d: walk: %v %v", q, from, ok, err)
			}
			if got, err = ix.page(ctx, nq, skip, 7, "name"); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				return false
			}
		}
		return true
	}) {
		t.Errorf("%q from %d (%d hits):\n got %v\nwant %v", q, from, total, names(got), names(want))
	}
}

// names are hits as name:id-prefix, to read a failure by.
func names(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.FileName + ":" + h.ID[:min(len(h.ID), 20)]
	}
	return out
}

// TestWalkPays: the walk is taken for the first pages of a common query
// and of the whole bank, not for a rare query or a far page.
func TestWalkPays(t *testing.T) {
	tests := []struct {
		docs, total uint64
		end         int
		want        bool
	}{
		{1_000_000, 1_000_000, 100, true},       // the bank, page 1
		{1_000_000, 1_000_000, 20_000, true},    // the bank, page 200
		{1_000_000, 1_000_000, 1_000_000, true}, // the bank's last page: the sort's heap holds it all
		{1_000_000, 123_000, 100, true},         // a common word, page 1
		{1_000_000, 123_000, 5_000, true},       // a common word, page 50
		{1_000_000, 14_000, 100, false},         // two words: few enough to sort
		{1_000_000, 14_000, 10_000, false},      // and their page 100: a far walk
		{1_000_000, 1_300, 100, false},          // a phrase
		{1_000_000, 0, 100, false},              // nothing
	}
	for _, tt := range tests {
		if got := walkPays(tt.docs, tt.total, tt.end); got != tt.want {
			t.Errorf("walkPays(%d docs, %d hits, to %d) = %v, want %v", tt.docs, tt.total, tt.end, got, tt.want)
		}
	}
}
