package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mediabank/auth"
	"mediabank/collections"
	"mediabank/ingest"
	"mediabank/internal/testfiles"
	"mediabank/search"
)

// copyFiles copies named files of the shared test data into a fresh folder,
// so a test ingests just those.
func copyFiles(t testing.TB, names ...string) string {
	t.Helper()
	src := testfiles.Dir(t)
	dir := t.TempDir()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(src, n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(n)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// onePhoto ingests one camera photo and answers its asset id.
func (h *harness) onePhoto(t *testing.T) string {
	t.Helper()
	h.ingest(t, copyFiles(t, "photos/jpg/Nikon_D70.jpg"))
	return firstAsset(t, h, "")
}

// firstAsset is the id of some asset in the index.
func firstAsset(t testing.TB, h *harness, q string) string {
	t.Helper()
	res, err := h.index.Search(context.Background(), search.Request{Query: q, Size: 1})
	if err != nil || len(res.Hits) == 0 {
		t.Fatalf("search %q: %v, %v", q, res, err)
	}
	return res.Hits[0].ID
}

func TestRootAndLoginRedirect(t *testing.T) {
	h := newHarness(t)
	anon := &client{t: t, h: h, http: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	admin := h.login(t, "admin")
	for _, tc := range []struct {
		name     string
		c        *client
		path     string
		status   int
		location string
	}{
		{"root without login goes to login", anon, "/", http.StatusSeeOther, "/masuk"},
		{"root logged in goes to dashboard", admin, "/", http.StatusSeeOther, "/beranda"},
		{"a page without login comes back after it", anon, "/cari?q=banjir", http.StatusSeeOther, "/masuk?next=%2Fcari%3Fq%3Dbanjir"},
		{"login page when logged in goes on", admin, "/masuk?next=/liputan", http.StatusSeeOther, "/liputan"},
		{"login page never sends elsewhere", admin, "/masuk?next=//evil.example", http.StatusSeeOther, "/beranda"},
		{"not through a tab a browser drops", admin, "/masuk?next=/%09/evil.example", http.StatusSeeOther, "/beranda"},
		{"nor through a backslash", admin, "/masuk?next=%5C%5Cevil.example", http.StatusSeeOther, "/beranda"},
		{"login page", anon, "/masuk", http.StatusOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, hdr := tc.c.do("GET", tc.path, nil, nil, nil)
			if status != tc.status || hdr.Get("Location") != tc.location {
				t.Errorf("GET %s: %d %q, want %d %q", tc.path, status, hdr.Get("Location"), tc.status, tc.location)
			}
		})
	}
}

// TestEveryPageInBothLanguages renders each page in Indonesian and English
// and checks that no text is missing from a catalogue.
func TestEveryPageInBothLanguages(t *testing.T) {
	h := newHarness(t)
	h.ingest(t, copyFiles(t, "photos/jpg/Nikon_D70.jpg", "photos/jpg/Canon_40D.jpg"))
	admin := h.login(t, "admin")
	id := admin.create("Upacara HUT RI ke-81")
	asset := firstAsset(t, h, "")
	admin.patch(id, map[string]any{"add_material": []string{asset}})
	h.toReview(t, id)
	pages := []string{"/beranda", "/cari", "/cari?type=photo&camera=nikon+d70", "/aset/" + asset + "?pos=1", "/liputan", "/liputan/" + id, "/laporan", "/pengguna", "/liputan/lip-20260101-000000"}
	for _, tc := range []struct {
		lang, want string
	}{
		{"id", "Beranda"},
		{"en", "Dashboard"},
	} {
		var out map[string]any
		if status, _ := admin.do("PATCH", "/api/v1/me", map[string]string{"language": tc.lang}, &out, nil); status != http.StatusOK {
			t.Fatalf("set language %s: %d %v", tc.lang, status, out)
		}
		for _, p := range pages {
			status, html := admin.page(p)
			wantStatus := http.StatusOK
			if strings.Contains(p, "000000") {
				wantStatus = http.StatusNotFound
			}
			if status != wantStatus {
				t.Errorf("%s %s: status %d, want %d", tc.lang, p, status, wantStatus)
			}
			if i := strings.Index(html, missingMark); i >= 0 {
				t.Errorf("%s %s: missing message near %q", tc.lang, p, html[i:min(len(html), i+60)])
			}
			contains(t, html, `<html lang="`+tc.lang+`">`)
			contains(t, html, tc.want)
		}
	}
}

// TestHostileMetadataIsEscaped puts markup in every place cameras and
// people write to, and checks it reaches the pages as text.
func TestHostileMetadataIsEscaped(t *testing.T) {
	h := newHarness(t)
	asset := h.onePhoto(t)
	admin := h.login(t, "admin")
	const evil = `<script>alert("x")</script>'"><img src=x onerror=alert(1)>`
	var out map[string]any
	if status, _ := admin.do("PATCH", "/api/v1/assets/"+asset, map[string]any{"caption": evil, "keywords": []string{evil, "banjir"}, "people": []string{evil}, "place": evil}, &out, nil); status != http.StatusOK {
		t.Fatalf("edit: %d %v", status, out)
	}
	id := admin.create(evil)
	admin.patch(id, map[string]any{"add_material": []string{asset}, "narrative": evil})
	for _, p := range []string{"/beranda", "/cari?q=banjir", "/cari?q=" + strings.ReplaceAll(evil, "&", "%26"), "/aset/" + asset, "/liputan", "/liputan/" + id} {
		t.Run(p, func(t *testing.T) {
			status, html := admin.page(p)
			if status != http.StatusOK && status != http.StatusBadRequest {
				t.Fatalf("status %d", status)
			}
			for _, raw := range []string{`<script>alert`, `<img src=x`, `onerror=alert(1)>`} {
				if strings.Contains(html, raw) {
					t.Errorf("raw %q in the page", raw)
				}
			}
		})
	}
	// And it is there, escaped, where it belongs.
	_, html := admin.page("/aset/" + asset)
	contains(t, html, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`)
	_, html = admin.page("/cari?q=banjir")
	contains(t, html, `alt="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&#39;&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"`)
}

// TestPagesOfferWhatTheRoleMay checks that what the policy refuses a role
// is not on its pages, and what it grants is.
func TestPagesOfferWhatTheRoleMay(t *testing.T) {
	h := newHarness(t)
	asset := h.onePhoto(t)
	admin := h.login(t, "admin")
	created := admin.create("Rapat koordinasi")
	review := admin.create("Peresmian taman")
	h.toReview(t, review)
	for _, tc := range []struct {
		user, path string
		status     int
		has, lacks []string
	}{
		{"tamu", "/beranda", 200, nil, []string{`href="/laporan"`, `href="/pengguna"`}},
		{"tamu", "/aset/" + asset, 200, []string{"/original"}, []string{`id="asset-form"`}},
		{"tamu", "/pengguna", 403, nil, nil},
		{"tamu", "/laporan", 403, nil, nil},
		{"tamu", "/liputan", 200, nil, []string{`id="new-collection"`}},
		{"tamu", "/liputan/" + created, 200, nil, []string{`data-action=`, `id="dropzone"`}},
		{"kabid", "/beranda", 200, []string{`href="/laporan"`}, []string{`href="/pengguna"`}},
		{"kabid", "/liputan/" + created, 200, []string{`data-action="order"`, `data-action="cancel"`, `id="dropzone"`}, []string{`data-action="propose_staff"`}},
		{"kabid", "/liputan/" + review, 200, []string{`data-action="approve"`, `data-action="return"`}, nil},
		{"subkor", "/liputan/" + created, 200, nil, []string{`data-action="order"`}},
		// The editor wrote the narrative: no approving it, even if delegated.
		{"redaktur", "/liputan/" + review, 200, nil, []string{`data-action="approve"`, `id="narrative-form"`}},
		// Staff not assigned to a coverage take no step in it.
		{"fotografer", "/liputan/" + created, 200, nil, []string{`data-action=`}},
		{"fotografer", "/aset/" + asset, 200, []string{`id="asset-form"`}, nil},
		{"admin", "/pengguna", 200, []string{`id="add-user"`, `data-user="fotografer"`}, nil},
		{"admin", "/liputan", 200, []string{`id="new-collection"`}, nil},
	} {
		t.Run(tc.user+tc.path, func(t *testing.T) {
			c := h.login(t, tc.user)
			status, html := c.page(tc.path)
			if status != tc.status {
				t.Fatalf("status %d, want %d", status, tc.status)
			}
			offers(t, html, tc.has, tc.lacks)
		})
	}
}

// TestPageHeaders: pages are never cached and run only our own scripts.
func TestPageHeaders(t *testing.T) {
	h := newHarness(t)
	c := h.login(t, "admin")
	_, hdr := c.do("GET", "/beranda", nil, nil, nil)
	for k, want := range map[string]string{
		"Content-Type":           "text/html; charset=utf-8",
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
	} {
		if got := hdr.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	var css string
	status, hdr := c.do("GET", "/static/app.css", nil, &css, nil)
	if status != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/css") || !strings.Contains(css, "--brand") {
		t.Errorf("app.css: %d %q", status, hdr.Get("Content-Type"))
	}
	if status, _ := c.do("GET", "/static/../web.go", nil, nil, nil); status != http.StatusNotFound {
		t.Errorf("path outside static: %d", status)
	}
}

// TestSearchByCoverageStatusAndAgency: the status and agency filters keep
// the search to assets filed into the coverage that has them, and say so
// in readable words.
func TestSearchByCoverageStatusAndAgency(t *testing.T) {
	h := newHarness(t)
	admin := h.login(t, "admin")
	health := admin.create("Vaksinasi anak sekolah") // Dinas Kesehatan
	var flood struct{ ID string }
	if status, _ := admin.do("POST", "/api/v1/collections", map[string]string{"title": "Banjir Ciledug", "agency": "BPBD"}, &flood, nil); status != http.StatusCreated {
		t.Fatalf("create: %d", status)
	}
	ctx := context.Background()
	for _, f := range []struct{ file, collection string }{
		{"photos/jpg/Nikon_D70.jpg", health}, {"photos/jpg/Canon_40D.jpg", flood.ID}, {"formats/GPS.jpg", ""},
	} {
		if _, err := h.in.Run(ctx, []string{copyFiles(t, f.file)}, ingest.RunOptions{Collection: f.collection}); err != nil {
			t.Fatal(err)
		}
	}
	h.toReview(t, health)
	for _, tc := range []struct {
		name, query string
		tiles       int
		has         []string
	}{
		{"no filter", "", 3, []string{`<option value="in_review">Diperiksa</option>`, `<option value="BPBD">BPBD</option>`, `<option value="Dinas Kesehatan">Dinas Kesehatan</option>`}},
		{"status", "status=in_review", 1, []string{"Status liputan: Diperiksa", `data-id="` + firstAsset(t, h, "collection:"+health)}},
		{"agency, any case", "agency=bpbd", 1, []string{"Instansi (OPD): BPBD", `data-id="` + firstAsset(t, h, "collection:"+flood.ID)}},
		{"both", "status=created&agency=BPBD", 1, nil},
		{"no coverage in that state", "status=published", 0, []string{"Tidak ada yang cocok"}},
		{"with a word", "q=nikon&agency=Dinas+Kesehatan", 1, nil},
		// The coverage facet names each coverage by its title.
		{"coverage titles", "", 3, []string{`>Vaksinasi anak sekolah (1)</option>`, `>Banjir Ciledug (1)</option>`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, html := admin.page("/cari?" + tc.query)
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			if got := strings.Count(html, `<li class="tile"`); got != tc.tiles {
				t.Errorf("%d tiles, want %d", got, tc.tiles)
			}
			for _, s := range tc.has {
				contains(t, html, s)
			}
		})
	}
}

// TestCollectionPageFollowsTheWorkflow: the page keeps no copy of a
// workflow rule. Changing a rule in the collections service (here its
// policy: the coordinator orders coverage instead of the head) moves the
// buttons with it, though the role table the rest of the pages read is
// unchanged.
func TestCollectionPageFollowsTheWorkflow(t *testing.T) {
	base := auth.DefaultPolicy()
	h := newHarnessWith(t, collections.PolicyFunc(func(role, action string) auth.Decision {
		switch action {
		case collections.PolicyAction(collections.ActOrder):
			if role == auth.RoleCoordinator {
				return auth.Allow
			}
			return auth.Deny
		}
		return base.Decide(role, action)
	}))
	created := h.login(t, "admin").create("Rapat koordinasi")
	for _, tc := range []struct {
		user       string
		has, lacks []string
	}{
		{"kabid", nil, []string{`data-action="order"`}},
		{"subkor", []string{`data-action="order"`}, nil},
	} {
		t.Run(tc.user, func(t *testing.T) {
			status, html := h.login(t, tc.user).page("/liputan/" + created)
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			offers(t, html, tc.has, tc.lacks)
		})
	}
}

// TestCoverageListSearchesLikeTheAPI: q on the coverage list means what it
// means in the API, words and fields of the index.
func TestCoverageListSearchesLikeTheAPI(t *testing.T) {
	h := newHarness(t)
	admin := h.login(t, "admin")
	meeting := admin.create("Rapat koordinasi")
	park := admin.create("Peresmian taman")
	h.toReview(t, park)
	for _, tc := range []struct {
		q          string
		has, lacks []string
	}{
		{"", []string{meeting, park}, nil},
		{"taman", []string{park}, []string{meeting}},
		{"state:in_review", []string{park}, []string{meeting}},
		{"state:created", []string{meeting}, []string{park}},
	} {
		t.Run(tc.q, func(t *testing.T) {
			status, html := admin.page("/liputan?q=" + url.QueryEscape(tc.q))
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			link := func(ids []string) (out []string) {
				for _, id := range ids {
					out = append(out, `href="/liputan/`+id+`"`)
				}
				return out
			}
			offers(t, html, link(tc.has), link(tc.lacks))
		})
	}
}

// TestAssetPageOffersTheOriginalOnlyWhenReleased: the asset page asks the
// workflow whether the user may have the original, as the API does, so
// nobody is shown a download that answers 403.
func TestAssetPageOffersTheOriginalOnlyWhenReleased(t *testing.T) {
	h := newHarness(t)
	asset := h.onePhoto(t)
	admin := h.login(t, "admin")
	col := admin.create("Rapat koordinasi")
	admin.patch(col, map[string]any{"add_material": []string{asset}})
	link := `href="/api/v1/assets/` + asset + `/original"`
	for _, tc := range []struct {
		user       string
		has, lacks []string
	}{
		// The viewer's role may not download what a coverage has not released.
		{"tamu", []string{`id="original-unreleased"`}, []string{link}},
		{"admin", []string{link}, []string{`id="original-unreleased"`}},
	} {
		t.Run(tc.user, func(t *testing.T) {
			c := h.login(t, tc.user)
			status, html := c.page("/aset/" + asset)
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			offers(t, html, tc.has, tc.lacks)
			if got, _ := c.do("GET", "/api/v1/assets/"+asset+"/original", nil, nil, nil); (got == http.StatusOK) != strings.Contains(html, link) {
				t.Errorf("the original answers %d, the page offers it: %v", got, strings.Contains(html, link))
			}
		})
	}
}
