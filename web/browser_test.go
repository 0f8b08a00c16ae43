package web

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"mediabank/ingest"
	"mediabank/internal/testfiles"
)

// browser drives one headless Chromium tab through the pages, failing the
// test on any step that does not work, on any script error in the page
// and on any dialog (an escaped caption never opens one).
type browser struct {
	t     *testing.T
	ctx   context.Context
	base  string
	shots string
	n     int
	// phone is whether the tab is on a phone-sized screen between shots.
	phone bool

	mu       sync.Mutex
	problems []string
	// expected are console errors a step causes on purpose (a wrong
	// password answers 401), matched against URL and text.
	expected [][2]string
}

// chromiumPath finds the browser: MEDIABANK_CHROMIUM, else Debian's.
func chromiumPath(t *testing.T) string {
	for _, p := range []string{os.Getenv("MEDIABANK_CHROMIUM"), "/usr/bin/chromium", "chromium"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	testfiles.Missing(t, "chromium (apt-get install -y chromium)")
	return ""
}

func newBrowser(t *testing.T, base string) *browser {
	path := chromiumPath(t)
	shots := os.Getenv("MEDIABANK_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-sync", true),
		// The office's browsers speak Indonesian: date inputs show dd/mm/yyyy.
		chromedp.Flag("lang", "id-ID"),
		chromedp.Env("LANGUAGE=id", "LANG=id_ID.UTF-8"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1920, 1080),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: base, shots: shots}
	// Start the browser with no deadline: its life is the test's.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1920, 1080)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	console := chromedp.Console(ctx)
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if (m.IsException() || m.Type == "error") && !b.isExpected(m.URL, m.Text) {
				b.problem("console %s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line+1)
			}
		}
	}()
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.problem("dialog opened: %q", ev.Message)
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return b
}

func (b *browser) expect(url, text string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expected = append(b.expected, [2]string{url, text})
}

func (b *browser) isExpected(url, text string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.expected {
		if strings.HasSuffix(url, e[0]) && strings.Contains(text, e[1]) {
			return true
		}
	}
	return false
}

func (b *browser) problem(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, fmt.Sprintf(format, args...))
}

// do runs steps with a deadline; the step's name says what failed.
func (b *browser) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", step, err)
	}
}

// eval evaluates a JavaScript expression for its value.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor waits until expr is true in the page, across navigations (which
// make a single evaluation fail while the next document loads).
func (b *browser) waitFor(what, expr string, timeout time.Duration) {
	b.t.Helper()
	// timeout is a safety net, not a speed goal: at least a minute, so a
	// busy 2-core machine does not fail a page that is merely slow.
	deadline := time.Now().Add(max(timeout, time.Minute))
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { try { return !!(`+expr+`); } catch (e) { return false; } })()`))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	loc, _ := chromedp.Run(b.ctx, chromedp.Location())
	b.t.Fatalf("waiting for %s (%s) at %s: timed out (last error %v)", what, expr, loc, last)
}

// open navigates to path and waits for the page's scripts.
func (b *browser) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path))
	b.waitFor("page ready", `document.readyState === "complete"`, 10*time.Second)
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	return eval[string](b, `(document.querySelector(`+jsString(sel)+`) || {textContent: ""}).textContent.replace(/\s+/g, " ").trim()`)
}

func (b *browser) count(sel string) int {
	b.t.Helper()
	return eval[int](b, `document.querySelectorAll(`+jsString(sel)+`).length`)
}

func jsString(s string) string { return fmt.Sprintf("%q", s) }

// Screens the pages are shot and used on.
var (
	phoneScreen   = screen{360, 780, []chromedp.EmulateViewportOption{chromedp.EmulateMobile, chromedp.EmulatePortrait}}
	desktopScreen = screen{1920, 1080, nil}
)

type screen struct {
	width, height int64
	opts          []chromedp.EmulateViewportOption
}

// usePhone puts the tab on a phone-sized screen (360 px wide, touch) or
// back on the desktop's, until the next call.
func (b *browser) usePhone(on bool) {
	b.t.Helper()
	b.phone = on
	sc := desktopScreen
	if on {
		sc = phoneScreen
	}
	b.do("viewport", chromedp.EmulateViewport(sc.width, sc.height, sc.opts...))
}

// shot takes a full-page screenshot at a phone's width and a wide screen's,
// and checks that nothing runs wider than the phone's screen. The tab is
// left on the screen it was on.
func (b *browser) shot(name string) {
	b.t.Helper()
	b.n++
	defer b.usePhone(b.phone)
	for _, w := range []screen{phoneScreen, desktopScreen} {
		b.do("viewport", chromedp.EmulateViewport(w.width, w.height, w.opts...))
		// Give lazy images in view a moment after the reflow.
		b.waitFor("images in view", `[...document.images].every(i => i.complete || i.getBoundingClientRect().top > innerHeight)`, 10*time.Second)
		if w.width == 360 {
			if over := eval[int](b, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
				b.t.Errorf("%s: the page is %d px wider than a 360 px screen", name, over)
			}
		}
		ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		cancel()
		if err != nil {
			b.t.Fatalf("screenshot %s: %v", name, err)
		}
		file := filepath.Join(b.shots, fmt.Sprintf("%02d-%s-%d.png", b.n, name, w.width))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
}

// download clicks sel and waits for the file the browser saves, which it
// returns.
func (b *browser) download(what, sel string) string {
	b.t.Helper()
	dir := b.t.TempDir()
	if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir}); err != nil {
		b.t.Fatalf("%s: allow downloads: %v", what, err)
	}
	b.do(what, chromedp.Click(chromedp.CSS(sel)))
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		if len(files) == 1 && !strings.HasSuffix(files[0], ".crdownload") {
			return files[0]
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("%s: nothing downloaded in 30 s", what)
	return ""
}

// zipIDs unpacks a ZIP and returns the SHA-256 of each file in it, which
// is its asset id.
func zipIDs(t *testing.T, file string) []string {
	t.Helper()
	zr, err := zip.OpenReader(file)
	if err != nil {
		t.Fatalf("open %s: %v", file, err)
	}
	defer zr.Close()
	var ids []string
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		_, err = io.Copy(h, rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s in %s: %v", f.Name, file, err)
		}
		ids = append(ids, hex.EncodeToString(h.Sum(nil)))
	}
	return ids
}

// login logs in through the form, as a person would.
func (b *browser) login(name string) {
	b.t.Helper()
	b.open("/masuk")
	b.do("fill login",
		chromedp.SendKeys(chromedp.ID("login-name"), name),
		chromedp.SendKeys(chromedp.ID("login-password"), testPassword),
		chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`)),
	)
	b.waitFor("dashboard after login", `location.pathname === "/beranda" && document.readyState === "complete"`, 15*time.Second)
}

func (b *browser) logout() {
	b.t.Helper()
	b.do("log out", chromedp.Click(chromedp.CSS(`[data-logout]`)))
	b.waitFor("login page", `location.pathname === "/masuk"`, 10*time.Second)
}

func (b *browser) finish() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		b.t.Error(p)
	}
	b.t.Logf("screenshots in %s", b.shots)
}

// TestBrowser walks the office's day through the pages in Chromium: log
// in, search and filter, open an asset, create a coverage and upload into
// it, run it through review (returned with a note, approved by someone
// else), watch a card become safe to eject, read the report, switch to
// English. Screenshots of each step go to MEDIABANK_SCREENSHOTS.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser test takes a while")
	}
	h := newHarness(t)
	data := testfiles.Dir(t)
	h.ingest(t, filepath.Join(data, "photos", "jpg"), filepath.Join(data, "video", "clip_720p_gps.mp4"))
	// Markup in a caption must reach the page as text.
	const evil = `<img src=x onerror=alert(1)> "Wali Kota" & <script>alert(2)</script>`
	admin := h.login(t, "admin")
	evilID := firstAsset(t, h, "name:Kodak_CX7530.jpg")
	if status, _ := admin.do("PATCH", "/api/v1/assets/"+evilID, map[string]any{"caption": evil}, nil, nil); status != 200 {
		t.Fatalf("set caption: %d", status)
	}

	b := newBrowser(t, h.url)
	defer b.finish()

	// Masuk, in both languages, then in.
	b.open("/")
	b.waitFor("login page", `location.pathname === "/masuk"`, 5*time.Second)
	if got := b.text("h1"); got != "Masuk" {
		t.Errorf("login h1 %q", got)
	}
	b.shot("masuk")
	b.do("login in English", chromedp.Click(chromedp.CSS(`.lang-switch a`)))
	b.waitFor("English login", `document.documentElement.lang === "en" && document.querySelector("h1").textContent === "Log in"`, 5*time.Second)
	b.do("login in Indonesian", chromedp.Click(chromedp.CSS(`.lang-switch a`)))
	b.waitFor("Indonesian login", `document.documentElement.lang === "id"`, 5*time.Second)
	b.expect("/api/v1/session", "status of 401")
	b.do("wrong password",
		chromedp.SendKeys(chromedp.ID("login-name"), "kabid"),
		chromedp.SendKeys(chromedp.ID("login-password"), "salah-sekali-123"),
		chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`)))
	b.waitFor("wrong password message", `!document.querySelector("#login-error").hidden`, 5*time.Second)
	if got := b.text("#login-error"); got != "Nama pengguna atau kata sandi salah." {
		t.Errorf("wrong password says %q", got)
	}
	b.login("kabid")
	if got := b.text("h1"); got != "Selamat datang, Kabid DIKP" {
		t.Errorf("dashboard h1 %q", got)
	}

	// Liputan: create the coverage the rest of the day works on.
	b.open("/liputan")
	b.do("new coverage",
		chromedp.SendKeys(chromedp.ID("nc-title"), "Upacara HUT RI ke-81"),
		chromedp.SendKeys(chromedp.ID("nc-agency"), "Bagian Protokol"),
		chromedp.SendKeys(chromedp.ID("nc-place"), "Lapangan Ahmad Yani"),
		chromedp.SetValue(chromedp.ID("nc-starts"), "2026-08-17T09:15"),
		chromedp.Click(chromedp.CSS(`#new-collection button[type=submit]`)))
	b.waitFor("coverage page", `location.pathname.startsWith("/liputan/lip-20260817-")`, 10*time.Second)
	colPath := eval[string](b, `location.pathname`)
	colID := strings.TrimPrefix(colPath, "/liputan/")
	b.waitFor("coverage loaded", `document.querySelector("#collection")`, 10*time.Second)
	if got := b.text(".col-head .muted"); got != "Bagian Protokol · Lapangan Ahmad Yani · 17 Agustus 2026, 09.15 WIB" {
		t.Errorf("coverage header %q", got)
	}
	b.shot("liputan-baru")

	// Cari: a search, then a facet.
	b.open("/cari")
	all := b.count("#grid .tile")
	if all < 20 {
		t.Fatalf("search shows %d tiles", all)
	}
	b.do("search for nikon", chromedp.SendKeys(chromedp.ID("q"), "nikon\r"))
	b.waitFor("nikon results", `location.search.includes("q=nikon") && document.readyState === "complete"`, 10*time.Second)
	nikon := b.count("#grid .tile")
	if nikon == 0 || nikon >= all {
		t.Errorf("nikon: %d tiles of %d", nikon, all)
	}
	b.shot("cari")
	b.open("/cari")
	camera := eval[string](b, `document.querySelector("#f-camera option:nth-child(2)").value`)
	b.do("filter by camera",
		chromedp.SetValue(chromedp.ID("f-camera"), camera),
		chromedp.Click(chromedp.CSS(`#filter-form button[type=submit]`)))
	b.waitFor("filtered", `location.search.includes("camera=") && document.readyState === "complete"`, 10*time.Second)
	metas := eval[[]string](b, `[...document.querySelectorAll("#grid .tile .meta")].map(e => e.textContent.toLowerCase())`)
	if len(metas) == 0 {
		t.Fatalf("camera %q: no tiles", camera)
	}
	for _, m := range metas {
		if !strings.Contains(m, camera) {
			t.Errorf("camera filter %q shows a tile of %q", camera, m)
		}
	}
	// The chip and the choices name the camera as it is written, not as
	// the index lower-cases it.
	chip := b.text(".results-head .chip")
	if !strings.Contains(strings.ToLower(chip), camera) || chip == strings.ToLower(chip) {
		t.Errorf("camera filter chip %q, want the readable name of %q", chip, camera)
	}
	// Select with the mouse and the keyboard, and add to the coverage.
	b.do("select two", chromedp.Click(chromedp.CSS(`#grid .tile:nth-child(1) [data-select]`)))
	b.do("focus the first tile", chromedp.Focus(chromedp.CSS(`#grid .tile:nth-child(1) a.thumb`)))
	if len(metas) > 1 {
		b.do("arrow to the second, x selects it", chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent("x"))
	}
	want := min(2, len(metas))
	if got := b.text("[data-selcount]"); got != fmt.Sprintf("%d dipilih", want) {
		t.Errorf("selection count %q, want %d", got, want)
	}
	b.do("add to coverage",
		chromedp.SetValue(chromedp.ID("sel-col"), colID),
		chromedp.Click(chromedp.CSS(`[data-add-to-collection]`)))
	b.waitFor("added toast", `document.querySelector("#toast").textContent.includes("ditambahkan")`, 10*time.Second)
	b.shot("cari-saring")
	// Unduh: the selection arrives as one ZIP of the originals.
	picked := eval[[]string](b, `[...document.querySelectorAll("#grid [data-select]:checked")].map(b => b.value)`)
	zipped := b.download("download the selection", `[data-download]`)
	if got := zipIDs(t, zipped); !slices.Equal(got, picked) {
		t.Errorf("the ZIP holds %v, want the selection %v", got, picked)
	}
	if !strings.HasPrefix(filepath.Base(zipped), "mediabank-") {
		t.Errorf("the ZIP is saved as %s", filepath.Base(zipped))
	}

	// Aset: the first of a search, then the next by arrow key.
	b.open("/cari?q=nikon")
	b.do("open an asset", chromedp.Click(chromedp.CSS(`#grid .tile:nth-child(1) a.thumb`)))
	b.waitFor("asset page", `location.pathname.startsWith("/aset/") && document.readyState === "complete"`, 10*time.Second)
	if alt := eval[string](b, `document.querySelector(".preview img").alt`); alt == "" {
		t.Error("preview without alt text")
	}
	if nikon > 1 {
		b.do("next asset", chromedp.KeyEvent(kb.ArrowRight))
		b.waitFor("second asset", `location.search.includes("pos=2") && document.readyState === "complete"`, 10*time.Second)
	}
	b.do("edit the caption",
		chromedp.SetValue(chromedp.ID("e-caption"), "Pengibaran bendera di Lapangan Ahmad Yani"),
		chromedp.SetValue(chromedp.ID("e-keywords"), "upacara, HUT RI"),
		chromedp.Click(chromedp.CSS(`#asset-form button[type=submit]`)))
	b.waitFor("caption saved", `document.querySelector(".preview figcaption") && document.querySelector(".preview figcaption").textContent === "Pengibaran bendera di Lapangan Ahmad Yani"`, 10*time.Second)
	if !strings.Contains(b.text("#asset-form"), "diubah oleh kabid") {
		t.Error("the asset page does not say who edited the caption")
	}
	b.shot("aset")
	b.open("/aset/" + evilID)
	if got := b.text(".preview figcaption"); got != strings.Join(strings.Fields(evil), " ") {
		t.Errorf("hostile caption shows as %q", got)
	}
	if n := b.count(`.preview img[src="x"], script:not([src]):not([type])`); n != 0 {
		t.Errorf("hostile caption made %d elements", n)
	}

	// Upload two camera files through the file input, and a third by drop.
	b.open(colPath)
	b.do("choose two files", chromedp.SetUploadFiles(chromedp.ID("upload-input"),
		[]string{filepath.Join(data, "formats", "GPS.jpg"), filepath.Join(data, "formats", "IPTC.jpg")}))
	b.waitFor("two upload rows", `document.querySelectorAll("#uploads .upload").length === 2`, 5*time.Second)
	b.shot("unggah")
	b.waitFor("uploads done", `[...document.querySelectorAll("#uploads .upload")].every(r => r.dataset.state === "done")`, 60*time.Second)
	if got := eval[[]float64](b, `[...document.querySelectorAll("#uploads .upload progress")].map(p => p.value)`); len(got) != 2 || got[0] != 100 || got[1] != 100 {
		t.Errorf("upload bars at %v", got)
	}
	b.do("drop a file", chromedp.Evaluate[chromedp.Void](`(async () => {
		const blob = await (await fetch("/api/v1/assets/`+evilID+`/preview")).blob();
		const dt = new DataTransfer();
		dt.items.add(new File([blob], "DSC_0001.JPG", {type: "image/jpeg"}));
		document.querySelector("#dropzone").dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
	})()`, chromedp.EvalAwaitPromise))
	b.waitFor("dropped upload done", `document.querySelectorAll("#uploads .upload").length === 3 && [...document.querySelectorAll("#uploads .upload")].every(r => r.dataset.state === "done")`, 60*time.Second)
	b.shot("unggah-selesai")
	b.do("show new material", chromedp.Click(chromedp.CSS(`.upload-done button`)))
	wantMaterial := 3 + want
	b.waitFor("material grid", fmt.Sprintf(`document.querySelectorAll(".small-grid .tile").length === %d`, wantMaterial), 10*time.Second)

	// Review: the others bring it to review; kabid returns it with a note.
	h.toReview(t, colID)
	b.open(colPath)
	if got := b.text(".col-head .state"); got != "Diperiksa" {
		t.Fatalf("state %q, want Diperiksa", got)
	}
	b.shot("periksa")
	b.do("return without a note", chromedp.Click(chromedp.CSS(`form[data-action=return] button[type=submit]`)))
	if missing := eval[bool](b, `document.querySelector("#note-return").validity.valueMissing`); !missing {
		t.Error("the return note is not required")
	}
	if got := b.text(".col-head .state"); got != "Diperiksa" {
		t.Errorf("returned without a note: state %q", got)
	}
	b.do("return with a note",
		chromedp.SendKeys(chromedp.ID("note-return"), "Sebutkan nama Wali Kota di paragraf kedua."),
		chromedp.SetValue(chromedp.ID("return-to"), "editing"),
		chromedp.Click(chromedp.CSS(`form[data-action=return] button[type=submit]`)))
	// The whole new page: the state is near its top, the reviews further down.
	b.waitFor("returned", `document.readyState === "complete" && document.querySelector(".col-head .state") && document.querySelector(".col-head .state").textContent === "Penyuntingan"`, 10*time.Second)
	if !strings.Contains(b.text(".review-return"), "Sebutkan nama Wali Kota di paragraf kedua.") {
		t.Error("the return note is not on the page")
	}
	b.shot("dikembalikan")
	red := h.login(t, "redaktur")
	red.patch(colID, map[string]any{"narrative": "Kota Tangerang memperingati HUT RI.\nWali Kota memimpin upacara yang berlangsung khidmat."})
	red.act(colID, map[string]any{"action": "submit_review"})

	// Another reviewer approves.
	b.switchUser("subkor")
	b.open(colPath)
	if got := b.diffAdds(2); !strings.Contains(got, "Wali Kota memimpin") {
		t.Errorf("diff adds %q", got)
	}
	b.do("approve", chromedp.Click(chromedp.CSS(`form[data-action=approve] button[type=submit]`)))
	b.waitFor("approved", `document.querySelector(".col-head .state") && document.querySelector(".col-head .state").textContent === "Disetujui"`, 10*time.Second)
	b.shot("disetujui")

	// Beranda: a card comes in and becomes safe to eject, live.
	b.open("/beranda")
	card := copyFiles(t, "photos/jpg/exif-org/sanyo-vpcsx550.jpg", "formats/Writer.jpg")
	h.jobs.Start(context.Background(), ingest.JobSpec{Kind: "card", Roots: []string{card}, Label: "EOS_DIGITAL"})
	b.waitFor("safe to eject", `[...document.querySelectorAll(".eject.safe")].some(e => !e.hidden && e.textContent.startsWith("Aman untuk dilepas"))`, 60*time.Second)
	b.shot("beranda-aman")

	// Laporan, with its CSV.
	b.open("/laporan")
	csv := eval[string](b, `fetch(document.querySelector("a[href*='format=csv']").href).then(r => r.text())`)
	if !strings.HasPrefix(csv, "step,name,standard_minutes") {
		t.Errorf("CSV starts %q", csv[:min(len(csv), 40)])
	}
	b.shot("laporan")

	// English, remembered for the user.
	b.do("switch to English", chromedp.Click(chromedp.CSS(`[data-set-lang]`)))
	b.waitFor("English", `document.documentElement.lang === "en" && document.readyState === "complete"`, 10*time.Second)
	if got := b.text(`nav a[href="/beranda"]`); got != "Dashboard" {
		t.Errorf("English nav %q", got)
	}
	if u, err := h.users.Get(context.Background(), "subkor"); err != nil || u.Language != "en" {
		t.Errorf("language not remembered: %+v, %v", u, err)
	}
	b.open(colPath)
	if got := b.text(".col-head .muted"); !strings.HasSuffix(got, "17 August 2026, 09:15 WIB") {
		t.Errorf("English date %q", got)
	}
	b.shot("english")

	// Pengguna, for the admin.
	b.logout()
	b.login("admin")
	b.open("/pengguna")
	b.shot("pengguna")

	// How long the search page takes in the browser, for the report.
	b.open("/cari")
	ms := eval[float64](b, `performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd`)
	t.Logf("search page with %d tiles: DOMContentLoaded after %.0f ms", b.count("#grid .tile"), ms)
}
