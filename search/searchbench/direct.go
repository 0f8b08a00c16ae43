package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"mediabank/search"
)

// direct times each kind of query on the index itself, without the
// server: every run opens the index afresh, so every search pays for its
// stats (no cached totals or facets), as the first search after a write
// does. It prints wall and CPU time per query (the process's CPU time,
// which counts every shard's goroutine).
func direct(args []string) error {
	fl := flag.NewFlagSet("direct", flag.ExitOnError)
	path := fl.String("index", "", "the index folder (DATA/index)")
	runs := fl.Int("runs", 10, "runs per kind of query")
	size := fl.Int("size", 100, "hits per page (the API's size)")
	only := fl.String("only", "", "run only the kinds of query whose name contains this")
	warm := fl.Bool("warm", false, "search once, untimed, for a word not in the bank after each opening: "+
		"what the index reads once per segment is read, as on a server that has answered a search, but no query's stats are cached")
	profile := fl.String("cpuprofile", "", "write a CPU profile of the timed runs to this file")
	one := fl.String("q", "", "time this query instead of the kinds")
	order := fl.String("sort", "", "its sort (taken, -taken, name, relevance)")
	fl.Parse(args)
	if *path == "" {
		return fmt.Errorf("direct: -index is required")
	}
	var ks []kind
	for _, k := range kinds() {
		if strings.Contains(k.name, *only) {
			ks = append(ks, k)
		}
	}
	if *one != "" {
		ks = []kind{{name: *one, query: func(int) string { return *one }, sort: *order}}
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return fmt.Errorf("direct: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("direct: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	ctx := context.Background()
	took := make([][]time.Duration, len(ks))
	cpu := make([][]time.Duration, len(ks))
	hits := make([]uint64, len(ks))
	for r := -1; r < *runs; r++ {
		ix, err := search.Open(*path, search.Options{})
		if err != nil {
			return fmt.Errorf("direct: %w", err)
		}
		if *warm {
			if _, err := ix.Search(ctx, search.Request{Query: "zzzwarm"}); err != nil {
				ix.Close()
				return fmt.Errorf("direct: warm: %w", err)
			}
		}
		for i, k := range ks {
			req := search.Request{Query: k.query(max(r, 0)), Facets: true, Page: k.page, Size: *size, Sort: k.order()}
			c0, t0 := cpuSelf(), time.Now()
			res, err := ix.Search(ctx, req)
			d, dc := time.Since(t0), cpuSelf()-c0
			if err != nil {
				ix.Close()
				return fmt.Errorf("direct: %q: %w", req.Query, err)
			}
			// The first round only loads the index from disk.
			if r >= 0 {
				took[i], cpu[i] = append(took[i], d), append(cpu[i], dc)
				hits[i] = res.Total
			}
		}
		if err := ix.Close(); err != nil {
			return fmt.Errorf("direct: %w", err)
		}
	}
	fmt.Printf("%-24s %9s %8s %8s %8s\n", "query (uncached)", "hits", "p50 ms", "p95 ms", "cpu ms")
	for i, k := range ks {
		slices.Sort(took[i])
		slices.Sort(cpu[i])
		fmt.Printf("%-24s %9d %8.0f %8.0f %8.0f\n", k.name, hits[i], ms(pct(took[i], 50)), ms(pct(took[i], 95)), ms(pct(cpu[i], 50)))
	}
	return nil
}

// cpuSelf is the CPU time (user and system) this process has used.
func cpuSelf() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
