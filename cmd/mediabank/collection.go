package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"mediabank/api"
	"mediabank/collections"
	"mediabank/internal/office"
)

// cmdCollection runs the coverage workflow from scripts. Whoever holds the
// bank's credentials may act as any user (--as), whose role then decides,
// as in the API:
//
//	mediabank collection create --as kabid < event.json
//	mediabank collection list
//	mediabank collection get ID
//	mediabank collection patch ID --as budi < patch.json
//	mediabank collection act ID --as kabid < '{"action":"order","note":"…"}'
//	mediabank collection sla [--from DATE] [--to DATE] [--csv]
func cmdCollection(ctx context.Context, e *env, args []string) error {
	fl := newFlags("collection", e.stderr)
	as := fl.String("as", "", "the user acting (their role decides)")
	ifMatch := fl.String("if-match", "", "the ETag read before; default: the current one")
	from := fl.String("from", "", "sla: first day (2006-01-02)")
	to := fl.String("to", "", "sla: last day (2006-01-02)")
	csv := fl.Bool("csv", false, "sla: print CSV")
	if len(args) == 0 {
		return errors.New("collection: create | list | get ID | patch ID | act ID | sla")
	}
	verb := args[0]
	pos, err := parseFlags(fl, args[1:])
	if err != nil {
		return exitError(2)
	}
	a, err := openApp(ctx, e.cfg, e.log)
	if err != nil {
		return err
	}
	defer a.index.Close()
	svc := a.collections
	who := func() (collections.Actor, error) {
		if *as == "" {
			return collections.Actor{}, fmt.Errorf("collection %s: say who acts with --as USER", verb)
		}
		u, err := a.users.Get(ctx, *as)
		if err != nil {
			return collections.Actor{}, err
		}
		if u.Disabled {
			return collections.Actor{}, fmt.Errorf("collection %s: %s is disabled", verb, u.Name)
		}
		return collections.Actor{User: u.Name, Role: u.Role}, nil
	}
	body := func() ([]byte, error) { return io.ReadAll(io.LimitReader(e.stdin, 1<<20)) }
	etagOf := func(id string) (string, error) {
		if *ifMatch != "" {
			return *ifMatch, nil
		}
		_, etag, err := svc.Get(ctx, id)
		return etag, err
	}
	print := func(c *collections.Collection, err error) error {
		if err != nil {
			return err
		}
		if err := a.index.PutCollections(ctx, api.CollectionDoc(c)); err != nil {
			return err
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(c)
	}
	switch {
	case verb == "create" && len(pos) == 0:
		actor, err := who()
		if err != nil {
			return err
		}
		data, err := body()
		if err != nil {
			return err
		}
		ev, err := collections.DecodeEvent(data, e.cfg.Zone)
		if err != nil {
			return err
		}
		c, _, err := svc.Create(ctx, actor, ev)
		return print(c, err)
	case verb == "list" && len(pos) == 0:
		cols, err := svc.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATE\tSTARTS\tTITLE")
		for _, c := range cols {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.State, c.StartsAt.In(e.cfg.Zone).Format("2006-01-02 15:04"), c.Title)
		}
		return tw.Flush()
	case verb == "get" && len(pos) == 1:
		c, _, err := svc.Get(ctx, pos[0])
		return print(c, err)
	case (verb == "patch" || verb == "act") && len(pos) == 1:
		actor, err := who()
		if err != nil {
			return err
		}
		data, err := body()
		if err != nil {
			return err
		}
		etag, err := etagOf(pos[0])
		if err != nil {
			return err
		}
		if verb == "patch" {
			p, err := collections.DecodePatch(data, e.cfg.Zone)
			if err != nil {
				return err
			}
			c, _, err := svc.Patch(ctx, actor, pos[0], etag, p)
			return print(c, err)
		}
		act, err := collections.DecodeAction(data)
		if err != nil {
			return err
		}
		c, _, err := svc.Act(ctx, actor, pos[0], etag, act)
		return print(c, err)
	case verb == "sla" && len(pos) == 0:
		f, t, err := dayRange(*from, *to, e.cfg)
		if err != nil {
			return err
		}
		rep, err := svc.SLA(ctx, f, t)
		if err != nil {
			return err
		}
		if *csv {
			return rep.CSV(e.stdout)
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return fmt.Errorf("collection: %s %q: see mediabank collection", verb, pos)
}

// dayRange reads --from and --to as whole days in the office's zone (or
// RFC 3339 times): the last collections.ReportDays days by default.
func dayRange(from, to string, cfg *config) (time.Time, time.Time, error) {
	f, t, err := office.ParsePeriod(from, to, collections.ReportDays, time.Now(), cfg.Zone)
	if err != nil {
		return f, t, fmt.Errorf("--%w", err)
	}
	return f, t, nil
}
