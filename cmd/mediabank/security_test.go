package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mediabank/assets/diskstore"
	"mediabank/audit"
)

// TestAccountCommandsAudited: changes to accounts and tokens from the
// command line are in the audit log like those made through the API
// (issue 10 #10), without the password or the token's secret.
func TestAccountCommandsAudited(t *testing.T) {
	data := t.TempDir()
	t.Setenv("MEDIABANK_DATA", data)
	in := func(stdin string, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(t.Context(), args, strings.NewReader(stdin), &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		return out.String()
	}
	in("kata-sandi-rahasia-1\n", "user", "add", "rina", "--role", "staff")
	in("kata-sandi-rahasia-2\n", "user", "passwd", "rina")
	in("", "user", "role", "rina", "editor")
	secret := strings.TrimSpace(in("", "token", "create", "rina", "--label", "skrip"))
	in("", "user", "disable", "rina")
	store, err := diskstore.Open(t.Context(), filepath.Join(data, "bank"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	es, err := audit.New(store, nil).List(t.Context(), now.Add(-24*time.Hour), now.Add(24*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Action+" "+e.Target)
		if !strings.HasPrefix(e.User, "(command line)") {
			t.Errorf("entry %+v: want the user to say it came from the command line", e)
		}
		if strings.Contains(e.Detail, "rahasia") || strings.Contains(e.Detail, secret) {
			t.Errorf("entry %+v holds a secret", e)
		}
	}
	want := []string{"user.add user/rina", "user.password user/rina", "user.role user/rina", "token.create user/rina", "user.disable user/rina"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
