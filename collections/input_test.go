package collections

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{in: "2026-08-17T09:00:00+07:00", want: time.Date(2026, 8, 17, 2, 0, 0, 0, time.UTC)},
		{in: "2026-08-17T02:00:00Z", want: time.Date(2026, 8, 17, 2, 0, 0, 0, time.UTC)},
		{in: "2026-08-17T09:00:00", want: time.Date(2026, 8, 17, 2, 0, 0, 0, time.UTC)},
		{in: "2026-08-17T09:00", want: time.Date(2026, 8, 17, 2, 0, 0, 0, time.UTC)},
		{in: "2026-08-17 09:30", want: time.Date(2026, 8, 17, 2, 30, 0, 0, time.UTC)},
		{in: "17/08/2026 09:00", bad: true},
		{in: "", bad: true},
		{in: "2026-13-01T00:00", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in, jakarta)
		if tt.bad {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("ParseTime(%q) = %v, %v; want ErrInvalid", tt.in, got, err)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestValidID(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{"lip-20260817-ab12cd", true},
		{"lip-20260817-AB12CD", false},
		{"lip-20260817-ab12c", false},
		{"../collections/x", false},
		{"lip-20260817-ab12cd/../../x", false},
		{"", false},
	}
	for _, tt := range tests {
		if err := ValidID(tt.id); (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("ValidID(%q) = %v, want ok=%v", tt.id, err, tt.ok)
		}
	}
	// What the service makes passes its own check, dated in WIB.
	id := newID(time.Date(2026, 8, 16, 20, 0, 0, 0, time.UTC), jakarta) // 03:00 on the 17th in WIB
	if err := ValidID(id); err != nil || !strings.HasPrefix(id, "lip-20260817-") {
		t.Errorf("newID = %q, %v; want a valid lip-20260817-… id", id, err)
	}
}

func TestDecodeEvent(t *testing.T) {
	tests := []struct {
		body    string
		want    Event
		wantErr string
	}{
		{body: `{"title":"HUT RI ke-81","agency":"Setda","place":"Lapangan Ahmad Yani","starts_at":"2026-08-17T07:00","ends_at":"2026-08-17T10:00+07:00"}`,
			wantErr: "time"},
		{body: `{"title":"HUT RI ke-81","agency":"Setda","starts_at":"2026-08-17T07:00","ends_at":"2026-08-17T10:00:00+07:00","agenda_item":"A-17"}`,
			want: Event{Title: "HUT RI ke-81", Agency: "Setda", AgendaItem: "A-17",
				StartsAt: time.Date(2026, 8, 17, 7, 0, 0, 0, jakarta), EndsAt: time.Date(2026, 8, 17, 10, 0, 0, 0, jakarta)}},
		{body: `{"title":"  "}`, wantErr: "title is required"},
		{body: `{"title":"x","starts_at":"2026-08-17T10:00","ends_at":"2026-08-17T09:00"}`, wantErr: "before starts_at"},
		{body: `{"title":"x","tittle":"y"}`, wantErr: "unknown field"},
		{body: `{"title":"x"} {}`, wantErr: "after the JSON"},
		{body: `{"title":"` + strings.Repeat("a", 201) + `"}`, wantErr: "at most 200"},
	}
	for _, tt := range tests {
		got, err := DecodeEvent([]byte(tt.body), jakarta)
		if wantInvalid(t, fmt.Sprintf("DecodeEvent(%s)", tt.body), err, tt.wantErr) {
			continue
		}
		if err != nil || got.Title != tt.want.Title || got.Agency != tt.want.Agency || got.AgendaItem != tt.want.AgendaItem ||
			!got.StartsAt.Equal(tt.want.StartsAt) || !got.EndsAt.Equal(tt.want.EndsAt) {
			t.Errorf("DecodeEvent(%s) = %+v, %v; want %+v", tt.body, got, err, tt.want)
		}
	}
}

func TestDecodeAction(t *testing.T) {
	a1 := assetID("1")
	tests := []struct {
		body    string
		want    string // the action, when valid
		wantErr string
	}{
		{body: `{"action":"order","note":"Disposisi: liput upacara"}`, want: ActOrder},
		{body: `{"action":"propose_staff","staff":[{"user":"budi","task":"photo"},{"user":"sari","task":"video"}]}`, want: ActProposeStaff},
		{body: `{"action":"propose_staff"}`, wantErr: "needs staff"},
		{body: `{"action":"propose_staff","staff":[{"user":"budi","task":"drone"}]}`, wantErr: `task "drone"`},
		{body: `{"action":"propose_staff","staff":[{"user":"budi","task":"photo"},{"user":"budi","task":"photo"}]}`, wantErr: "twice"},
		{body: `{"action":"propose_staff","staff":[{"user":"bu di","task":"photo"}]}`, wantErr: "not a user name"},
		{body: `{"action":"assign"}`, want: ActAssign},
		{body: `{"action":"return","to":"drafting","note":"Tambahkan kutipan Wali Kota"}`, want: ActReturn},
		{body: `{"action":"return","to":"drafting"}`, wantErr: "needs a note"},
		{body: `{"action":"return","to":"drafting","note":"   "}`, wantErr: "needs a note"},
		{body: `{"action":"return","to":"in_review","note":"x"}`, wantErr: "want drafting or editing"},
		{body: `{"action":"approve","to":"drafting"}`, wantErr: "does not take to"},
		{body: `{"action":"approve","staff":[]}`, wantErr: "does not take staff"},
		{body: `{"action":"publish","channel":"website","url":"https://tangerangkota.go.id/berita/1","assets":["` + a1 + `"]}`, want: ActPublish},
		{body: `{"action":"publish","channel":"tiktok","url":"https://t.co/x"}`, wantErr: `channel "tiktok"`},
		{body: `{"action":"publish","channel":"x","url":"javascript:alert(1)"}`, wantErr: "http or https"},
		{body: `{"action":"publish","channel":"x","url":"https://"}`, wantErr: "http or https"},
		{body: `{"action":"publish","channel":"x","url":"https://x.com/a","assets":["nothex"]}`, wantErr: "asset id"},
		{body: `{"action":"approve","delegate":"dewi"}`, want: ActApprove},
		{body: `{"action":"approve","delegate":"de wi"}`, wantErr: "not a user name"},
		{body: `{"action":"fly"}`, wantErr: `unknown action "fly"`},
		{body: `{"action":"order","extra":1}`, wantErr: "unknown field"},
		{body: `[]`, wantErr: "invalid input"},
	}
	for _, tt := range tests {
		got, err := DecodeAction([]byte(tt.body))
		if wantInvalid(t, fmt.Sprintf("DecodeAction(%s)", tt.body), err, tt.wantErr) {
			continue
		}
		if err != nil || got.Action != tt.want {
			t.Errorf("DecodeAction(%s) = %+v, %v; want action %s", tt.body, got, err, tt.want)
		}
	}
}

func TestDecodePatch(t *testing.T) {
	a1 := assetID("1")
	tests := []struct {
		body    string
		check   func(Patch) bool
		wantErr string
	}{
		{body: `{"title":"Upacara HUT RI","starts_at":"2026-08-17T07:00"}`,
			check: func(p Patch) bool {
				return *p.Title == "Upacara HUT RI" && p.StartsAt.Equal(time.Date(2026, 8, 17, 0, 0, 0, 0, time.UTC))
			}},
		{body: `{"checklist":[{"item":"camera","done":true},{"item":"zoom lens","done":false},{"item":"notes","remove":true}]}`,
			check: func(p Patch) bool { return len(p.Checklist) == 3 && p.Checklist[0].Done && p.Checklist[2].Remove }},
		{body: `{"picks":["` + a1 + `"],"cover":"` + a1 + `"}`,
			check: func(p Patch) bool { return len(*p.Picks) == 1 && *p.Cover == a1 }},
		{body: `{"picks":[]}`, check: func(p Patch) bool { return p.Picks != nil && len(*p.Picks) == 0 }},
		{body: `{"cover":""}`, check: func(p Patch) bool { return *p.Cover == "" }},
		{body: `{"narrative":"Baris satu\nBaris dua"}`, check: func(p Patch) bool { return *p.Narrative == "Baris satu\nBaris dua" }},
		{body: `{}`, wantErr: "changes nothing"},
		{body: `{"title":""}`, wantErr: "title cannot be empty"},
		{body: `{"starts_at":"besok pagi"}`, wantErr: "besok pagi"},
		{body: `{"picks":["` + a1 + `","` + a1 + `"]}`, wantErr: "twice"},
		{body: `{"add_material":["../../etc/passwd"]}`, wantErr: "asset id"},
		{body: `{"checklist":[{"item":" ","done":true}]}`, wantErr: "without a name"},
		{body: `{"narrative":"` + strings.Repeat("a", maxNarrative+1) + `"}`, wantErr: "bytes, at most"},
		{body: `{"approval_delegated_to":""}`, wantErr: "not a user name"},
		{body: `{"state":"approved"}`, wantErr: "unknown field"},
	}
	for _, tt := range tests {
		got, err := DecodePatch([]byte(tt.body), jakarta)
		if wantInvalid(t, fmt.Sprintf("DecodePatch(%.80s)", tt.body), err, tt.wantErr) {
			continue
		}
		if err != nil || !tt.check(got) {
			t.Errorf("DecodePatch(%s) = %+v, %v", tt.body, got, err)
		}
	}
}

// wantInvalid checks, when wantErr is set, that err is ErrInvalid and says
// wantErr, and reports whether it checked (the call was to fail).
func wantInvalid(t *testing.T, call string, err error, wantErr string) bool {
	t.Helper()
	if wantErr == "" {
		return false
	}
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), wantErr) {
		t.Errorf("%s error = %v, want ErrInvalid with %q", call, err, wantErr)
	}
	return true
}

// sentinel tells whether err is one of the errors the API maps.
func sentinel(err error) bool {
	for _, s := range []error{ErrInvalid, ErrForbidden, ErrNotAllowed} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func FuzzDecodeAction(f *testing.F) {
	for _, s := range []string{
		`{"action":"order","note":"x"}`,
		`{"action":"propose_staff","staff":[{"user":"budi","task":"photo"}]}`,
		`{"action":"return","to":"editing","note":"perbaiki"}`,
		`{"action":"publish","channel":"youtube","url":"https://youtu.be/x","assets":["` + assetID("a") + `"]}`,
		`{"action":"approve","delegate":"dewi"}`, `{"action":"resume"}`, `null`, `{"action":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := DecodeAction(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("DecodeAction error %v is not ErrInvalid", err)
			}
			return
		}
		// A decoded action either applies or is refused with a mapped
		// error, in every state, leaving a refused collection unchanged.
		for _, st := range states {
			c := ready(st)
			err := c.act(a, admin, allowAll, t0)
			if err != nil && !sentinel(err) {
				t.Fatalf("act %+v in %s: unmapped error %v", a, st, err)
			}
			if err != nil && c.State != st {
				t.Fatalf("act %+v in %s failed (%v) but changed the state to %s", a, st, err, c.State)
			}
		}
	})
}

func FuzzDecodePatch(f *testing.F) {
	a := assetID("a")
	for _, s := range []string{
		`{"title":"x","starts_at":"2026-08-17T07:00"}`,
		`{"checklist":[{"item":"camera","done":true},{"item":"notes","remove":true}]}`,
		`{"picks":["` + a + `"],"cover":"` + a + `","add_material":["` + a + `"]}`,
		`{"narrative":"a\r\nb"}`, `{"remove_material":["` + a + `"]}`, `{"approval_delegated_to":"dewi"}`, `{"picks":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodePatch(data, jakarta)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("DecodePatch error %v is not ErrInvalid", err)
			}
			return
		}
		c := ready(Drafting)
		before := len(c.Narrative.Revisions)
		err = c.patch(p, admin, allowAll, t0)
		if err != nil && !sentinel(err) {
			t.Fatalf("patch %+v: unmapped error %v", p, err)
		}
		if err == nil {
			for _, id := range c.Picks {
				if !slices.Contains(c.Material, id) {
					t.Fatalf("pick %s not in material %v", id, c.Material)
				}
			}
		}
		if err != nil && len(c.Narrative.Revisions) != before {
			t.Fatalf("failed patch (%v) added a revision", err)
		}
	})
}
