package auth

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"mediabank/internal/overrides"
)

const (
	Y = Allow
	N = Deny
	D = AllowIfDelegated
)

// wantDefault is the SOP reading of the brief, written out cell by cell.
var wantDefault = []struct {
	action                                          string
	admin, head, coordinator, editor, staff, viewer Decision
}{
	{"asset.read", Y, Y, Y, Y, Y, Y},
	{"asset.download", Y, Y, Y, Y, Y, Y},
	{"asset.download_unreleased", Y, Y, Y, Y, N, N},
	{"asset.edit", Y, Y, N, Y, Y, N},
	{"upload", Y, Y, N, Y, Y, N},
	{"ingest.read", Y, Y, Y, Y, Y, Y},
	{"collection.read", Y, Y, Y, Y, Y, Y},
	{"collection.create", Y, Y, Y, N, N, N},
	{"collection.edit", Y, Y, Y, Y, Y, N},
	{"report.read", Y, Y, Y, N, N, N},
	{"audit.read", Y, Y, N, N, N, N},
	{"user.manage", Y, N, N, N, N, N},
	{"server.paths", Y, N, N, N, N, N},
	{"collection.order", Y, Y, N, N, N, N},
	{"collection.propose_staff", Y, N, Y, N, N, N},
	{"collection.assign", Y, Y, N, N, N, N},
	{"collection.equipment_ready", Y, N, N, N, Y, N},
	{"collection.start_coverage", Y, N, N, N, Y, N},
	{"collection.material_gathered", Y, N, N, N, Y, N},
	{"collection.start_drafting", Y, N, N, N, Y, N},
	{"collection.submit_draft", Y, N, N, Y, Y, N},
	{"collection.submit_review", Y, N, N, Y, N, N},
	{"collection.approve", Y, Y, Y, D, N, N},
	{"collection.return", Y, Y, Y, N, N, N},
	{"collection.publish", Y, N, N, N, Y, N},
	{"collection.archive", Y, N, N, N, Y, N},
	{"collection.export", Y, Y, Y, Y, Y, N},
	{"collection.share", Y, Y, Y, Y, Y, N},
	{"collection.cancel", Y, Y, N, N, N, N},
	{"collection.postpone", Y, Y, N, N, N, N},
	{"collection.resume", Y, Y, N, N, N, N},
}

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	var listed []string
	for _, w := range wantDefault {
		listed = append(listed, w.action)
		for role, want := range map[string]Decision{
			"admin": w.admin, "head": w.head, "coordinator": w.coordinator,
			"editor": w.editor, "staff": w.staff, "viewer": w.viewer,
		} {
			if got := p.Decide(role, w.action); got != want {
				t.Errorf("Decide(%s, %s) = %s, want %s", role, w.action, got, want)
			}
		}
	}
	if got := p.Actions(); !slices.Equal(got, listed) {
		t.Errorf("Actions() = %v\nwant %v", got, listed)
	}
	if got, want := Roles(), []string{"admin", "head", "coordinator", "editor", "staff", "viewer"}; !slices.Equal(got, want) {
		t.Errorf("Roles() = %v, want %v", got, want)
	}
}

func TestDecideUnknown(t *testing.T) {
	p := DefaultPolicy()
	tests := []struct{ role, action string }{
		{"", "asset.read"},
		{"Admin", "asset.read"},
		{"root", "user.manage"},
		{"admin", ""},
		{"admin", "asset.delete"},
		{"admin", "ASSET.READ"},
	}
	for _, tt := range tests {
		if got := p.Decide(tt.role, tt.action); got != Deny {
			t.Errorf("Decide(%q, %q) = %s, want deny", tt.role, tt.action, got)
		}
	}
}

func TestDecisionAllowed(t *testing.T) {
	tests := []struct {
		d         Decision
		delegated bool
		want      bool
	}{
		{Allow, false, true},
		{Allow, true, true},
		{Deny, false, false},
		{Deny, true, false},
		{AllowIfDelegated, false, false},
		{AllowIfDelegated, true, true},
	}
	for _, tt := range tests {
		if got := tt.d.Allowed(tt.delegated); got != tt.want {
			t.Errorf("%s.Allowed(%v) = %v, want %v", tt.d, tt.delegated, got, tt.want)
		}
	}
}

func TestLoadPolicy(t *testing.T) {
	type cell struct {
		role, action string
		want         Decision
	}
	tests := []struct {
		name    string
		json    string
		wantErr error
		cells   []cell // checked when no error
	}{
		{name: "empty object", json: `{}`, cells: []cell{{"head", "collection.order", Allow}, {"editor", "collection.approve", AllowIfDelegated}}},
		{name: "null", json: `null`, cells: []cell{{"staff", "collection.publish", Allow}}},
		{name: "grant", json: `{"coordinator": {"collection.assign": "allow"}}`, cells: []cell{
			{"coordinator", "collection.assign", Allow},
			{"coordinator", "collection.propose_staff", Allow}, // untouched
			{"head", "collection.assign", Allow},
		}},
		{name: "revoke and delegate", json: `{"editor": {"collection.approve": "deny"}, "staff": {"collection.approve": "delegated"}, "viewer": {"asset.download": "deny"}}`, cells: []cell{
			{"editor", "collection.approve", Deny},
			{"staff", "collection.approve", AllowIfDelegated},
			{"viewer", "asset.download", Deny},
			{"viewer", "asset.read", Allow},
		}},
		{name: "admin allow is fine", json: `{"admin": {"user.manage": "allow"}}`, cells: []cell{{"admin", "user.manage", Allow}}},
		{name: "unknown role", json: `{"kabid": {"collection.order": "allow"}}`, wantErr: ErrInvalid},
		{name: "unknown action", json: `{"head": {"collection.delete": "allow"}}`, wantErr: ErrInvalid},
		{name: "unknown decision", json: `{"head": {"collection.order": "yes"}}`, wantErr: ErrInvalid},
		{name: "null decision", json: `{"head": {"collection.order": null}}`, wantErr: ErrInvalid},
		{name: "null role", json: `{"head": null}`, cells: []cell{{"head", "collection.order", Allow}}},
		{name: "decision as number", json: `{"head": {"collection.order": 1}}`, wantErr: ErrInvalid},
		{name: "admin loses user.manage", json: `{"admin": {"user.manage": "deny"}}`, wantErr: ErrInvalid},
		{name: "admin delegated", json: `{"admin": {"collection.approve": "delegated"}}`, wantErr: ErrInvalid},
		{name: "not an object", json: `["head"]`, wantErr: ErrInvalid},
		{name: "truncated", json: `{"head": {`, wantErr: ErrInvalid},
		{name: "too large", json: `{"head": {"collection.order": "allow"}` + strings.Repeat(" ", overrides.MaxSize) + `}`, wantErr: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := LoadPolicy(strings.NewReader(tt.json))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("LoadPolicy error = %v, want %v", err, tt.wantErr)
			}
			for _, c := range tt.cells {
				if got := p.Decide(c.role, c.action); got != c.want {
					t.Errorf("Decide(%s, %s) = %s, want %s", c.role, c.action, got, c.want)
				}
			}
		})
	}
}

// TestLoadPolicyDoesNotTouchDefault guards the value semantics: loading
// overrides never changes another Policy.
func TestLoadPolicyDoesNotTouchDefault(t *testing.T) {
	before := DefaultPolicy()
	if _, err := LoadPolicy(strings.NewReader(`{"viewer": {"user.manage": "allow"}}`)); err != nil {
		t.Fatal(err)
	}
	if got := DefaultPolicy().Decide("viewer", "user.manage"); got != Deny {
		t.Errorf("after LoadPolicy, DefaultPolicy().Decide(viewer, user.manage) = %s, want deny", got)
	}
	if before != DefaultPolicy() {
		t.Error("DefaultPolicy changed")
	}
}

// TestPolicyDoc keeps docs/policy.md the rendering of the default table.
// UPDATE_DOCS=1 rewrites it.
func TestPolicyDoc(t *testing.T) {
	const path = "../docs/policy.md"
	want := DefaultPolicy().Markdown()
	if os.Getenv("UPDATE_DOCS") == "1" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s differs from DefaultPolicy().Markdown(); run UPDATE_DOCS=1 go test ./auth -run TestPolicyDoc", path)
	}
	// A spot check that the rendering says what the table says.
	for _, line := range []string{
		"| `collection.approve` | SOP step 10: approve the narrative | yes | yes | yes | delegated | no | no |",
		"| `user.manage` | add users, set roles and passwords, disable accounts | yes | no | no | no | no | no |",
	} {
		if !strings.Contains(want, line+"\n") {
			t.Errorf("Markdown() lacks the row\n%s", line)
		}
	}
}

func FuzzLoadPolicy(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"coordinator": {"collection.assign": "allow"}}`))
	f.Add([]byte(`{"editor": {"collection.approve": "deny"}, "staff": {"collection.approve": "delegated"}}`))
	f.Add([]byte(`{"admin": {"user.manage": "deny"}}`))
	f.Add([]byte(`{"head": {"collection.order": "yes"}}`))
	f.Add([]byte(`{"head": {"collection.order": "allow", "collection.order": "deny"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := LoadPolicy(strings.NewReader(string(data)))
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("LoadPolicy error %v does not wrap ErrInvalid", err)
			}
			return
		}
		// Whatever loaded: admin keeps everything, every cell is one of
		// the three decisions, and writing the table out as overrides
		// loads the same table again.
		all := map[string]map[string]Decision{}
		for _, role := range Roles() {
			all[role] = map[string]Decision{}
			for _, action := range p.Actions() {
				d := p.Decide(role, action)
				if d != Allow && d != Deny && d != AllowIfDelegated {
					t.Fatalf("Decide(%s, %s) = %d", role, action, d)
				}
				if role == RoleAdmin && d != Allow {
					t.Fatalf("admin lost %s", action)
				}
				all[role][action] = d
			}
		}
		data, err = json.Marshal(all)
		if err != nil {
			t.Fatal(err)
		}
		again, err := LoadPolicy(strings.NewReader(string(data)))
		if err != nil {
			t.Fatalf("reload: %v", err)
		}
		if again != p {
			t.Fatalf("reload of %s gave another table", data)
		}
		_ = p.Markdown() // must not panic
	})
}
