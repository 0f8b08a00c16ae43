package api_test

import (
	"net/http"
	"testing"

	"mediabank/collections"
)

// TestCollectionOffersWhatTheWorkflowSays: GET of a collection tells the
// caller what they may do next, each action allowed or refused with its
// reason, as the workflow answers (the same answer the page renders).
func TestCollectionOffersWhatTheWorkflowSays(t *testing.T) {
	h := newDiskHarness(t)
	for _, p := range [][2]string{{"hadi", "head"}, {"agus", "coordinator"}, {"budi", "staff"}} {
		h.addUser(t, p[0], p[1])
	}
	agus := h.login(t, "agus", "coordinator")
	r := h.send(t, agus, req{method: "POST", path: "/api/v1/collections", body: []byte(`{"title":"Rapat","starts_at":"2026-08-17T09:00"}`)})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %v", r)
	}
	var created collections.Collection
	decode(t, r, &created)
	for _, tc := range []struct {
		name, role string
		want       []collections.Offer
		edit       bool
	}{
		{"hadi", "head", []collections.Offer{{Action: "order", Allowed: true}, {Action: "cancel", Allowed: true}, {Action: "postpone", Allowed: true}}, true},
		{"budi", "staff", []collections.Offer{
			{Action: "order", Reason: `role "staff" may not collection.order`, Code: collections.RefusedPolicy},
			{Action: "cancel", Reason: `role "staff" may not collection.cancel`, Code: collections.RefusedPolicy},
			{Action: "postpone", Reason: `role "staff" may not collection.postpone`, Code: collections.RefusedPolicy}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.send(t, h.login(t, tc.name, tc.role), req{method: "GET", path: "/api/v1/collections/" + created.ID})
			var got collections.Options
			decode(t, r, &got)
			if len(got.Actions) != len(tc.want) {
				t.Fatalf("actions %+v, want %+v", got.Actions, tc.want)
			}
			for i := range tc.want {
				if got.Actions[i] != tc.want[i] {
					t.Errorf("action %d: got %+v, want %+v", i, got.Actions[i], tc.want[i])
				}
			}
			if got.May.Edit.Allowed != tc.edit {
				t.Errorf("may edit: got %+v, want %v", got.May.Edit, tc.edit)
			}
		})
	}
}
