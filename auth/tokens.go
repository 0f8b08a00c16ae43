package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"mediabank/assets"
)

// TokenPrefix starts every API token secret, so a leaked one is easy to
// recognise (and to grep for in repositories and logs).
const TokenPrefix = "mbk_"

// tokenSecretLen is the length of a secret: the prefix and 32 random bytes
// in 43 characters of unpadded base64url.
const tokenSecretLen = len(TokenPrefix) + 43

// lastUsedEvery is how stale Token.LastUsed may get: updating it on every
// request would be a write to the bucket per API call.
const lastUsedEvery = time.Hour

// Token is an API token for scripts, stored as tokens/<ID>.json. The
// secret itself is never stored: ID is its SHA-256, which is safe to
// show since the secret cannot be found from it.
type Token struct {
	ID        string    `json:"id"`
	User      string    `json:"user"`
	Label     string    `json:"label"`
	CreatedAt time.Time `json:"created_at"`
	LastUsed  time.Time `json:"last_used,omitzero"`
}

func tokenKey(id string) string { return TokensPrefix + id + ".json" }

func validTokenID(id string) error {
	if assets.ValidID(id) != nil {
		return fmt.Errorf("token id %q: want 64 lowercase hex digits: %w", id, ErrInvalid)
	}
	return nil
}

// CreateToken makes a token for an enabled user, labelled (up to 100
// characters) so they can tell their tokens apart. The secret is returned
// once and cannot be recovered.
func (u *Users) CreateToken(ctx context.Context, user, label string) (string, Token, error) {
	label = strings.TrimSpace(label)
	if err := validText("token label", label, 100); err != nil {
		return "", Token{}, fmt.Errorf("create token for %s: %w", user, err)
	}
	usr, err := u.Get(ctx, user)
	if err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	if usr.Disabled {
		return "", Token{}, fmt.Errorf("create token for %s: %w", user, ErrDisabled)
	}
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	secret := TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	tok := Token{ID: assets.SecretID(secret), User: user, Label: label, CreatedAt: u.now().UTC()}
	if _, err := assets.WriteJSON(ctx, u.store, tokenKey(tok.ID), &tok, assets.PutOptions{IfNoneMatch: true}); err != nil {
		return "", Token{}, storeErr("create token for", user, err)
	}
	return secret, tok, nil
}

// VerifyToken returns the user a secret belongs to. A malformed, unknown
// or revoked secret, or one whose user is gone, is ErrUnauthorized; a
// disabled user's is ErrDisabled.
func (u *Users) VerifyToken(ctx context.Context, secret string) (*User, error) {
	// Neither the secret nor its hash goes into an error: errors get logged.
	if len(secret) != tokenSecretLen || !strings.HasPrefix(secret, TokenPrefix) {
		return nil, fmt.Errorf("verify token: malformed: %w", ErrUnauthorized)
	}
	id := assets.SecretID(secret)
	var tok Token
	etag, err := assets.ReadJSON(ctx, u.store, tokenKey(id), &tok)
	if errors.Is(err, assets.ErrNotFound) {
		return nil, fmt.Errorf("verify token: unknown: %w", ErrUnauthorized)
	}
	if err != nil {
		return nil, fmt.Errorf("verify token: %w", err)
	}
	usr, err := u.Get(ctx, tok.User)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("verify token of %s: no such user: %w", tok.User, ErrUnauthorized)
	}
	if err != nil {
		return nil, fmt.Errorf("verify token: %w", err)
	}
	if usr.Disabled {
		return nil, fmt.Errorf("verify token of %s: %w", tok.User, ErrDisabled)
	}
	if now := u.now().UTC(); now.Sub(tok.LastUsed) >= lastUsedEvery {
		tok.LastUsed = now
		// Best effort: a concurrent request may have just done the same,
		// and a failed bookkeeping write must not refuse a valid token.
		if _, err := assets.WriteJSON(ctx, u.store, tokenKey(id), &tok, assets.PutOptions{IfMatch: etag}); err != nil && !errors.Is(err, assets.ErrPrecondition) {
			u.log.WarnContext(ctx, "token last-used not recorded", "user", tok.User, "label", tok.Label, "err", err)
		}
	}
	return usr, nil
}

// RevokeToken deletes token id of user. A token of someone else is
// ErrNotFound, so user is whose tokens the caller may manage.
func (u *Users) RevokeToken(ctx context.Context, user, id string) error {
	if err := validTokenID(id); err != nil {
		return fmt.Errorf("revoke token of %s: %w", user, err)
	}
	var tok Token
	if _, err := assets.ReadJSON(ctx, u.store, tokenKey(id), &tok); err != nil {
		return storeErr("revoke token", id, err)
	}
	if tok.User != user {
		return fmt.Errorf("revoke token %s of %s: %w", id, user, ErrNotFound)
	}
	if err := u.store.Delete(ctx, tokenKey(id)); err != nil {
		return fmt.Errorf("revoke token %s: %w", id, err)
	}
	return nil
}

// ListTokens lists user's tokens, oldest first. It reads every token
// record: an office has tens of them, not thousands.
func (u *Users) ListTokens(ctx context.Context, user string) ([]Token, error) {
	ids, err := u.listKeys(ctx, TokensPrefix, validTokenID)
	if err != nil {
		return nil, fmt.Errorf("list tokens of %s: %w", user, err)
	}
	var toks []Token
	for _, id := range ids {
		var tok Token
		_, err := assets.ReadJSON(ctx, u.store, tokenKey(id), &tok)
		if errors.Is(err, assets.ErrNotFound) {
			continue // revoked meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("list tokens of %s: %w", user, err)
		}
		if tok.User == user {
			toks = append(toks, tok)
		}
	}
	slices.SortFunc(toks, func(a, b Token) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return toks, nil
}
