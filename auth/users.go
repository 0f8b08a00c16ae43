package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"mediabank/assets"
	"mediabank/internal/defaults"
)

// Bucket layout of this package.
const (
	UsersPrefix  = "users/"  // users/<name>.json
	TokensPrefix = "tokens/" // tokens/<hex sha256 of the secret>.json
)

// Languages of the interface; Indonesian first.
const (
	LangIndonesian = "id"
	LangEnglish    = "en"
)

// User is an account as callers see it: never the password hash.
type User struct {
	Name        string    `json:"name"`
	DisplayName string    `json:"display_name"`
	Role        string    `json:"role"`
	Language    string    `json:"language"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// SessionsValidAfter ends every session that began before it: set
	// when the password changes, by whichever process changes it (the
	// command line runs beside the server, whose sessions are in memory).
	SessionsValidAfter time.Time `json:"-"`
	// Version is the ETag of the record this was read from. Passed back
	// as ifMatch to a change, it makes the change fail with ErrConflict if
	// someone else changed the account since it was shown.
	Version string `json:"version"`
}

// userRecord is users/<name>.json.
type userRecord struct {
	Name         string    `json:"name"`
	DisplayName  string    `json:"display_name"`
	Role         string    `json:"role"`
	PasswordHash string    `json:"password_hash"`
	Disabled     bool      `json:"disabled"`
	Language     string    `json:"language"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// SessionsValidAfter: see User.
	SessionsValidAfter time.Time `json:"sessions_valid_after,omitzero"`
}

func (r *userRecord) user(etag string) *User {
	return &User{
		Name: r.Name, DisplayName: r.DisplayName, Role: r.Role, Language: r.Language,
		Disabled: r.Disabled, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		SessionsValidAfter: r.SessionsValidAfter, Version: etag,
	}
}

// SessionValid says whether a session of u that began at started may go
// on: not once the account is disabled, nor after a password change.
func (u *User) SessionValid(started time.Time) bool {
	return !u.Disabled && !started.Before(u.SessionsValidAfter)
}

// UsersOptions tune Users; the zero value gives the defaults.
type UsersOptions struct {
	// Hash are the argon2id parameters of new hashes (DefaultHashParams).
	Hash HashParams
	// MaxConcurrentHashes bounds the password hashes computed at once,
	// and so their memory (Hash.Memory each); default 2.
	MaxConcurrentHashes int
	// Now is the clock (time.Now).
	Now func() time.Time
}

// Users are the accounts and API tokens kept in a Store. It is safe for
// concurrent use.
type Users struct {
	store assets.Store
	log   *slog.Logger
	hash  HashParams
	now   func() time.Time
	// slots is a semaphore of MaxConcurrentHashes.
	slots chan struct{}
	// dummy is verified against when the account does not exist, so an
	// unknown name costs the same time as a wrong password.
	dummy string
}

// NewUsers keeps accounts in store.
func NewUsers(store assets.Store, log *slog.Logger, opts UsersOptions) *Users {
	if opts.Hash == (HashParams{}) {
		opts.Hash = DefaultHashParams()
	}
	defaults.Positive(&opts.MaxConcurrentHashes, 2)
	opts.Now = defaults.Clock(opts.Now)
	return &Users{
		store: store,
		log:   log,
		hash:  opts.Hash,
		now:   opts.Now,
		slots: make(chan struct{}, opts.MaxConcurrentHashes),
		dummy: encodeHash(opts.Hash, make([]byte, saltLen), make([]byte, keyLen)),
	}
}

func userKey(name string) string { return UsersPrefix + name + ".json" }

// ValidName checks an account name: 2 to 64 of lowercase letters, digits,
// '.', '-' and '_', starting with a letter or digit (so no name is "..").
func ValidName(name string) error {
	if len(name) < 2 || len(name) > 64 {
		return fmt.Errorf("user name %q: want 2 to 64 characters: %w", name, ErrInvalid)
	}
	for i, c := range name {
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || !strings.ContainsRune(".-_", c)) {
			return fmt.Errorf("user name %q: want lowercase letters, digits, '.', '-', '_', starting with a letter or digit: %w", name, ErrInvalid)
		}
	}
	return nil
}

func validPassword(password string) error {
	if n := utf8.RuneCountInString(password); n < MinPasswordLen || n > MaxPasswordLen {
		return fmt.Errorf("password: want %d to %d characters: %w", MinPasswordLen, MaxPasswordLen, ErrInvalid)
	}
	return nil
}

func validRole(role string) error {
	if !ValidRole(role) {
		return fmt.Errorf("role %q: want one of %s: %w", role, strings.Join(roles[:], ", "), ErrInvalid)
	}
	return nil
}

// validText checks a short human-written value (a display name, a token
// label): not empty, at most max characters, no control characters.
func validText(what, s string, max int) error {
	if s == "" || utf8.RuneCountInString(s) > max || !utf8.ValidString(s) ||
		strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return fmt.Errorf("%s %q: want 1 to %d printable characters: %w", what, s, max, ErrInvalid)
	}
	return nil
}

// storeErr maps the store's outcomes of a read or conditional write to
// this package's errors.
func storeErr(op, name string, err error) error {
	switch {
	case errors.Is(err, assets.ErrNotFound):
		return fmt.Errorf("%s %s: %w", op, name, ErrNotFound)
	case errors.Is(err, assets.ErrPrecondition):
		return fmt.Errorf("%s %s: changed by someone else: %w", op, name, ErrConflict)
	}
	return fmt.Errorf("%s %s: %w", op, name, err)
}

// withHashSlot runs fn while holding one of the hash slots.
func (u *Users) withHashSlot(ctx context.Context, fn func()) error {
	select {
	case u.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-u.slots }()
	fn()
	return nil
}

// Add creates an account; an existing name is ErrConflict. The display
// name starts as the name and the language as Indonesian.
func (u *Users) Add(ctx context.Context, name, role, password string) (*User, error) {
	if err := errors.Join(ValidName(name), validRole(role), validPassword(password)); err != nil {
		return nil, fmt.Errorf("add user %s: %w", name, err)
	}
	var hash string
	if err := u.withHashSlot(ctx, func() { hash = hashPassword(password, u.hash) }); err != nil {
		return nil, fmt.Errorf("add user %s: %w", name, err)
	}
	now := u.now().UTC()
	rec := userRecord{
		Name: name, DisplayName: name, Role: role, PasswordHash: hash,
		Language: LangIndonesian, CreatedAt: now, UpdatedAt: now,
	}
	obj, err := assets.WriteJSON(ctx, u.store, userKey(name), &rec, assets.PutOptions{IfNoneMatch: true})
	if errors.Is(err, assets.ErrPrecondition) {
		return nil, fmt.Errorf("add user %s: already exists: %w", name, ErrConflict)
	}
	if err != nil {
		return nil, storeErr("add user", name, err)
	}
	return rec.user(obj.ETag), nil
}

func (u *Users) read(ctx context.Context, op, name string) (*userRecord, string, error) {
	if err := ValidName(name); err != nil {
		return nil, "", fmt.Errorf("%s: %w", op, err)
	}
	var rec userRecord
	etag, err := assets.ReadJSON(ctx, u.store, userKey(name), &rec)
	if err != nil {
		return nil, "", storeErr(op, name, err)
	}
	return &rec, etag, nil
}

// Get reads one account.
func (u *Users) Get(ctx context.Context, name string) (*User, error) {
	rec, etag, err := u.read(ctx, "get user", name)
	if err != nil {
		return nil, err
	}
	return rec.user(etag), nil
}

// List reads every account, in name order.
func (u *Users) List(ctx context.Context) ([]User, error) {
	names, err := u.listKeys(ctx, UsersPrefix, ValidName)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	users := make([]User, 0, len(names))
	for _, name := range names {
		usr, err := u.Get(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		users = append(users, *usr)
	}
	return users, nil
}

// listKeys lists the names of the JSON records under prefix that valid
// accepts (what else lies there is not a record of this package).
func (u *Users) listKeys(ctx context.Context, prefix string, valid func(string) error) ([]string, error) {
	var names []string
	err := u.store.List(ctx, prefix, func(o assets.Object) error {
		name, ok := strings.CutSuffix(strings.TrimPrefix(o.Key, prefix), ".json")
		if ok && valid(name) == nil {
			names = append(names, name)
		}
		return nil
	})
	return names, err
}

// update is the read-modify-write of every change. The write is
// conditional on the ETag read, so of two concurrent changes one fails
// with ErrConflict instead of silently undoing the other. A non-empty
// ifMatch must also equal that ETag: the change applies only to the
// version the caller saw.
func (u *Users) update(ctx context.Context, op, name, ifMatch string, change func(*userRecord)) (*User, error) {
	if err := ValidName(name); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	// One attempt: a lost race is the caller's conflict to resolve.
	up, err := assets.UpdateRecord(ctx, u.store, userKey(name), assets.UpdateOptions{IfMatch: ifMatch, Attempts: 1}, func(rec *userRecord) error {
		change(rec)
		rec.UpdatedAt = u.now().UTC()
		return nil
	})
	if err != nil {
		return nil, storeErr(op, name, err)
	}
	return up.Record.user(up.ETag), nil
}

// SetPassword replaces the password and ends the account's sessions from
// now (User.SessionValid); a server in this process also drops them at
// once (Sessions.DeleteUser). API tokens stay valid.
func (u *Users) SetPassword(ctx context.Context, name, password, ifMatch string) (*User, error) {
	if err := validPassword(password); err != nil {
		return nil, fmt.Errorf("set password of %s: %w", name, err)
	}
	// Hash before reading, so the slow part is not inside the window in
	// which a concurrent change would make this one conflict.
	var hash string
	if err := u.withHashSlot(ctx, func() { hash = hashPassword(password, u.hash) }); err != nil {
		return nil, fmt.Errorf("set password of %s: %w", name, err)
	}
	return u.update(ctx, "set password of", name, ifMatch, func(r *userRecord) {
		r.PasswordHash = hash
		r.SessionsValidAfter = u.now().UTC()
	})
}

// SetRole changes the account's role.
func (u *Users) SetRole(ctx context.Context, name, role, ifMatch string) (*User, error) {
	if err := validRole(role); err != nil {
		return nil, fmt.Errorf("set role of %s: %w", name, err)
	}
	return u.update(ctx, "set role of", name, ifMatch, func(r *userRecord) { r.Role = role })
}

// SetDisplayName changes the name shown for the account (up to 100
// characters).
func (u *Users) SetDisplayName(ctx context.Context, name, displayName, ifMatch string) (*User, error) {
	displayName = strings.TrimSpace(displayName)
	if err := validText("display name", displayName, 100); err != nil {
		return nil, fmt.Errorf("set display name of %s: %w", name, err)
	}
	return u.update(ctx, "set display name of", name, ifMatch, func(r *userRecord) { r.DisplayName = displayName })
}

// SetLanguage sets the interface language: LangIndonesian or LangEnglish.
func (u *Users) SetLanguage(ctx context.Context, name, lang, ifMatch string) (*User, error) {
	if !slices.Contains([]string{LangIndonesian, LangEnglish}, lang) {
		return nil, fmt.Errorf("set language of %s: language %q: want id or en: %w", name, lang, ErrInvalid)
	}
	return u.update(ctx, "set language of", name, ifMatch, func(r *userRecord) { r.Language = lang })
}

// Disable refuses the account's logins and tokens from now on. The caller
// then ends its sessions (Sessions.DeleteUser).
func (u *Users) Disable(ctx context.Context, name, ifMatch string) (*User, error) {
	return u.update(ctx, "disable user", name, ifMatch, func(r *userRecord) { r.Disabled = true })
}

// Enable lets a disabled account in again.
func (u *Users) Enable(ctx context.Context, name, ifMatch string) (*User, error) {
	return u.update(ctx, "enable user", name, ifMatch, func(r *userRecord) { r.Disabled = false })
}

// Authenticate checks a login. An unknown name and a wrong password give
// the same error (ErrUnauthorized) after the same work: a full argon2id
// hash either way. A disabled account with the right password gets
// ErrDisabled. Callers ask Throttle.Attempt first and report Success.
func (u *Users) Authenticate(ctx context.Context, name, password string) (*User, error) {
	if utf8.RuneCountInString(password) > MaxPasswordLen {
		return nil, fmt.Errorf("authenticate %q: %w", name, ErrUnauthorized)
	}
	var rec userRecord
	var etag string
	found := false
	encoded := u.dummy
	if ValidName(name) == nil {
		var err error
		etag, err = assets.ReadJSON(ctx, u.store, userKey(name), &rec)
		switch {
		case err == nil:
			found, encoded = true, rec.PasswordHash
		case errors.Is(err, assets.ErrNotFound):
		default:
			return nil, fmt.Errorf("authenticate %q: %w", name, err)
		}
	}
	var ok bool
	var verr error
	if err := u.withHashSlot(ctx, func() { ok, verr = verifyPassword(password, encoded) }); err != nil {
		return nil, fmt.Errorf("authenticate %q: %w", name, err)
	}
	if verr != nil {
		// A damaged record is the server's fault, not the caller's.
		return nil, fmt.Errorf("authenticate %q: stored password hash: %v", name, verr)
	}
	if !ok || !found {
		return nil, fmt.Errorf("authenticate %q: %w", name, ErrUnauthorized)
	}
	if rec.Disabled {
		return nil, fmt.Errorf("authenticate %q: %w", name, ErrDisabled)
	}
	return rec.user(etag), nil
}
