package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"mediabank/collections"
	"mediabank/filing"
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
	cc := collectionCmd{env: e}
	fl.StringVar(&cc.as, "as", "", "the user acting (their role decides)")
	fl.StringVar(&cc.ifMatch, "if-match", "", "the ETag read before; default: the current one")
	from := fl.String("from", "", "sla: first day (2006-01-02)")
	to := fl.String("to", "", "sla: last day (2006-01-02)")
	csv := fl.Bool("csv", false, "sla: print CSV")
	verb, pos, err := parseVerb(fl, args, "create | list | get ID | patch ID | act ID | sla")
	if err != nil {
		return err
	}
	cc.verb = verb
	if cc.app, err = openApp(ctx, e.cfg, e.log); err != nil {
		return err
	}
	defer cc.app.index.Close()
	switch {
	case verb == "create" && len(pos) == 0:
		return cc.create(ctx)
	case verb == "list" && len(pos) == 0:
		return cc.list(ctx)
	case verb == "get" && len(pos) == 1:
		c, _, err := cc.app.collections.Get(ctx, pos[0])
		return cc.print(ctx, c, err)
	case (verb == "patch" || verb == "act") && len(pos) == 1:
		return cc.change(ctx, pos[0])
	case verb == "sla" && len(pos) == 0:
		return cc.sla(ctx, *from, *to, *csv)
	}
	return fmt.Errorf("collection: %s %q: see mediabank collection", cc.verb, pos)
}

// collectionCmd is one run of cmdCollection: its flags and the open app.
type collectionCmd struct {
	*env
	app               *app
	verb, as, ifMatch string
}

// who is the user acting (--as), as the workflow sees them.
func (cc *collectionCmd) who(ctx context.Context) (collections.Actor, error) {
	if cc.as == "" {
		return collections.Actor{}, fmt.Errorf("collection %s: say who acts with --as USER", cc.verb)
	}
	u, err := cc.app.users.Get(ctx, cc.as)
	if err != nil {
		return collections.Actor{}, err
	}
	if u.Disabled {
		return collections.Actor{}, fmt.Errorf("collection %s: %s is disabled", cc.verb, u.Name)
	}
	return collections.Actor{User: u.Name, Role: u.Role}, nil
}

// input is who acts and the JSON body they send on standard input.
func (cc *collectionCmd) input(ctx context.Context) (collections.Actor, []byte, error) {
	actor, err := cc.who(ctx)
	if err != nil {
		return actor, nil, err
	}
	data, err := io.ReadAll(io.LimitReader(cc.stdin, 1<<20))
	return actor, data, err
}

// print indexes a changed collection and prints it as JSON.
func (cc *collectionCmd) print(ctx context.Context, c *collections.Collection, err error) error {
	if err != nil {
		return err
	}
	if err := cc.app.index.PutCollections(ctx, filing.Doc(c)); err != nil {
		return err
	}
	return cc.printJSON(c)
}

// printJSON prints v as indented JSON, for people and scripts alike.
func (cc *collectionCmd) printJSON(v any) error {
	enc := json.NewEncoder(cc.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (cc *collectionCmd) create(ctx context.Context) error {
	actor, data, err := cc.input(ctx)
	if err != nil {
		return err
	}
	ev, err := collections.DecodeEvent(data, cc.cfg.Zone)
	if err != nil {
		return err
	}
	c, _, err := cc.app.collections.Create(ctx, actor, ev)
	return cc.print(ctx, c, err)
}

func (cc *collectionCmd) list(ctx context.Context) error {
	cols, err := cc.app.collections.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(cc.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tSTARTS\tTITLE")
	for _, c := range cols {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.State, c.StartsAt.In(cc.cfg.Zone).Format("2006-01-02 15:04"), c.Title)
	}
	return tw.Flush()
}

// change patches collection id or takes a workflow action on it, on the
// ETag given (--if-match) or the current one.
func (cc *collectionCmd) change(ctx context.Context, id string) error {
	actor, data, err := cc.input(ctx)
	if err != nil {
		return err
	}
	svc := cc.app.collections
	etag := cc.ifMatch
	if etag == "" {
		if _, etag, err = svc.Get(ctx, id); err != nil {
			return err
		}
	}
	if cc.verb == "patch" {
		p, err := collections.DecodePatch(data, cc.cfg.Zone)
		if err != nil {
			return err
		}
		c, _, err := svc.Patch(ctx, actor, id, etag, p)
		return cc.print(ctx, c, err)
	}
	act, err := collections.DecodeAction(data)
	if err != nil {
		return err
	}
	c, _, err := svc.Act(ctx, actor, id, etag, act)
	return cc.print(ctx, c, err)
}

func (cc *collectionCmd) sla(ctx context.Context, from, to string, csv bool) error {
	f, t, err := dayRange(from, to, cc.cfg)
	if err != nil {
		return err
	}
	rep, err := cc.app.collections.SLA(ctx, f, t)
	if err != nil {
		return err
	}
	if csv {
		return rep.CSV(cc.stdout)
	}
	return cc.printJSON(rep)
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
