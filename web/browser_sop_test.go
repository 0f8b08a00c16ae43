package web

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"mediabank/collections"
	"mediabank/internal/testfiles"
)

// stale marks the page in the tab, so a wait can tell the page a step
// reloads into from the one it started on.
func (b *browser) stale() {
	b.t.Helper()
	eval[bool](b, `window.__stale = true`)
}

// reloaded waits for the page after a step: a fresh document where cond
// holds. If the step shows an error instead, the test fails with it.
func (b *browser) reloaded(what, cond string) {
	b.t.Helper()
	b.waitFor(what, `(!window.__stale && document.readyState === "complete" && (`+cond+`)) ||
		(window.__stale && [...document.querySelectorAll("[data-error]")].some(e => !e.hidden))`, 20*time.Second)
	if eval[bool](b, `!!window.__stale`) {
		b.t.Fatalf("%s: the page says %q", what, b.text("[data-error]:not([hidden])"))
	}
}

// act takes a workflow step through its form on the coverage page, after
// fill, and waits for the page to show the state it leads to.
func (b *browser) act(action, state string, fill ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.stale()
	b.do(action, append(fill, chromedp.Click(chromedp.CSS(`form[data-action="`+action+`"] button[type=submit]`)))...)
	b.reloaded(action+" → "+state, `document.querySelector(".col-head .state").textContent === `+jsString(state))
}

// saved clicks sel, which saves with a PATCH, and waits for the new ETag
// the save brings (the next save must send it).
func (b *browser) saved(what, sel string) {
	b.t.Helper()
	etag := eval[string](b, `document.querySelector("#collection").dataset.etag`)
	b.do(what, chromedp.Click(chromedp.CSS(sel)))
	b.waitFor(what+" saved", `document.querySelector("#collection").dataset.etag !== `+jsString(etag), 10*time.Second)
}

// diffAdds shows what narrative revision rev changed and answers the
// text it adds.
func (b *browser) diffAdds(rev int) string {
	b.t.Helper()
	b.do(fmt.Sprintf("show the change of revision %d", rev), chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-diff="%d"]`, rev))))
	b.waitFor("diff", `!document.querySelector("#diff").hidden && document.querySelector("#diff .add")`, 10*time.Second)
	return b.text("#diff .add")
}

// switchUser logs out and in again as name.
func (b *browser) switchUser(name string) {
	b.t.Helper()
	b.logout()
	b.login(name)
}

// TestBrowserCoverage drives one coverage through every step of the SOP,
// through the pages only and in Indonesian, each step by the role that
// takes it: the head orders, the coordinator proposes staff, the head
// assigns, the photographer (on a phone) ticks the equipment, covers,
// uploads the material, picks and orders the selection with its cover;
// the editor writes two revisions and submits; the coordinator returns it
// with a note; the editor fixes it; the head (who wrote nothing) approves;
// the photographer publishes on three channels and archives.
func TestBrowserCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser test takes a while")
	}
	h := newHarness(t)
	data := testfiles.Dir(t)
	b := newBrowser(t, h.url)
	defer b.finish()
	ctx := context.Background()

	// 1. Kabid creates the coverage and orders it.
	b.login("kabid")
	b.open("/liputan")
	b.do("new coverage",
		chromedp.SendKeys(chromedp.ID("nc-title"), "Peresmian Taman Tematik Cisadane"),
		chromedp.SendKeys(chromedp.ID("nc-agency"), "Dinas Perumahan dan Permukiman"),
		chromedp.SendKeys(chromedp.ID("nc-place"), "Jalan Benteng Betawi"),
		chromedp.SetValue(chromedp.ID("nc-starts"), "2026-09-02T08:00"))
	b.stale()
	b.do("create", chromedp.Click(chromedp.CSS(`#new-collection button[type=submit]`)))
	b.reloaded("coverage page", `location.pathname.startsWith("/liputan/lip-") && document.querySelector("#collection")`)
	colPath := eval[string](b, `location.pathname`)
	id := strings.TrimPrefix(colPath, "/liputan/")
	if got := b.text(".col-head .state"); got != "Dibuat" {
		t.Errorf("new coverage in state %q", got)
	}
	b.act("order", "Diperintahkan", chromedp.SendKeys(chromedp.ID("note-order"), "Liput peresmian oleh Wali Kota."))

	// 2. Sub Kor proposes the staff.
	b.switchUser("subkor")
	b.open(colPath)
	b.act("propose_staff", "Petugas diusulkan",
		chromedp.SetValue(chromedp.ID("ps-user-1"), "fotografer"), chromedp.SetValue(chromedp.ID("ps-task-1"), "photo"),
		chromedp.SetValue(chromedp.ID("ps-user-2"), "redaktur"), chromedp.SetValue(chromedp.ID("ps-task-2"), "writing"))

	// 3. Kabid assigns them.
	b.switchUser("kabid")
	b.open(colPath)
	if got := b.text(".col-grid .card"); !strings.Contains(got, "fotografer · Foto") || !strings.Contains(got, "redaktur · Penulisan") {
		t.Errorf("proposed staff shows as %q", got)
	}
	b.act("assign", "Petugas ditugaskan")

	// 4-7. The photographer, on a phone: equipment, coverage, material.
	b.usePhone(true)
	b.switchUser("fotografer")
	if got := b.text("#h-mine + .rows"); !strings.Contains(got, "Peresmian Taman Tematik Cisadane") {
		t.Errorf("the photographer's dashboard lists %q", got)
	}
	b.open(colPath)
	for i := range b.count("[data-check]") {
		b.saved("tick equipment", fmt.Sprintf("#chk-%d", i))
	}
	b.shot("sop-peralatan")
	b.act("equipment_ready", "Peralatan siap")
	b.act("start_coverage", "Sedang meliput")
	b.do("upload the material", chromedp.SetUploadFiles(chromedp.ID("upload-input"), []string{
		filepath.Join(data, "photos", "jpg", "Nikon_D70.jpg"),
		filepath.Join(data, "photos", "jpg", "Canon_40D.jpg"),
		filepath.Join(data, "formats", "GPS.jpg"),
	}))
	b.waitFor("uploads done", `document.querySelectorAll("#uploads .upload").length === 3 && [...document.querySelectorAll("#uploads .upload")].every(r => r.dataset.state === "done")`, 60*time.Second)
	b.stale()
	b.do("show the material", chromedp.Click(chromedp.CSS(`.upload-done button`)))
	b.reloaded("material", `document.querySelectorAll(".small-grid .tile").length === 3`)
	b.act("material_gathered", "Bahan terkumpul")
	b.act("start_drafting", "Menyusun narasi")

	// 8. Picks, their order and the cover, still on the phone.
	material := eval[[]string](b, `[...document.querySelectorAll(".small-grid .tile")].map(t => t.dataset.id)`)
	for i, m := range material {
		b.stale()
		b.do("pick", chromedp.Click(chromedp.CSS(`[data-pick="`+m+`"]`)))
		b.reloaded("picked", fmt.Sprintf(`document.querySelectorAll("#picks > li").length === %d`, i+1))
	}
	order := func() []string {
		return eval[[]string](b, `[...document.querySelectorAll("#picks > li")].map(li => li.dataset.id)`)
	}
	if got := order(); !slices.Equal(got, material) {
		t.Fatalf("picks %v, want the material's order %v", got, material)
	}
	m1, m2, m3 := material[0], material[1], material[2]
	b.saved("first down", `#picks > li:nth-child(1) [data-move="down"]`)
	b.waitFor("moved", `document.querySelector("#picks > li").dataset.id === `+jsString(m2), 5*time.Second)
	// By keyboard: the last one up twice; the second time it reaches the
	// top, and the focus goes to its other button.
	b.do("focus the last up", chromedp.Focus(chromedp.CSS(`#picks > li:nth-child(3) [data-move="up"]`)))
	for range 2 {
		etag := eval[string](b, `document.querySelector("#collection").dataset.etag`)
		b.do("Enter", chromedp.KeyEvent(kb.Enter))
		b.waitFor("moved by keyboard", `document.querySelector("#collection").dataset.etag !== `+jsString(etag), 10*time.Second)
	}
	want := []string{m3, m2, m1}
	if got := order(); !slices.Equal(got, want) {
		t.Errorf("picks after moving %v, want %v", got, want)
	}
	if got := eval[string](b, `document.activeElement.closest("li").dataset.id + " " + document.activeElement.dataset.move`); got != m3+" down" {
		t.Errorf("focus after moving to the top is on %q, want %q", got, m3+" down")
	}
	b.saved("choose the cover", `#picks [data-cover="`+m2+`"]`)
	b.waitFor("cover toast", `document.querySelector("#toast").textContent.includes("menjadi sampul")`, 5*time.Second)
	b.shot("sop-pilihan")
	c, _, err := h.cols.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Picks, want) || c.Cover != m2 {
		t.Errorf("saved picks %v cover %s, want %v cover %s", c.Picks, c.Cover, want, m2)
	}
	b.open(colPath)
	if got := order(); !slices.Equal(got, want) || b.count(`#picks li.is-cover[data-id="`+m2+`"]`) != 1 {
		t.Errorf("after reload: picks %v, cover shown on %d rows", got, b.count(`#picks li.is-cover`))
	}

	// 8-9. The editor writes two revisions and hands the draft on.
	b.usePhone(false)
	b.switchUser("redaktur")
	b.open(colPath)
	for i, text := range []string{
		"Wali Kota Tangerang meresmikan Taman Tematik Cisadane.",
		"Wali Kota Tangerang meresmikan Taman Tematik Cisadane di Jalan Benteng Betawi.\nTaman ini terbuka untuk umum setiap hari.",
	} {
		b.stale()
		b.do("narrative", chromedp.SetValue(chromedp.ID("narrative"), text), chromedp.Click(chromedp.CSS(`#narrative-form button[type=submit]`)))
		b.reloaded("narrative saved", fmt.Sprintf(`document.querySelectorAll(".revisions li").length === %d`, i+1))
	}
	b.act("submit_draft", "Penyuntingan")
	b.act("submit_review", "Diperiksa")

	// 10. Sub Kor returns it with a note.
	b.switchUser("subkor")
	b.open(colPath)
	b.act("return", "Penyuntingan",
		chromedp.SendKeys(chromedp.ID("note-return"), "Tambahkan jam buka taman."),
		chromedp.SetValue(chromedp.ID("return-to"), "editing"))
	if got := b.text(".review-return"); !strings.Contains(got, "Tambahkan jam buka taman.") || !strings.Contains(got, "subkor") {
		t.Errorf("the return shows as %q", got)
	}
	b.shot("sop-dikembalikan")

	// The editor fixes it and resubmits; as an author, no approving.
	b.switchUser("redaktur")
	b.open(colPath)
	b.stale()
	b.do("fix the narrative",
		chromedp.SetValue(chromedp.ID("narrative"), "Wali Kota Tangerang meresmikan Taman Tematik Cisadane di Jalan Benteng Betawi.\nTaman ini terbuka untuk umum setiap hari pukul 06.00-22.00 WIB."),
		chromedp.Click(chromedp.CSS(`#narrative-form button[type=submit]`)))
	b.reloaded("fixed", `document.querySelectorAll(".revisions li").length === 3`)
	b.act("submit_review", "Diperiksa")
	if n := b.count(`form[data-action="approve"]`); n != 0 || !strings.Contains(b.text("section.actions"), "orang lain yang harus menyetujuinya") {
		t.Errorf("the author is offered %d approve forms, told %q", n, b.text("section.actions"))
	}

	// Kabid, who wrote none of it, reads the change and approves.
	b.switchUser("kabid")
	b.open(colPath)
	if got := b.diffAdds(3); !strings.Contains(got, "06.00-22.00") {
		t.Errorf("the diff adds %q", got)
	}
	b.act("approve", "Disetujui", chromedp.SendKeys(chromedp.ID("note-approve"), "Siap terbit."))

	// 11-12. The photographer publishes on three channels, then archives.
	b.usePhone(true)
	b.switchUser("fotografer")
	b.open(colPath)
	for _, p := range []struct{ channel, url string }{
		{"website", "https://tangerangkota.go.id/berita/taman-tematik-cisadane"},
		{"youtube", "https://www.youtube.com/watch?v=TmnCsdn2026"},
		{"instagram", "https://www.instagram.com/p/TamanCisadane/"},
	} {
		b.act("publish", "Dipublikasikan", chromedp.SetValue(chromedp.ID("pub-channel"), p.channel), chromedp.SetValue(chromedp.ID("pub-url"), p.url))
	}
	if n := b.count(`#h-pubs + ul li`); n != 3 {
		t.Errorf("%d publications listed, want 3", n)
	}
	b.shot("sop-publikasi")
	b.act("archive", "Diarsipkan")
	if n := b.count(`form.act`); n != 0 {
		t.Errorf("an archived coverage offers %d actions", n)
	}
	b.shot("sop-arsip")

	// The record holds every step, by whom, in order.
	c, _, err = h.cols.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, st := range c.History {
		if st.EndedWith != "" {
			steps = append(steps, st.EndedWith+" by "+st.EndedBy)
		}
	}
	wantSteps := []string{"order by kabid", "propose_staff by subkor", "assign by kabid", "equipment_ready by fotografer",
		"start_coverage by fotografer", "material_gathered by fotografer", "start_drafting by fotografer",
		"submit_draft by redaktur", "submit_review by redaktur", "return by subkor", "submit_review by redaktur",
		"approve by kabid", "publish by fotografer", "archive by fotografer"}
	if !slices.Equal(steps, wantSteps) {
		t.Errorf("history:\n%q\nwant\n%q", steps, wantSteps)
	}
	if c.State != collections.Archived || len(c.Publications) != 3 || len(c.Narrative.Revisions) != 3 || len(c.Reviews) != 2 || c.Archive == nil {
		t.Errorf("archived record: state %s, %d publications, %d revisions, %d reviews, archive %v",
			c.State, len(c.Publications), len(c.Narrative.Revisions), len(c.Reviews), c.Archive)
	}
	for _, p := range c.Publications {
		if !slices.Equal(p.Assets, want) {
			t.Errorf("published on %s with %v, want the picks in order %v", p.Channel, p.Assets, want)
		}
	}
}
