package audit

import (
	"testing"
	"time"

	"mediabank/internal/tempstore"
)

func TestRecordList(t *testing.T) {
	store := tempstore.New(t)
	clock := time.Date(2026, 8, 17, 23, 59, 0, 0, time.UTC)
	l := New(store, func() time.Time { return clock })
	steps := []Entry{
		{User: "budi", Action: "asset.edit", Target: "asset/abc", From: "10.0.0.5"},
		{User: "sari", Action: "collection.approve", Target: "collection/lip-1"},
		{User: "budi", Action: "upload", Target: "ingest/x"},
	}
	for i, e := range steps {
		clock = clock.Add(time.Duration(i) * time.Minute) // 23:59, then 00:00 and 00:02 of the next day
		if err := l.Record(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		from, to time.Time
		limit    int
		want     []string
	}{
		{time.Date(2026, 8, 17, 0, 0, 0, 0, time.UTC), time.Date(2026, 8, 18, 0, 0, 0, 0, time.UTC), 0, []string{"asset.edit", "collection.approve", "upload"}},
		{time.Date(2026, 8, 17, 0, 0, 0, 0, time.UTC), time.Date(2026, 8, 17, 0, 0, 0, 0, time.UTC), 0, []string{"asset.edit"}},
		{time.Date(2026, 8, 18, 0, 0, 0, 0, time.UTC), time.Date(2026, 8, 18, 0, 0, 0, 0, time.UTC), 0, []string{"collection.approve", "upload"}},
		{time.Date(2026, 8, 17, 0, 0, 0, 0, time.UTC), time.Date(2026, 8, 18, 0, 0, 0, 0, time.UTC), 2, []string{"collection.approve", "upload"}},
	}
	for _, tt := range tests {
		got, err := l.List(t.Context(), tt.from, tt.to, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range got {
			actions = append(actions, e.Action)
		}
		if len(actions) != len(tt.want) {
			t.Errorf("List(%v, %v, %d) = %v, want %v", tt.from, tt.to, tt.limit, actions, tt.want)
			continue
		}
		for i := range actions {
			if actions[i] != tt.want[i] {
				t.Errorf("List(%v, %v, %d) = %v, want %v", tt.from, tt.to, tt.limit, actions, tt.want)
				break
			}
		}
	}
}
