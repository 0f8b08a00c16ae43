// Command searchbench is the search benchmark's two halves, run by
// scripts/bench-search.sh: gen writes N synthetic asset records in the
// bank's layout (DATA/bank/assets/<id>.json, as the local store keeps
// them), and load times each kind of query against a running server,
// through the API and through the /cari page.
//
// The records follow what the office makes: coverages of 200 photos on
// one day in one city, 12-word Indonesian captions drawn from about 90
// words (so one word matches ~13% of the bank, two ~1.7%, a phrase of two
// ~0.13%), 2 keywords, 20 photographers, 10 cameras, 5 cities and 5 years
// of dates. The same N gives the same records on every run.
package main

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"mediabank/assets"
	"mediabank/collections"
	"mediabank/internal/office"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: searchbench gen|load|direct [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "load":
		err = load(os.Args[2:])
	case "direct":
		err = direct(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "searchbench:", err)
		os.Exit(1)
	}
}

// words are the caption vocabulary: none is a stop word, so each is
// indexed.
var words = strings.Fields(`warga petugas wali kota camat lurah siswa guru
	banjir jalan pasar masjid sekolah taman sungai jembatan kantor rumah sakit
	upacara rapat festival budaya lomba pameran pelantikan peresmian kunjungan
	vaksinasi posyandu kerja bakti gotong royong bazar seminar pelatihan
	sosialisasi penghijauan pembersihan saluran drainase perbaikan pembangunan
	gedung lapangan stadion alun puspemkot kecamatan kelurahan perumahan
	anak remaja ibu bapak lansia relawan polisi tentara pemadam kebakaran
	ambulans bus angkot motor mobil sepeda pedagang pembeli nelayan petani
	buruh pegawai dinas kepala sekretaris ketua anggota dewan tamu undangan
	hujan pagi siang sore malam ramai meriah tertib antre bersih`)

var (
	creators = []string{"Budi Santoso", "Siti Rahma", "Andi Wijaya", "Dewi Lestari", "Rina Marlina",
		"Agus Salim", "Fajar Nugroho", "Indah Permata", "Joko Susilo", "Kartika Sari",
		"Lukman Hakim", "Maya Anggraini", "Nur Hidayat", "Oktaviani Putri", "Putra Pratama",
		"Rizky Ramadhan", "Sri Wahyuni", "Teguh Prasetyo", "Wulan Dari", "Yusuf Maulana"}
	cameras = [][3]string{
		{"NIKON CORPORATION", "NIKON D750", "AF-S NIKKOR 24-70mm f/2.8G ED"},
		{"NIKON CORPORATION", "NIKON Z 6_2", "NIKKOR Z 24-70mm f/4 S"},
		{"Canon", "Canon EOS R6", "RF24-105mm F4 L IS USM"},
		{"Canon", "Canon EOS 5D Mark IV", "EF70-200mm f/2.8L IS III USM"},
		{"SONY", "ILCE-7M3", "FE 24-105mm F4 G OSS"},
		{"SONY", "ILCE-7M4", "FE 85mm F1.8"},
		{"FUJIFILM", "X-T4", "XF16-55mmF2.8 R LM WR"},
		{"samsung", "SM-S918B", ""},
		{"Apple", "iPhone 15 Pro", "iPhone 15 Pro back triple camera 6.86mm f/1.78"},
		{"DJI", "FC3582", ""},
	}
	cities   = []string{"Tangerang", "Tangerang Selatan", "Jakarta", "Serang", "Bogor"}
	keywords = strings.Fields(`banjir upacara rapat festival vaksinasi kerjabakti carfreeday
		pelantikan peresmian kunjungan posyandu pameran lomba bazar seminar sosialisasi
		penghijauan pembangunan olahraga pendidikan kesehatan ekonomi budaya keagamaan
		keamanan lalulintas lingkungan pariwisata umkm pemilu`)
)

// Epoch is the first day of the synthetic bank; dates span Years years.
var epoch = time.Date(2021, 1, 1, 0, 0, 0, 0, office.Zone())

const (
	years          = 5
	collectionSize = 200
)

func gen(args []string) error {
	fl := flag.NewFlagSet("gen", flag.ExitOnError)
	data := fl.String("data", "", "the data folder (records go to DATA/bank/assets)")
	n := fl.Int("n", 100000, "how many records")
	fl.Parse(args)
	if *data == "" {
		return errors.New("gen: -data is required")
	}
	dir := filepath.Join(*data, "bank") // the local store's root
	for _, sub := range []string{assets.RecordsPrefix, collections.Prefix} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return fmt.Errorf("gen: %w", err)
		}
	}
	start := time.Now()
	cols := (*n + collectionSize - 1) / collectionSize
	jobs := make(chan int)
	errs := make(chan error, runtime.NumCPU())
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Go(func() {
			for c := range jobs {
				if err := genCollection(dir, c, min(collectionSize, *n-c*collectionSize)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for c := range cols {
		jobs <- c
	}
	close(jobs)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	fmt.Printf("generated %d asset records and %d collections in %s in %.1f s\n", *n, cols, dir, time.Since(start).Seconds())
	return nil
}

// genCollection writes the k records of coverage c: one day, one city,
// one event keyword, any photographer and camera.
func genCollection(dir string, c, k int) error {
	rng := rand.New(rand.NewPCG(uint64(c), 42))
	day := epoch.AddDate(0, 0, rng.IntN(years*365))
	city := cities[rng.IntN(len(cities))]
	event := keywords[rng.IntN(len(keywords))]
	colID := fmt.Sprintf("lip-%s-%06x", day.Format("20060102"), c)
	ingestID := fmt.Sprintf("ing-%06d", c)
	material := make([]string, 0, k)
	for i := range k {
		seq := c*collectionSize + i
		sum := sha256.Sum256([]byte("searchbench " + strconv.Itoa(seq)))
		id := hex.EncodeToString(sum[:])
		taken := day.Add(time.Duration(7*3600+rng.IntN(12*3600)) * time.Second)
		cam := cameras[rng.IntN(len(cameras))]
		caption := make([]string, 12)
		for j := range caption {
			caption[j] = words[rng.IntN(len(words))]
		}
		kw2 := keywords[rng.IntN(len(keywords))]
		kind, ext := assets.KindPhoto, ".JPG"
		if rng.IntN(10) == 0 {
			kind, ext = assets.KindVideo, ".MP4"
		}
		name := fmt.Sprintf("DSC_%05d%s", seq%100000, ext)
		ingested := taken.Add(6 * time.Hour)
		a := assets.Asset{
			ID: id, SHA256: id, Size: 8<<20 + int64(rng.IntN(8<<20)), FileName: name,
			Original: assets.OriginalKey(id),
			Source: assets.Source{Path: "DCIM/100MEDIA/" + name, Root: "/media/kartu", Label: "KARTU",
				Host: "bank", IngestID: ingestID, IngestedAt: ingested},
			Collection: colID, Collections: []string{colID},
			Meta: assets.Metadata{
				MIME: "image/jpeg", Kind: kind, Width: 6000, Height: 4000, Orientation: 1,
				TakenAt: &taken, Make: cam[0], Model: cam[1], Lens: cam[2],
				ExposureTime: 1.0 / 250, FNumber: 4, ISO: 400, FocalLength: 50,
				Caption:  strings.Join(caption, " "),
				Keywords: []string{event, kw2},
				Creator:  creators[rng.IntN(len(creators))],
				City:     city, Country: "Indonesia",
			},
			Renditions: map[string]assets.Rendition{
				assets.Thumbnail: {Key: assets.RenditionKey(id, assets.Thumbnail, "jpg"), Width: 320, Height: 213, Size: 18000, MIME: "image/jpeg"},
				assets.Preview:   {Key: assets.RenditionKey(id, assets.Preview, "jpg"), Width: 1600, Height: 1067, Size: 310000, MIME: "image/jpeg"},
			},
			CreatedAt: ingested,
		}
		b, err := json.Marshal(&a)
		if err != nil {
			return fmt.Errorf("gen: %s: %w", id, err)
		}
		if err := os.WriteFile(filepath.Join(dir, assets.RecordKey(id)), b, 0o644); err != nil {
			return fmt.Errorf("gen: %w", err)
		}
		material = append(material, id)
	}
	// The coverage's own record, as the search page lists and names it.
	state := collections.Archived
	if day.After(epoch.AddDate(years, -2, 0)) {
		state = collections.Published
	}
	created := day.Add(-48 * time.Hour)
	col := collections.Collection{
		ID: colID, Version: 1, State: state, Material: material, Checklist: []collections.CheckItem{},
		Event: collections.Event{Title: event + " di " + city, Agency: agencies[c%len(agencies)], Place: city,
			StartsAt: day.Add(8 * time.Hour), EndsAt: day.Add(12 * time.Hour)},
		History:   []collections.Step{},
		CreatedAt: created, CreatedBy: "bench", UpdatedAt: day.Add(30 * time.Hour),
	}
	b, err := json.Marshal(&col)
	if err != nil {
		return fmt.Errorf("gen: %s: %w", colID, err)
	}
	if err := os.WriteFile(filepath.Join(dir, collections.Key(colID)), b, 0o644); err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	return nil
}

// agencies are the offices (SKPD) that ask for coverage.
var agencies = []string{"Diskominfo", "Dinas Kesehatan", "BPBD", "Dinas Pendidikan", "Satpol PP", "Bappeda", "Kecamatan Ciledug"}

// kind is one type of query, with variants: run r uses variant r, so a
// cache of one query's answer does not flatter the figures.
// logIn opens a session for the page client.
func logIn(page *http.Client, base, user, password string) error {
	body, _ := json.Marshal(map[string]string{"name": user, "password": password})
	resp, err := page.Post(base+"/api/v1/session", "application/json", strings.NewReader(string(body)))
	if err != nil {
		return fmt.Errorf("load: log in: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("load: log in: %s", resp.Status)
	}
	return nil
}

// request is query variant of kind k through the API (with its token) or
// the search page.
func (k kind) request(ctx context.Context, via string, variant int, base, token string) *http.Request {
	v := url.Values{}
	if q := k.query(variant); q != "" {
		v.Set("q", q)
	}
	if k.page > 0 {
		v.Set("page", strconv.Itoa(k.page))
	}
	if k.sort != "" {
		v.Set("sort", k.sort)
	}
	if via != "api" {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/cari?"+v.Encode(), nil)
		return req
	}
	v.Set("facets", "1")
	v.Set("sort", k.order())
	v.Set("size", "100")
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/assets?"+v.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

type kind struct {
	name  string
	query func(r int) string
	page  int
	sort  string // "" is the search page's default, newest first
}

// order is the kind's sort, as the API takes it.
func (k kind) order() string { return cmp.Or(k.sort, "taken") }

func kinds() []kind {
	w := func(r int) string { return words[(r*7)%len(words)] }
	w2 := func(r int) string { return words[(r*7+3)%len(words)] }
	return []kind{
		{name: "no query", query: func(int) string { return "" }},
		{name: "one common word", query: w},
		{name: "two words", query: func(r int) string { return w(r) + " " + w2(r) }},
		{name: "quoted phrase", query: func(r int) string { return `"` + w(r) + " " + w2(r) + `"` }},
		{name: "word+camera+90 days", query: func(r int) string {
			from := epoch.AddDate(0, 0, (r*53)%(years*365-90))
			cam := strings.Fields(strings.ToLower(cameras[r%len(cameras)][1]))
			return fmt.Sprintf("%s camera:%s taken:%s..%s", w(r), cam[len(cam)-1],
				from.Format("2006-01-02"), from.AddDate(0, 0, 89).Format("2006-01-02"))
		}},
		{name: `creator:"…"`, query: func(r int) string { return `creator:"` + creators[r%len(creators)] + `"` }},
		{name: "deep page 200", query: func(int) string { return "" }, page: 200},
		{name: "oldest first, page 50", query: func(int) string { return "" }, page: 50, sort: "-taken"},
		{name: "word, by relevance", query: w, sort: "relevance"},
		{name: "creator:word, by name", query: func(r int) string {
			return "creator:" + strings.Fields(creators[r%len(creators)])[0]
		}, sort: "name"},
		{name: "two words, by relevance", query: func(r int) string { return w(r) + " " + w2(r) }, sort: "relevance"},
		{name: "word+from year, relevance", query: func(r int) string {
			return fmt.Sprintf("%s taken:>=%d", w(r), epoch.Year()+1+r%3)
		}, sort: "relevance"},
		{name: `creator:"…"+word, relev.`, query: func(r int) string {
			return `creator:"` + creators[r%len(creators)] + `" ` + w(r)
		}, sort: "relevance"},
		{name: "-word", query: func(r int) string { return "-" + w(r) }},
		{name: "no query, by name", query: func(int) string { return "" }, sort: "name"},
		{name: "by name, page 200", query: func(int) string { return "" }, page: 200, sort: "name"},
	}
}

func load(args []string) error {
	fl := flag.NewFlagSet("load", flag.ExitOnError)
	base := fl.String("url", "http://127.0.0.1:8080", "the server")
	token := fl.String("token", "", "an API token")
	user := fl.String("user", "", "a user for the page")
	password := fl.String("password", "", "their password")
	runs := fl.Int("runs", 20, "queries per kind")
	pid := fl.Int("pid", 0, "the server's process id, for its RSS")
	fl.Parse(args)
	ctx := context.Background()
	api := &http.Client{Timeout: 2 * time.Minute}
	jar, _ := cookiejar.New(nil)
	page := &http.Client{Timeout: 2 * time.Minute, Jar: jar}
	if err := logIn(page, *base, *user, *password); err != nil {
		return err
	}
	// The server's CPU time per query is printed beside the wall time: on
	// a machine shared with other work it moves much less.
	fmt.Printf("%-24s %-5s %9s %8s %8s %8s %8s\n", "query", "via", "hits", "p50 ms", "p95 ms", "max ms", "cpu ms")
	for _, k := range kinds() {
		for _, via := range []string{"api", "page"} {
			var took, cpu []time.Duration
			var hits []int
			// One untimed round first: the first query of a kind pays for
			// loading its part of the index from disk.
			for r := -1; r < *runs; r++ {
				// The page takes other variants than the API, so that
				// neither finds the other's query cached.
				variant := max(r, 0)
				if via == "page" {
					variant += *runs
				}
				req := k.request(ctx, via, variant, *base, *token)
				c := api
				if via == "page" {
					c = page
				}
				c0, t0 := cpuTime(*pid), time.Now()
				n, err := fetch(c, req, via)
				d, dc := time.Since(t0), cpuTime(*pid)-c0
				if err != nil {
					return fmt.Errorf("load: %s %q: %w", via, k.query(variant), err)
				}
				if r >= 0 {
					took = append(took, d)
					cpu = append(cpu, dc)
					hits = append(hits, n)
				}
			}
			slices.Sort(took)
			slices.Sort(cpu)
			slices.Sort(hits)
			fmt.Printf("%-24s %-5s %9d %8.0f %8.0f %8.0f %8.0f\n", k.name, via, hits[len(hits)/2],
				ms(pct(took, 50)), ms(pct(took, 95)), ms(took[len(took)-1]), ms(pct(cpu, 50)))
		}
	}
	if *pid > 0 {
		fmt.Printf("server RSS: %s\n", rss(*pid))
	}
	return nil
}

// fetch runs req and returns the total hits: from the JSON for the API,
// -1 for the page (whose markup is not parsed here).
func fetch(c *http.Client, req *http.Request, via string) (int, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
		return 0, fmt.Errorf("%s: %s", resp.Status, b)
	}
	if via == "page" {
		_, err := io.Copy(io.Discard, resp.Body)
		return -1, err
	}
	var res struct {
		Total int `json:"total"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return 0, err
	}
	return res.Total, nil
}

func pct(d []time.Duration, p int) time.Duration {
	i := (len(d)*p + 99) / 100
	return d[max(i-1, 0)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// cpuTime is the CPU time all threads of process pid have run, from
// /proc/PID/task/*/schedstat (nanoseconds on the CPU first); 0 if
// unknown.
func cpuTime(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	var total time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // the thread ended
		}
		if f := strings.Fields(string(b)); len(f) > 0 {
			ns, _ := strconv.ParseInt(f[0], 10, 64)
			total += time.Duration(ns)
		}
	}
	return total
}

// rss reads the resident set size of a process from /proc.
func rss(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown: " + err.Error()
	}
	for l := range strings.Lines(string(b)) {
		if strings.HasPrefix(l, "VmRSS:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmRSS:"))
		}
	}
	return "unknown"
}
