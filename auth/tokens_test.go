package auth

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"mediabank/assets"
)

func testTokens(t *testing.T, s assets.Store) {
	ctx := t.Context()
	c := newClock()
	u := newUsers(s, c)
	for _, name := range []string{"rina", "budi"} {
		if _, err := u.Add(ctx, name, RoleStaff, "kamera-canon-r6"); err != nil {
			t.Fatal(err)
		}
	}
	secret, tok, err := u.CreateToken(ctx, "rina", " upload script ")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^mbk_[A-Za-z0-9_-]{43}$`).MatchString(secret) {
		t.Errorf("secret %q: want mbk_ and 43 base64url characters", secret)
	}
	wantTok := Token{ID: tok.ID, User: "rina", Label: "upload script", CreatedAt: c.Now()}
	if tok != wantTok || len(tok.ID) != 64 {
		t.Errorf("token = %+v, want %+v", tok, wantTok)
	}
	// Only the hash is stored.
	var keys []string
	if err := s.List(ctx, "tokens/", func(o assets.Object) error { keys = append(keys, o.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0] != "tokens/"+tok.ID+".json" || strings.Contains(keys[0], secret[4:]) {
		t.Errorf("token keys = %v", keys)
	}
	r, _, err := s.Get(ctx, keys[0])
	if err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, 4096)
	n, _ := r.Read(raw)
	r.Close()
	if strings.Contains(string(raw[:n]), secret[4:]) {
		t.Errorf("the token record holds the secret:\n%s", raw[:n])
	}
	c.Advance(time.Minute)
	secret2, _, err := u.CreateToken(ctx, "rina", "backup")
	if err != nil {
		t.Fatal(err)
	}
	if secret2 == secret {
		t.Error("two tokens with one secret")
	}

	verifyTests := []struct {
		name, secret string
		wantUser     string
		wantErr      error
	}{
		{"valid", secret, "rina", nil},
		{"second token", secret2, "rina", nil},
		{"no prefix", secret[4:], "", ErrUnauthorized},
		{"one character off", secret[:len(secret)-1] + flip(secret[len(secret)-1]), "", ErrUnauthorized},
		{"truncated", secret[:20], "", ErrUnauthorized},
		{"empty", "", "", ErrUnauthorized},
	}
	for _, tt := range verifyTests {
		got, err := u.VerifyToken(ctx, tt.secret)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: VerifyToken error = %v, want %v", tt.name, err, tt.wantErr)
			continue
		}
		if err == nil && got.Name != tt.wantUser {
			t.Errorf("%s: VerifyToken = %s, want %s", tt.name, got.Name, tt.wantUser)
		}
		if err != nil && strings.Contains(err.Error(), secret[4:]) {
			t.Errorf("%s: the error shows the secret: %v", tt.name, err)
		}
	}

	// Last used: recorded at first use, then at most hourly.
	lastUsed := func() time.Time {
		toks, err := u.ListTokens(ctx, "rina")
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range toks {
			if x.ID == tok.ID {
				return x.LastUsed
			}
		}
		t.Fatalf("token %s not listed", tok.ID)
		return time.Time{}
	}
	first := c.Now()
	if got := lastUsed(); !got.Equal(first) {
		t.Errorf("last used after the first use = %s, want %s", got, first)
	}
	c.Advance(30 * time.Minute)
	if _, err := u.VerifyToken(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if got := lastUsed(); !got.Equal(first) {
		t.Errorf("last used 30 min later = %s, want still %s", got, first)
	}
	c.Advance(31 * time.Minute)
	if _, err := u.VerifyToken(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if got := lastUsed(); !got.Equal(c.Now()) {
		t.Errorf("last used 61 min later = %s, want %s", got, c.Now())
	}

	toks, err := u.ListTokens(ctx, "rina")
	if err != nil || len(toks) != 2 || toks[0].Label != "upload script" || toks[1].Label != "backup" {
		t.Errorf("ListTokens(rina) = %+v, %v; want upload script, backup", toks, err)
	}
	if toks, err := u.ListTokens(ctx, "budi"); err != nil || len(toks) != 0 {
		t.Errorf("ListTokens(budi) = %+v, %v; want none", toks, err)
	}

	createTests := []struct {
		name, user, label string
		wantErr           error
	}{
		{"unknown user", "siti", "x", ErrNotFound},
		{"empty label", "budi", "  ", ErrInvalid},
		{"long label", "budi", strings.Repeat("a", 101), ErrInvalid},
		{"control in label", "budi", "a\x07b", ErrInvalid},
	}
	for _, tt := range createTests {
		if _, _, err := u.CreateToken(ctx, tt.user, tt.label); !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: CreateToken error = %v, want %v", tt.name, err, tt.wantErr)
		}
	}

	// A disabled user's tokens stop working, and come back with the account.
	if _, err := u.Disable(ctx, "rina", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := u.VerifyToken(ctx, secret); !errors.Is(err, ErrDisabled) {
		t.Errorf("disabled user's token: error = %v, want ErrDisabled", err)
	}
	if _, _, err := u.CreateToken(ctx, "rina", "new"); !errors.Is(err, ErrDisabled) {
		t.Errorf("token for a disabled user: error = %v, want ErrDisabled", err)
	}
	if _, err := u.Enable(ctx, "rina", ""); err != nil {
		t.Fatal(err)
	}

	revokeTests := []struct {
		name, user, id string
		wantErr        error
	}{
		{"someone else's", "budi", tok.ID, ErrNotFound},
		{"malformed id", "rina", "tokens/../x", ErrInvalid},
		{"unknown id", "rina", strings.Repeat("0", 64), ErrNotFound},
		{"own", "rina", tok.ID, nil},
		{"again", "rina", tok.ID, ErrNotFound},
	}
	for _, tt := range revokeTests {
		if err := u.RevokeToken(ctx, tt.user, tt.id); !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: RevokeToken error = %v, want %v", tt.name, err, tt.wantErr)
		}
	}
	if _, err := u.VerifyToken(ctx, secret); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("revoked token: error = %v, want ErrUnauthorized", err)
	}
	if _, err := u.VerifyToken(ctx, secret2); err != nil {
		t.Errorf("the other token after a revocation: %v", err)
	}
}

// flip changes a base64url character into another one.
func flip(b byte) string {
	if b == 'A' {
		return "B"
	}
	return "A"
}
