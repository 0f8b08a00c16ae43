package main

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/assets/storetest"
	"mediabank/ingest"
	"mediabank/internal/testfiles"
)

// TestStoreOutage is issue 9's target: the MinIO under an ingest stops
// after the k-th record has landed and comes back 5 s later; the ingest
// rides it out with 0 failures and no duplicate, and meanwhile the
// server's /readyz says it is not ready, without the raw error.
func TestStoreOutage(t *testing.T) {
	root := testfiles.Dir(t)
	card := makeCard(t, root)
	want := distinctFiles(t, card)
	m := storetest.StartMinIO(t)
	env := minioEnv(m, "outage")
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	srv := startServe(t, "--data", t.TempDir(), "--mount-root", "none", "--addr", "127.0.0.1:0")
	if res, body := srv.get(t, "", "/readyz"); res.StatusCode != http.StatusOK {
		t.Fatalf("/readyz before the outage: %d %s", res.StatusCode, body)
	}

	data := t.TempDir()
	cfg, _, err := loadConfig([]string{"--data", data}, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	cfg.StoreRetry = 0 // the test's own view of the bank fails fast
	watch, err := cfg.openStore(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		out, errOut string
		code        int
	}
	done := make(chan result, 1)
	go func() {
		var out, errb bytes.Buffer
		code := run(t.Context(), []string{"ingest", "--json", "--no-renditions", "--data", data, card}, strings.NewReader(""), &out, &errb)
		done <- result{out.String(), errb.String(), code}
	}()

	// Wait for the k-th record, then stop the server.
	k := 1 + rand.IntN(10)
	safety := time.NewTimer(5 * time.Minute) // a safety net only
	defer safety.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for n := 0; n < k; {
		select {
		case r := <-done:
			t.Fatalf("the ingest ended before %d records landed: %d\n%s\n%s", k, r.code, r.out, r.errOut)
		case <-safety.C:
			t.Fatalf("%d records in 5 minutes, want %d", n, k)
		case <-tick.C:
		}
		n = 0
		if err := watch.List(t.Context(), assets.RecordsPrefix, func(assets.Object) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	m.Stop(t)
	outage := time.Now()
	select {
	case r := <-done:
		t.Fatalf("the ingest ended before the outage began: the test proves nothing\n%s", r.out)
	default:
	}
	t.Logf("MinIO stopped after %d records", k)

	res, body := srv.get(t, "", "/readyz")
	if res.StatusCode != http.StatusServiceUnavailable || !bytes.Contains(body, []byte("store unreachable")) ||
		bytes.Contains(body, []byte(m.Endpoint)) || bytes.Contains(body, []byte("refused")) {
		t.Errorf("/readyz with the store away: %d %s; want 503, store unreachable, no raw error", res.StatusCode, body)
	}

	// The fault simulated is an outage of 5 s: here a fixed time is the
	// point, not a wait for something to happen.
	<-time.After(time.Until(outage.Add(5 * time.Second)))
	m.Start(t)

	var r result
	select {
	case r = <-done:
	case <-safety.C:
		t.Fatal("the ingest did not end within 5 minutes")
	}
	var rep ingest.Report
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatalf("ingest --json printed %q: %v\n%s", r.out, err, r.errOut)
	}
	if r.code != 0 || rep.Failed != 0 || rep.Ingested != int64(len(want)) || rep.SafeToEjectS == nil {
		t.Errorf("ingest through the outage: exit %d, %d ingested, %d duplicates, %d failed %v; want all %d ingested, none failed",
			r.code, rep.Ingested, rep.Duplicates, rep.Failed, rep.Failures, len(want))
	}
	assertBank(t, cfg, watch, want)

	// Ready again once the store answers (the probe may still see the
	// server starting up: wait for it).
	for {
		res, body := srv.get(t, "", "/readyz")
		if res.StatusCode == http.StatusOK {
			break
		}
		select {
		case <-safety.C:
			t.Fatalf("/readyz after the outage: %d %s", res.StatusCode, body)
		case <-tick.C:
		}
	}
}
