package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"mediabank/auth"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "mediabank_session"

// ctxUser and ctxSession are the keys of what guard puts in the context.
const (
	ctxUser    = "mediabank.user"
	ctxSession = "mediabank.session"
)

// guard authenticates the request (a bearer token for scripts, the session
// cookie for browsers), checks the CSRF token of cookie requests that
// change something, and asks the policy table whether the role may act.
func (s *Server) guard(r route) gin.HandlerFunc {
	return func(c *gin.Context) {
		if r.action == "" {
			c.Next()
			return
		}
		u, sess, err := s.Authenticate(c.Request)
		if err != nil {
			s.fail(c, err)
			return
		}
		c.Set(ctxUser, u) // the audit of a refusal names who was refused
		if sess != nil && !isSafeMethod(c.Request.Method) && !auth.ValidCSRF(*sess, c.GetHeader("X-CSRF-Token")) {
			s.fail(c, errCSRF)
			return
		}
		if r.action != actionSelf && s.Policy.Decide(u.Role, r.action) == auth.Deny {
			s.fail(c, errForbidden)
			return
		}
		if sess != nil {
			c.Set(ctxSession, *sess)
		}
		c.Next()
	}
}

// Authenticate finds who sent r: a bearer token, or the session cookie
// (then the session is returned too, for its CSRF token). The web pages
// use it so that the site and the API share one login.
func (s *Server) Authenticate(r *http.Request) (*auth.User, *auth.Session, error) {
	ctx := r.Context()
	if tok, ok := bearer(r.Header.Get("Authorization")); ok {
		u, err := s.Users.VerifyToken(ctx, tok)
		if err != nil {
			return nil, nil, errUnauthorized
		}
		return u, nil, nil
	}
	ck, err := r.Cookie(SessionCookie)
	if err != nil || ck.Value == "" {
		return nil, nil, errUnauthorized
	}
	sess, ok := s.Sessions.Get(ck.Value)
	if !ok {
		return nil, nil, errUnauthorized
	}
	u, err := s.Users.Get(ctx, sess.User)
	if err != nil || !u.SessionValid(sess.Created) {
		s.Sessions.Delete(ck.Value)
		return nil, nil, errUnauthorized
	}
	return u, &sess, nil
}

// userOf is the user guard found for this request.
func userOf(c *gin.Context) (*auth.User, bool) {
	v, ok := c.Get(ctxUser)
	if !ok {
		return &auth.User{}, false
	}
	return v.(*auth.User), true
}

type loginRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

type meResponse struct {
	User      *auth.User `json:"user"`
	CSRFToken string     `json:"csrf_token,omitempty"`
}

func (s *Server) login(c *gin.Context) {
	var req loginRequest
	if err := s.bindJSON(c, &req, 4<<10); err != nil {
		s.fail(c, err)
		return
	}
	if req.Name == "" || req.Password == "" {
		s.fail(c, badRequest("name and password are required"))
		return
	}
	u, err := s.checkPassword(c, "session.login_failed", req.Name, req.Password)
	if err != nil {
		if errors.Is(err, auth.ErrUnauthorized) || errors.Is(err, auth.ErrNotFound) {
			s.fail(c, fmt.Errorf("wrong name or password: %w", errUnauthorized))
			return
		}
		s.fail(c, err)
		return
	}
	// A fresh session id at every login: an id planted before login is
	// worth nothing after it.
	if old, err := c.Cookie(SessionCookie); err == nil {
		s.Sessions.Delete(old)
	}
	sess := s.Sessions.New(u.Name)
	s.setCookie(c, sess.ID, 0)
	c.Set(ctxUser, u)
	s.record(c, "session.login", "user/"+u.Name, "")
	// No Cache-Control here: the answer to a POST is not stored by any
	// cache unless it says it may be (RFC 9111, 3), and a no-store fetch
	// answer keeps Chromium from closing the page's event streams on
	// navigation, which then exhaust its six connections to the server
	// (found by TestBrowserCoverage).
	c.JSON(http.StatusOK, meResponse{User: u, CSRFToken: sess.CSRF})
}

// checkPassword checks name's password under the login throttle: the
// login and every other place a password is typed (the old password of a
// change) share one count, so neither is a way around the other. The
// attempt counts as a failure until it succeeds, so a burst of guesses
// sent at once cannot all slip past the limit; and a throttled guess is
// answered before it queues for one of the few password-hashing slots
// that logins need.
//
// A refused check is audited as failedAction, within the bound on
// refusals (refusals).
func (s *Server) checkPassword(c *gin.Context, failedAction, name, password string) (*auth.User, error) {
	ctx := c.Request.Context()
	addr := s.clientIP(c)
	target := "user/" + name
	if auth.ValidName(name) != nil {
		target = "user/(not a valid name)"
	}
	slowDown, err := s.Throttle.Attempt(name, addr)
	if err != nil {
		s.recordRefusal(c, failedAction, target, "throttled")
		return nil, err
	}
	if slowDown > 0 {
		t := time.NewTimer(slowDown)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	u, err := s.Users.Authenticate(ctx, name, password)
	if errors.Is(err, auth.ErrDisabled) {
		// Told apart from a wrong password, "disabled" would confirm the
		// password to whoever guessed it.
		err = fmt.Errorf("authenticate %q: %w", name, auth.ErrUnauthorized)
	}
	if err != nil {
		if errors.Is(err, auth.ErrUnauthorized) || errors.Is(err, auth.ErrNotFound) {
			s.recordRefusal(c, failedAction, target, "wrong name or password")
		}
		return nil, err
	}
	s.Throttle.Success(name, addr)
	return u, nil
}

func (s *Server) setCookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name:     SessionCookie,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   s.SecureCookies,
		SameSite: http.SameSiteStrictMode,
	})
}

func (s *Server) logout(c *gin.Context) {
	if v, ok := c.Get(ctxSession); ok {
		s.Sessions.Delete(v.(auth.Session).ID)
	}
	u, _ := userOf(c)
	s.record(c, "session.logout", "user/"+u.Name, "")
	s.setCookie(c, "", -1)
	c.Status(http.StatusNoContent)
}

func (s *Server) me(c *gin.Context) {
	u, _ := userOf(c)
	res := meResponse{User: u}
	if v, ok := c.Get(ctxSession); ok {
		res.CSRFToken = v.(auth.Session).CSRF
	}
	// A GET answer with the CSRF token: kept out of every cache.
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, res)
}

type mePatch struct {
	Language    *string `json:"language"`
	Password    *string `json:"password"`
	OldPassword string  `json:"old_password"`
}

func (s *Server) patchMe(c *gin.Context) {
	u, _ := userOf(c)
	var req mePatch
	if err := s.bindJSON(c, &req, 4<<10); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	var err error
	if req.Password != nil {
		// Changing a password needs the old one: a stolen session alone
		// must not be able to lock the owner out.
		if _, aerr := s.checkPassword(c, "user.password_check_failed", u.Name, req.OldPassword); aerr != nil {
			if errors.Is(aerr, auth.ErrUnauthorized) {
				aerr = badRequest("old_password is wrong")
			}
			s.fail(c, aerr)
			return
		}
		if u, err = s.Users.SetPassword(ctx, u.Name, *req.Password, u.Version); err != nil {
			s.fail(c, err)
			return
		}
		s.Sessions.DeleteUser(u.Name)
		s.record(c, "user.password", "user/"+u.Name, "")
	}
	if req.Language != nil {
		if u, err = s.Users.SetLanguage(ctx, u.Name, *req.Language, u.Version); err != nil {
			s.fail(c, err)
			return
		}
	}
	c.JSON(http.StatusOK, meResponse{User: u})
}

type userRequest struct {
	Name        string  `json:"name"`
	Role        *string `json:"role"`
	DisplayName *string `json:"display_name"`
	Password    *string `json:"password"`
	Disabled    *bool   `json:"disabled"`
}

func (s *Server) listUsers(c *gin.Context) {
	us, err := s.Users.List(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"users": us})
}

func (s *Server) addUser(c *gin.Context) {
	var req userRequest
	if err := s.bindJSON(c, &req, 4<<10); err != nil {
		s.fail(c, err)
		return
	}
	if req.Role == nil || req.Password == nil {
		s.fail(c, badRequest("name, role and password are required"))
		return
	}
	ctx := c.Request.Context()
	u, err := s.Users.Add(ctx, req.Name, *req.Role, *req.Password)
	if err == nil && req.DisplayName != nil {
		u, err = s.Users.SetDisplayName(ctx, u.Name, *req.DisplayName, u.Version)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.record(c, "user.add", "user/"+u.Name, "role "+u.Role)
	c.JSON(http.StatusCreated, u)
}

// patchUser changes one account; If-Match (the user's version) is honoured
// when sent, so two admins do not overwrite each other.
func (s *Server) patchUser(c *gin.Context) {
	var req userRequest
	if err := s.bindJSON(c, &req, 4<<10); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	u, err := s.Users.Get(ctx, c.Param("name"))
	if err != nil {
		s.fail(c, err)
		return
	}
	// If-Match carries the version as an HTTP entity tag, quoted; a stale
	// one is a failed precondition (412), as for assets and collections.
	sent := ifMatch(c)
	if sent != "" && sent != u.Version {
		s.fail(c, errPrecondition)
		return
	}
	version := u.Version
	steps := []struct {
		set bool
		do  func() (*auth.User, error)
	}{
		{req.Role != nil, func() (*auth.User, error) { return s.Users.SetRole(ctx, u.Name, *req.Role, version) }},
		{req.DisplayName != nil, func() (*auth.User, error) { return s.Users.SetDisplayName(ctx, u.Name, *req.DisplayName, version) }},
		{req.Password != nil, func() (*auth.User, error) { return s.Users.SetPassword(ctx, u.Name, *req.Password, version) }},
		{req.Disabled != nil && *req.Disabled, func() (*auth.User, error) { return s.Users.Disable(ctx, u.Name, version) }},
		{req.Disabled != nil && !*req.Disabled, func() (*auth.User, error) { return s.Users.Enable(ctx, u.Name, version) }},
	}
	for _, st := range steps {
		if !st.set {
			continue
		}
		if u, err = st.do(); err != nil {
			if sent != "" && errors.Is(err, auth.ErrConflict) {
				err = fmt.Errorf("%w: %v", errPrecondition, err) // 412, not 409
			}
			s.fail(c, err)
			return
		}
		version = u.Version
	}
	if req.Password != nil || req.Disabled != nil || req.Role != nil {
		// Whoever was logged in as this user logs in again.
		s.Sessions.DeleteUser(u.Name)
	}
	s.record(c, "user.change", "user/"+u.Name, "")
	c.JSON(http.StatusOK, u)
}

func (s *Server) auditLog(c *gin.Context) {
	from, to, err := s.period(c, 7)
	if err != nil {
		s.fail(c, err)
		return
	}
	limit, err := intParam(c, "limit", 500, 1, 10000)
	if err != nil {
		s.fail(c, err)
		return
	}
	es, err := s.Audit.List(c.Request.Context(), from, to, limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"entries": es})
}
