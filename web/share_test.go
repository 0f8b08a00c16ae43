package web

import (
	"archive/zip"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mediabank/assets"
	"mediabank/collections"
)

// TestSharePage opens a share link in Chromium without logging in: the
// page, in Bahasa Indonesia, shows exactly the shared picks and downloads
// all of them as one ZIP; once the link is revoked it answers 410.
func TestSharePage(t *testing.T) {
	h := newHarness(t)
	id, picks := approvedCoverage(t, h)
	nikon, canon := picks[0], picks[1]
	foto := h.login(t, "fotografer")
	var made struct{ ID, URL string }
	if st, _ := foto.do("POST", "/api/v1/shares", map[string]string{"collection": id, "channel": "original",
		"expires_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339)}, &made, nil); st != http.StatusCreated {
		t.Fatalf("create share: %d", st)
	}
	if !strings.HasPrefix(made.URL, "/bagikan/") {
		t.Fatalf("share url %q", made.URL)
	}
	if st, _ := (&client{t: t, h: h, http: http.DefaultClient}).page("/bagikan/" + strings.Repeat("A", 22)); st != http.StatusNotFound {
		t.Errorf("unknown link: %d, want 404", st)
	}

	b := newBrowser(t, h.url)
	b.open(made.URL)
	if got := b.text("h1"); got != "Upacara HUT RI ke-81" {
		t.Errorf("heading %q", got)
	}
	if got := b.text("main"); !strings.Contains(got, "Tautan berlaku sampai") || !strings.Contains(got, "berkas asli dari kamera") {
		t.Errorf("page text %q: want the expiry and what is shared, in Indonesian", got)
	}
	if n := b.count("[data-share-download]"); n != 2 {
		t.Errorf("%d downloads, want one per pick (2)", n)
	}
	if got := eval[string](b, `[...document.querySelectorAll(".tile")].map(e => e.dataset.id).join(",")`); got != nikon+","+canon {
		t.Errorf("tiles %s, want the picks in order", got)
	}
	// Lazy images do not hold up the load event: wait for them to decode.
	b.waitFor("both thumbnails shown", `[...document.querySelectorAll(".tile img")].filter(i => i.complete && i.naturalWidth > 0).length === 2`, time.Minute)
	b.shot("share")
	got := zipIDs(t, b.download("download all", "[data-share-all]"))
	if len(got) != 2 || got[0] != nikon || got[1] != canon {
		t.Errorf("ZIP holds %v, want the originals %s, %s", got, nikon, canon)
	}

	if st, _ := foto.do("DELETE", "/api/v1/shares/"+made.ID, nil, nil, nil); st != http.StatusNoContent {
		t.Fatalf("revoke: %d", st)
	}
	b.expect(made.URL, "410")
	b.open(made.URL)
	if got := b.text("h1"); got != "Tautan ini sudah kedaluwarsa atau dicabut" {
		t.Errorf("after revoke: heading %q", got)
	}
	b.finish()
}

// approvedCoverage is an approved coverage with two picks of real camera
// files (Nikon, then Canon), written straight into the record: the
// workflow's way there is tested by TestBrowser.
func approvedCoverage(t *testing.T, h *harness) (string, []string) {
	t.Helper()
	h.ingest(t, copyFiles(t, "photos/jpg/Canon_40D.jpg", "photos/jpg/Nikon_D70.jpg", "photos/jpg/Kodak_CX7530.jpg"))
	canon, nikon := firstAsset(t, h, "name:Canon_40D.jpg"), firstAsset(t, h, "name:Nikon_D70.jpg")
	id := h.login(t, "kabid").create("Upacara HUT RI ke-81")
	ctx := context.Background()
	var c collections.Collection
	tag, err := assets.ReadJSON(ctx, h.store, collections.Key(id), &c)
	if err != nil {
		t.Fatal(err)
	}
	c.State, c.Material, c.Picks, c.Version = collections.Approved, []string{canon, nikon}, []string{nikon, canon}, c.Version+1
	if _, err := assets.WriteJSON(ctx, h.store, collections.Key(id), &c, assets.PutOptions{IfMatch: tag}); err != nil {
		t.Fatal(err)
	}
	return id, []string{nikon, canon}
}

// TestPublishPanel: on an approved coverage's page the Publikasi panel
// downloads the picks as a channel's ZIP, makes a share link and revokes
// it; a viewer sees no panel.
func TestPublishPanel(t *testing.T) {
	h := newHarness(t)
	id, _ := approvedCoverage(t, h)
	if _, html := h.login(t, "tamu").page("/liputan/" + id); strings.Contains(html, `id="publish"`) {
		t.Error("a viewer sees the Publikasi panel")
	}
	b := newBrowser(t, h.url)
	b.login("fotografer")
	b.open("/liputan/" + id)
	if n := b.count("#publish"); n != 1 {
		t.Fatalf("%d Publikasi panels, want 1", n)
	}
	b.do("pick a channel", chromedp.SetValue(chromedp.ID("exp-channel"), "instagram_feed"))
	zipped := b.download("export", "form[data-export] button[type=submit]")
	zr, err := zip.OpenReader(zipped)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	zr.Close()
	if want := "20260817-upacara-hut-ri-ke-81-01.jpg,20260817-upacara-hut-ri-ke-81-02.jpg"; strings.Join(names, ",") != want || !strings.HasSuffix(zipped, "-instagram_feed.zip") {
		t.Errorf("export %s holds %v, want %s", zipped, names, want)
	}
	b.do("make a link", chromedp.Click(chromedp.CSS("form[data-share] button[type=submit]")))
	b.waitFor("the new link", `!document.querySelector("[data-share-made]").hidden`, 10*time.Second)
	link := eval[string](b, `document.querySelector("#share-url").value`)
	if !strings.HasPrefix(link, h.url+"/bagikan/") {
		t.Errorf("new link %q", link)
	}
	b.open("/liputan/" + id)
	if n := b.count("[data-revoke]"); n != 1 {
		t.Fatalf("%d live links listed, want 1", n)
	}
	b.do("revoke", chromedp.Click(chromedp.CSS("[data-revoke]")))
	b.waitFor("revoked", `document.readyState === "complete" && document.querySelectorAll("[data-revoke]").length === 0 && !!document.querySelector("[data-share-state]")`, 10*time.Second)
	if got := b.text("[data-share-state]"); got != "dicabut" {
		t.Errorf("link state %q, want dicabut", got)
	}
	b.expect(strings.TrimPrefix(link, h.url), "410")
	b.open(strings.TrimPrefix(link, h.url))
	if got := b.text("h1"); got != "Tautan ini sudah kedaluwarsa atau dicabut" {
		t.Errorf("revoked link: heading %q", got)
	}
	b.finish()
}
