package web

import (
	"archive/zip"
	"bytes"
	"context"
	"image/jpeg"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"mediabank/assets"
	"mediabank/channels"
	"mediabank/collections"
)

// TestPresetPublications: every default channel preset names a
// publication channel the workflow's publish action takes, so an export
// is always offered to a record that exists.
func TestPresetPublications(t *testing.T) {
	h := newHarness(t)
	id := h.login(t, "kabid").create("Rapat koordinasi")
	col, _, err := h.cols.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	valid := h.cols.Options(col, collections.Actor{User: "kabid", Role: "head"}).Channels
	for _, p := range channels.DefaultPresets().List() {
		if !slices.Contains(valid, p.Publication) {
			t.Errorf("preset %s: publication %q, want one of %v", p.Name, p.Publication, valid)
		}
	}
}

// rect is a frame as the page and the API write it.
type rect struct{ X, Y, W, H float64 }

// TestCropEditor: on an approved coverage the photographer picks a
// channel in the Publikasi panel, adjusts the first pick's crop by
// keyboard and by dragging it, saves it and sees the pick's frame follow;
// the export's ZIP holds that pick cut by the stored crop (its pixels are
// those channels.Renderer makes of the stored crop, and not those of the
// default crop); then the export is offered to the publication record of
// its channel, which is recorded with its link and listed.
func TestCropEditor(t *testing.T) {
	h := newHarness(t)
	id, picks := approvedCoverage(t, h)
	ctx := context.Background()
	var c collections.Collection
	tag, err := assets.ReadJSON(ctx, h.store, collections.Key(id), &c)
	if err != nil {
		t.Fatal(err)
	}
	c.AssignedStaff, c.Version = []collections.StaffMember{{Assignee: collections.Assignee{User: "fotografer", Task: "photo"}}}, c.Version+1
	if _, err := assets.WriteJSON(ctx, h.store, collections.Key(id), &c, assets.PutOptions{IfMatch: tag}); err != nil {
		t.Fatal(err)
	}
	first := picks[0]

	b := newBrowser(t, h.url)
	b.login("fotografer")
	b.open("/liputan/" + id)
	if n := b.count(".crop-pick"); n != 2 {
		t.Fatalf("%d picks in the panel, want 2", n)
	}
	// The web channel does not crop: nothing to adjust.
	if n := b.count("[data-crop-edit]:not([hidden])"); n != 0 {
		t.Errorf("%d crop buttons for the web channel, want none", n)
	}
	pickLi := `document.querySelector('.crop-pick[data-id="` + first + `"]')`
	// As a person choosing from the list: the value changes, then change fires.
	eval[bool](b, `(() => { const s = document.querySelector("#exp-channel"); s.value = "instagram_feed"; s.dispatchEvent(new Event("change")); return true; })()`)
	frameOnThumb := func() rect {
		return eval[rect](b, `(() => { const s = `+pickLi+`.querySelector(".crop-box").style; return {X: parseFloat(s.left)/100, Y: parseFloat(s.top)/100, W: parseFloat(s.width)/100, H: parseFloat(s.height)/100}; })()`)
	}
	before := frameOnThumb()
	if before.W <= 0 || before.W >= 1 || math.Abs(before.H-1) > 1e-6 {
		t.Errorf("default 4:5 frame of a landscape pick drawn at %+v, want the full height and part of the width", before)
	}
	b.shot("publish-panel")

	b.do("open the crop editor", chromedp.Click(chromedp.CSS(`[data-crop-edit="`+first+`"]`)))
	b.waitFor("the editor, focused on the frame", `!document.querySelector("#crop-editor").hidden && document.activeElement.id === "crop-frame" && document.querySelector("#crop-where").textContent !== ""`, 20*time.Second)
	editorFrame := func() rect {
		return eval[rect](b, `(() => { const s = document.querySelector("#crop-frame").style; return {X: parseFloat(s.left)/100, Y: parseFloat(s.top)/100, W: parseFloat(s.width)/100, H: parseFloat(s.height)/100}; })()`)
	}
	start := editorFrame()
	// Keyboard: smaller twice (-, then Shift+Left), then left and up.
	b.do("resize and move by keyboard", chromedp.KeyEvent("-"), chromedp.KeyEvent(kb.ArrowLeft, chromedp.KeyModifiers(chromedp.ModifierShift)),
		chromedp.KeyEvent(kb.ArrowLeft), chromedp.KeyEvent(kb.ArrowLeft), chromedp.KeyEvent(kb.ArrowUp))
	keyed := editorFrame()
	if !(keyed.W < start.W-0.06 && keyed.H < start.H) {
		t.Errorf("after - and Shift+Left the frame is %+v, want smaller than %+v by about 0.07 of the width", keyed, start)
	}
	if ratio := keyed.W / keyed.H; math.Abs(ratio-start.W/start.H) > 1e-6 {
		t.Errorf("the frame lost its shape: %g, want %g (4:5 on this picture)", ratio, start.W/start.H)
	}
	// Pointer: drag the frame to the right by a tenth of the picture.
	box := eval[rect](b, `(() => { const r = document.querySelector("#crop-frame").getBoundingClientRect(), i = document.querySelector("#crop-img").getBoundingClientRect(); return {X: r.x + r.width/2, Y: r.y + r.height/2, W: i.width, H: i.height}; })()`)
	dx := box.W / 10
	b.do("drag the frame",
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, box.X, box.Y, chromedp.ButtonType(input.MouseButtonLeft)),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, box.X+dx/2, box.Y, chromedp.ButtonType(input.MouseButtonLeft)),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, box.X+dx, box.Y, chromedp.ButtonType(input.MouseButtonLeft)),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, box.X+dx, box.Y, chromedp.ButtonType(input.MouseButtonLeft)))
	dragged := editorFrame()
	if math.Abs(dragged.X-(keyed.X+0.1)) > 0.01 || math.Abs(dragged.W-keyed.W) > 1e-6 {
		t.Errorf("after the drag the frame is %+v, want %+v moved right by 0.1", dragged, keyed)
	}
	b.shot("crop-editor")
	b.do("save with Enter", chromedp.Focus(chromedp.ID("crop-frame")), chromedp.KeyEvent(kb.Enter))
	b.waitFor("the editor closed", `document.querySelector("#crop-editor").hidden`, 20*time.Second)

	// Stored with who and when, fitted to 4:5 on the original.
	rec, _, err := assets.ReadRecord(ctx, h.store, first)
	if err != nil {
		t.Fatal(err)
	}
	crop, ok := rec.Crops["4:5"]
	if !ok || crop.By != "fotografer" || math.Abs(crop.X-dragged.X) > 0.01 || math.Abs(crop.W-dragged.W) > 0.01 {
		t.Fatalf("stored crops %+v, want 4:5 by fotografer near %+v", rec.Crops, dragged)
	}
	// The pick's frame follows: it is the stored one.
	if got := frameOnThumb(); math.Abs(got.X-crop.X) > 1e-6 || math.Abs(got.W-crop.W) > 1e-6 || math.Abs(got.Y-crop.Y) > 1e-6 {
		t.Errorf("the pick's frame is %+v, want the stored %+v", got, crop.Rect)
	}
	// Another channel of the same shape would show it too; x (16:9) does not.
	if got := eval[rect](b, `(() => { const f = JSON.parse(`+pickLi+`.dataset.frames).x; return {X: f.x, Y: f.y, W: f.w, H: f.h}; })()`); got.W == crop.W {
		t.Errorf("the 16:9 frame took the 4:5 crop: %+v", got)
	}

	// Escape leaves the stored crop as it is, and the keyboard on the
	// button that opened the editor.
	b.do("open again", chromedp.Click(chromedp.CSS(`[data-crop-edit="`+first+`"]`)))
	b.waitFor("the editor", `!document.querySelector("#crop-editor").hidden && document.activeElement.id === "crop-frame"`, 20*time.Second)
	b.do("move, then Escape", chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Escape))
	b.waitFor("the editor closed, focus back", `document.querySelector("#crop-editor").hidden && document.activeElement.dataset.cropEdit === `+jsString(first), 20*time.Second)
	if again, _, err := assets.ReadRecord(ctx, h.store, first); err != nil || again.Crops["4:5"].Rect != crop.Rect || !again.Crops["4:5"].At.Equal(crop.At) {
		t.Errorf("after Escape the stored crop is %+v (%v), want %+v", again.Crops["4:5"], err, crop)
	}
	// The second pick: a crop saved, then back to the default.
	second := picks[1]
	for _, step := range []struct{ what, keys, button string }{{"shrink and save", "-", "[data-crop-save]"}, {"back to the default", "", "[data-crop-reset]"}} {
		b.do("open "+second, chromedp.Click(chromedp.CSS(`[data-crop-edit="`+second+`"]`)))
		b.waitFor("the editor", `!document.querySelector("#crop-editor").hidden && document.activeElement.id === "crop-frame"`, 20*time.Second)
		if step.keys != "" {
			b.do(step.what, chromedp.KeyEvent(step.keys))
		}
		b.do(step.what, chromedp.Click(chromedp.CSS(step.button)))
		b.waitFor("the editor closed", `document.querySelector("#crop-editor").hidden`, 20*time.Second)
		rec2, _, err := assets.ReadRecord(ctx, h.store, second)
		if err != nil {
			t.Fatal(err)
		}
		if _, has := rec2.Crops["4:5"]; has != (step.keys != "") {
			t.Errorf("%s: stored crops %+v", step.what, rec2.Crops)
		}
	}

	zipped := b.download("export", "form[data-export] button[type=submit]")
	b.waitFor("the offer to record the publication", `!document.querySelector("[data-export-done]").hidden && document.activeElement.id === "pub-url"`, 20*time.Second)
	if got := eval[string](b, `document.querySelector("#pub-channel").value`); got != "instagram" {
		t.Errorf("the record form offers channel %q, want instagram (of instagram_feed)", got)
	}
	exported := firstZipEntry(t, zipped)
	r := &channels.Renderer{Store: h.store, Presets: channels.DefaultPresets()}
	want, err := r.Render(ctx, rec, "instagram_feed")
	if err != nil {
		t.Fatal(err)
	}
	if d, same := pixelDistance(t, exported, want.Data); !same || d > 2 {
		t.Errorf("exported picture differs from the render of the stored crop (same size %v, %.1f per channel), want the same picture", same, d)
	}
	delete(rec.Crops, "4:5")
	plain, err := r.Render(ctx, rec, "instagram_feed")
	if err != nil {
		t.Fatal(err)
	}
	if d, same := pixelDistance(t, exported, plain.Data); same && d < 4 {
		t.Errorf("exported picture is within %.1f of the default crop's: the crop did not reach the file", d)
	}

	b.stale()
	b.do("record the publication", chromedp.SendKeys(chromedp.ID("pub-url"), "https://www.instagram.com/p/HUT81tng/"),
		chromedp.Click(chromedp.CSS(`#publish-record button[type=submit]`)))
	b.reloaded("published", `document.querySelector(".col-head .state").textContent === "Dipublikasikan"`)
	if got := b.text("#publications"); !strings.Contains(got, "Instagram: https://www.instagram.com/p/HUT81tng/") {
		t.Errorf("publications %q, want the Instagram link", got)
	}
	if got := b.text("#exports"); !strings.Contains(got, "Instagram (feed): 2 berkas") {
		t.Errorf("exports %q, want the Instagram export of 2 files beside the publications", got)
	}
	b.shot("published")
	b.finish()
}

// firstZipEntry is the first file in the ZIP at path.
func firstZipEntry(t *testing.T, path string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) == 0 {
		t.Fatalf("%s is empty", path)
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pixelDistance is the mean absolute difference per colour channel of
// two JPEGs of one size (0..255), and false for pictures of two sizes.
func pixelDistance(t *testing.T, a, b []byte) (float64, bool) {
	t.Helper()
	ia, err := jpeg.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	ib, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if ia.Bounds().Size() != ib.Bounds().Size() {
		return 0, false
	}
	var sum float64
	bounds := ia.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r1, g1, b1, _ := ia.At(x, y).RGBA()
			r2, g2, b2, _ := ib.At(x-bounds.Min.X+ib.Bounds().Min.X, y-bounds.Min.Y+ib.Bounds().Min.Y).RGBA()
			sum += math.Abs(float64(r1>>8)-float64(r2>>8)) + math.Abs(float64(g1>>8)-float64(g2>>8)) + math.Abs(float64(b1>>8)-float64(b2>>8))
		}
	}
	return sum / float64(3*bounds.Dx()*bounds.Dy()), true
}
