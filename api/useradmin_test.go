package api_test

import (
	"net/http"
	"testing"

	"mediabank/auth"
)

// TestPatchUserIfMatch: two admins changing one account. The version
// goes back in If-Match as an HTTP entity tag (quoted, as clients send
// ETags); a stale one is refused with 412 and changes nothing.
func TestPatchUserIfMatch(t *testing.T) {
	h := newDiskHarness(t)
	h.addUser(t, "vina", "viewer")
	admin := h.newUser(t, "root", "admin")
	path := "/api/v1/users/vina"
	patch := func(body, ifMatch string) reply {
		r := req{method: "PATCH", path: path, body: []byte(body)}
		if ifMatch != "" {
			r.header = map[string]string{"If-Match": ifMatch}
		}
		return h.send(t, admin, r)
	}

	r := patch(`{"display_name":"Vina Amelia"}`, "")
	if r.status != http.StatusOK {
		t.Fatalf("patch without If-Match: %v", r)
	}
	var v1 auth.User
	decode(t, r, &v1)

	cases := []struct {
		name    string
		body    string
		ifMatch string
		want    int
		display string // the display name afterwards
	}{
		{"quoted current version", `{"display_name":"Vina A."}`, `"` + v1.Version + `"`, 200, "Vina A."},
		{"the same version again, now stale", `{"display_name":"Timpa"}`, `"` + v1.Version + `"`, 412, "Vina A."},
		{"stale and unquoted", `{"role":"admin"}`, v1.Version, 412, "Vina A."},
		{"no If-Match: the latest", `{"display_name":"Vina"}`, "", 200, "Vina"},
	}
	for _, c := range cases {
		if r := patch(c.body, c.ifMatch); r.status != c.want {
			t.Errorf("%s: got %d, want %d (%s)", c.name, r.status, c.want, r)
		}
		var got struct {
			Users []auth.User `json:"users"`
		}
		decode(t, h.send(t, admin, req{method: "GET", path: "/api/v1/users"}), &got)
		for _, u := range got.Users {
			if u.Name == "vina" && (u.DisplayName != c.display || u.Role != "viewer") {
				t.Errorf("%s: vina is %q, %s; want %q, viewer", c.name, u.DisplayName, u.Role, c.display)
			}
		}
	}
}
