package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"

	"mediabank/audit"
	"mediabank/auth"
)

// cmdUser manages accounts: add (password from standard input), passwd,
// role, disable, enable, list.
func cmdUser(ctx context.Context, e *env, args []string) error {
	fl := newFlags("user", e.stderr)
	role := fl.String("role", "", "role of a new user: "+strings.Join(auth.Roles(), ", "))
	name := fl.String("name", "", "display name")
	verb, pos, a, err := adminVerb(ctx, e, fl, args, "add NAME --role ROLE | passwd NAME | role NAME ROLE | disable NAME | enable NAME | list")
	if err != nil {
		return err
	}
	users := a.users
	need := func(n int) error {
		if len(pos) != n {
			return fmt.Errorf("user %s: want %d argument(s), got %q", verb, n, pos)
		}
		return nil
	}
	switch verb {
	case "add":
		if err := need(1); err != nil {
			return err
		}
		return addUser(ctx, e, a, pos[0], *role, *name)
	case "passwd":
		if err := need(1); err != nil {
			return err
		}
		pass, err := readPassword(e.stdin)
		if err != nil {
			return err
		}
		if _, err := users.SetPassword(ctx, pos[0], pass, ""); err != nil {
			return err
		}
		a.record(ctx, "user.password", pos[0], "")
		fmt.Fprintf(e.stdout, "password of %s changed\n", pos[0])
	case "role":
		if err := need(2); err != nil {
			return err
		}
		if _, err := users.SetRole(ctx, pos[0], pos[1], ""); err != nil {
			return err
		}
		a.record(ctx, "user.role", pos[0], "role "+pos[1])
		fmt.Fprintf(e.stdout, "%s is now %s\n", pos[0], pos[1])
	case "disable", "enable":
		if err := need(1); err != nil {
			return err
		}
		change := users.Disable
		if verb == "enable" {
			change = users.Enable
		}
		if _, err := change(ctx, pos[0], ""); err != nil {
			return err
		}
		a.record(ctx, "user."+verb, pos[0], "")
		fmt.Fprintf(e.stdout, "%s %sd\n", pos[0], verb)
	case "list":
		return listUsers(ctx, e.stdout, users)
	default:
		return fmt.Errorf("user: unknown action %q", verb)
	}
	return nil
}

// addUser creates account name with the password on standard input.
func addUser(ctx context.Context, e *env, a *adminApp, name, role, displayName string) error {
	pass, err := readPassword(e.stdin)
	if err != nil {
		return err
	}
	u, err := a.users.Add(ctx, name, role, pass)
	if err != nil {
		return err
	}
	if displayName != "" {
		if u, err = a.users.SetDisplayName(ctx, u.Name, displayName, u.Version); err != nil {
			return err
		}
	}
	a.record(ctx, "user.add", u.Name, "role "+u.Role)
	fmt.Fprintf(e.stdout, "user %s added with role %s\n", u.Name, u.Role)
	return nil
}

// listUsers prints the accounts as a table.
func listUsers(ctx context.Context, w io.Writer, users *auth.Users) error {
	us, err := users.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tDISPLAY NAME\tDISABLED")
	for _, u := range us {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\n", u.Name, u.Role, u.DisplayName, u.Disabled)
	}
	return tw.Flush()
}

// cmdToken manages API tokens for scripts: create NAME [--label L] prints
// the secret once; list NAME; revoke NAME ID.
func cmdToken(ctx context.Context, e *env, args []string) error {
	fl := newFlags("token", e.stderr)
	label := fl.String("label", "script", "what the token is for")
	verb, pos, a, err := adminVerb(ctx, e, fl, args, "create NAME [--label L] | list NAME | revoke NAME ID")
	if err != nil {
		return err
	}
	switch {
	case verb == "create" && len(pos) == 1:
		secret, tok, err := a.users.CreateToken(ctx, pos[0], *label)
		if err != nil {
			return err
		}
		a.record(ctx, "token.create", tok.User, "token "+tok.ID+", label "+tok.Label)
		fmt.Fprintln(e.stdout, secret)
		fmt.Fprintf(e.stderr, "token %s for %s: keep it secret; it is shown only once\n", tok.ID, tok.User)
	case verb == "list" && len(pos) == 1:
		toks, err := a.users.ListTokens(ctx, pos[0])
		if err != nil {
			return err
		}
		for _, t := range toks {
			fmt.Fprintf(e.stdout, "%s  %s  %s\n", t.ID, t.CreatedAt.Format("2006-01-02 15:04"), t.Label)
		}
	case verb == "revoke" && len(pos) == 2:
		if err := a.users.RevokeToken(ctx, pos[0], pos[1]); err != nil {
			return err
		}
		a.record(ctx, "token.revoke", pos[0], "token "+pos[1])
		fmt.Fprintf(e.stdout, "token %s revoked\n", pos[1])
	default:
		return fmt.Errorf("token: %s %q: see mediabank token", verb, pos)
	}
	return nil
}

// readPassword reads one line from standard input (echo off is the
// terminal's business: `read -s P; echo "$P" | mediabank user add …`).
func readPassword(stdin io.Reader) (string, error) {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("read password: give it on standard input")
	}
	return line, nil
}

// adminApp is what the admin commands need: the accounts in the bank,
// and the audit log their changes go into, as the API's do.
type adminApp struct {
	users *auth.Users
	audit *audit.Log
	log   *slog.Logger
}

// adminVerb reads the verb of an account command (user, token) and the
// arguments after it (parseVerb), and opens the accounts.
func adminVerb(ctx context.Context, e *env, fl *flag.FlagSet, args []string, usage string) (verb string, pos []string, a *adminApp, err error) {
	if verb, pos, err = parseVerb(fl, args, usage); err != nil {
		return "", nil, nil, err
	}
	a, err = openAdmin(ctx, e.cfg, e.log)
	return verb, pos, a, err
}

func openAdmin(ctx context.Context, cfg *config, log *slog.Logger) (*adminApp, error) {
	store, err := cfg.openStore(ctx, log)
	if err != nil {
		return nil, err
	}
	return &adminApp{users: auth.NewUsers(store, log, auth.UsersOptions{}), audit: audit.New(store, nil), log: log}, nil
}

// record audits a change made from the command line: the user is the
// operating-system account that ran it, the address the host. The change
// has happened; a lost entry is logged.
func (a *adminApp) record(ctx context.Context, action, name, detail string) {
	who := "(command line)"
	if u, err := user.Current(); err == nil {
		who += " " + u.Username
	}
	host, _ := os.Hostname()
	e := audit.Entry{User: who, Action: action, Target: "user/" + name, From: host, Detail: detail}
	if err := a.audit.Record(ctx, e); err != nil {
		a.log.Error("audit entry lost", "action", action, "target", e.Target, "err", err)
	}
}
