package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	// maxRequestBody caps every request body. The largest real request, a
	// sign-in, is a few hundred bytes.
	maxRequestBody = 64 << 10

	// readHeaderTimeout drops a connection that opens but never finishes
	// its request headers.
	readHeaderTimeout = 5 * time.Second

	// idleTimeout closes keep-alive connections a client forgot.
	idleTimeout = 2 * time.Minute

	// shutdownTimeout bounds the graceful part of Serve's shutdown; after
	// it, open connections are closed. A token request waiting for a
	// refresh then fails on the client side, which is better than keeping
	// a quitting agent alive.
	shutdownTimeout = 3 * time.Second
)

// Backend is what the local API serves: the agent's accounts and controls.
// The server calls its methods from many goroutines at once, so they must
// be safe for concurrent use. Errors should wrap ErrNotFound for an unknown
// account and ErrBadRequest for an invalid request, and their text must
// never contain a secret (password, access or refresh token): it is sent to
// the client and logged as is.
type Backend interface {
	// Status returns the current state of every account and of the agent.
	Status(ctx context.Context) Status
	// Watch sends the current Status at once and then each change. It is
	// coalesced: a slow reader sees the newest Status, never a backlog.
	// Calling the returned cancel function stops the watch and closes the
	// channel.
	Watch() (<-chan Status, func())
	// Token returns a token with at least the requested validity left,
	// waiting for a refresh if necessary.
	Token(ctx context.Context, req TokenRequest) (TokenResponse, error)
	// SignIn adds an account, or signs an existing one in again.
	SignIn(ctx context.Context, req SignInRequest) (Account, error)
	// SignOut signs the account out, forgetting its stored credentials
	// when req.Forget is set.
	SignOut(ctx context.Context, profile string, req SignOutRequest) error
	// Remove deletes the account and everything stored for it.
	Remove(ctx context.Context, profile string) error
	// SetDefault makes the account the default one.
	SetDefault(ctx context.Context, profile string) error
	// Refresh refreshes the account's token now.
	Refresh(ctx context.Context, profile string) error
	// Copy puts the account's token (or its Authorization header line) on
	// the clipboard, which the agent owns and clears after the account's delay.
	Copy(ctx context.Context, profile string, header bool) error
	// UpdateSettings changes the account's settings and returns the account.
	UpdateSettings(ctx context.Context, profile string, req SettingsRequest) (Account, error)
	// OpenWindow opens (or raises) the TokenTray window.
	OpenWindow(ctx context.Context) error
	// Quit stops the agent. The server calls it in a goroutine of its own
	// after the 204 answer has been written, so it may block until the
	// server has shut down (for instance by cancelling the context given
	// to Serve and waiting for Serve to return). Its error is only logged.
	Quit(ctx context.Context) error
}

// Server serves a Backend over HTTP. Create it with NewServer; Serve it on
// the listener Listen returns, or mount Handler in tests.
type Server struct {
	backend Backend
	logger  *slog.Logger
	handler http.Handler
	mux     *http.ServeMux

	// stop is closed when a Serve's context is done, so open status
	// streams end: http.Server.Shutdown waits for running handlers but
	// does not cancel them.
	stop     chan struct{}
	stopOnce sync.Once
}

// NewServer returns a Server for b that logs to logger (slog.Default() when
// nil). Logs never contain request bodies or tokens.
func NewServer(b Backend, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.Default()
	}
	s := &Server{backend: b, logger: logger, mux: http.NewServeMux(), stop: make(chan struct{})}
	s.routes()
	s.handler = http.HandlerFunc(s.serveHTTP)
	return s
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /v1/status", s.handleStatus)
	s.mux.HandleFunc("GET /v1/status/stream", s.handleStream)
	s.mux.HandleFunc("POST /v1/token", s.handleToken)
	s.mux.HandleFunc("GET /v1/accounts", s.handleAccounts)
	s.mux.HandleFunc("POST /v1/accounts", s.handleSignIn)
	s.mux.HandleFunc("POST /v1/accounts/{name}/signout", s.handleSignOut)
	s.mux.HandleFunc("DELETE /v1/accounts/{name}", s.profileAction((Backend).Remove))
	s.mux.HandleFunc("POST /v1/accounts/{name}/default", s.profileAction((Backend).SetDefault))
	s.mux.HandleFunc("POST /v1/accounts/{name}/refresh", s.profileAction((Backend).Refresh))
	s.mux.HandleFunc("POST /v1/accounts/{name}/settings", s.handleSettings)
	s.mux.HandleFunc("POST /v1/accounts/{name}/copy", s.handleCopy)
	s.mux.HandleFunc("POST /v1/window", s.handleWindow)
	s.mux.HandleFunc("POST /v1/quit", s.handleQuit)
}

// Handler returns the server's HTTP handler, for tests with
// net/http/httptest. It recovers panics and answers every error, including
// unknown paths and wrong methods, with a JSON ErrorBody.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve answers requests on ln until ctx is done or accepting fails. When
// ctx is done it stops accepting, ends the status streams, lets running
// requests finish for a few seconds and then closes what is left, and
// returns nil; otherwise it returns the listener's error. Serve closes ln
// (which removes the socket file). Call it once per Server.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if l, ok := ln.(interface{ setLogger(*slog.Logger) }); ok {
		l.setLogger(s.logger)
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    16 << 10,
		// No ReadTimeout or WriteTimeout: the status stream lives as long
		// as its client, and a token request may wait for a refresh. The
		// client's context bounds a request; bodies are capped.
		ErrorLog: slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.logger.Info("local API listening", "socket", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("serving the local API: %w", err)
	case <-ctx.Done():
	}
	s.stopOnce.Do(func() { close(s.stop) })
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		s.logger.Warn("local API: closing connections that did not finish in time", "err", err)
		srv.Close()
	}
	<-errc // http.ErrServerClosed
	return nil
}

// serveHTTP is the outermost handler: it answers unknown paths and wrong
// methods in JSON (ServeMux would answer in plain text), recovers panics,
// and logs each request without its body.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rw := &responseWriter{ResponseWriter: w}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			// The panic value is logged by type only (unless it is a
			// runtime error): it could be a request holding a password.
			// The stack shows where without showing string contents.
			msg := fmt.Sprintf("%T", v)
			if re, ok := v.(runtime.Error); ok {
				msg = re.Error()
			}
			s.logger.Error("local API: panic in handler", "method", r.Method, "path", r.URL.Path,
				"panic", msg, "stack", string(debug.Stack()))
			if !rw.wroteHeader {
				writeJSONError(rw, http.StatusInternalServerError, ErrorBody{
					Code:  CodeInternal,
					Error: "the TokenTray agent failed while answering (a bug; its log has details)",
				})
			}
		}
		s.logger.Debug("local API request", "method", r.Method, "path", r.URL.Path,
			"pattern", r.Pattern, "status", rw.status, "duration", time.Since(start))
	}()

	// ServeMux redirects unclean paths (and the client would not follow);
	// none of the endpoints has a trailing slash or dot segment.
	if p := r.URL.EscapedPath(); p != path.Clean(p) {
		s.notFound(rw, r)
		return
	}
	if _, pattern := s.mux.Handler(r); pattern == "" {
		// Ask the mux whether it would answer 404 or 405 (and which
		// methods are allowed), then say so in JSON.
		rec := &statusRecorder{header: http.Header{}}
		h, _ := s.mux.Handler(r)
		h.ServeHTTP(rec, r)
		if rec.status == http.StatusMethodNotAllowed {
			rw.Header().Set("Allow", rec.header.Get("Allow"))
			writeJSONError(rw, http.StatusMethodNotAllowed, ErrorBody{
				Code:  CodeBadRequest,
				Error: fmt.Sprintf("method %s is not allowed for %s (allowed: %s)", r.Method, r.URL.Path, rec.header.Get("Allow")),
			})
			return
		}
		s.notFound(rw, r)
		return
	}
	s.mux.ServeHTTP(rw, r)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	writeJSONError(w, http.StatusNotFound, ErrorBody{
		Code:  CodeNotFound,
		Error: fmt.Sprintf("no such endpoint: %s %s", r.Method, r.URL.Path),
		Hint:  "The agent and this program may be different versions; restart TokenTray.",
	})
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, normalize(s.backend.Status(r.Context())))
}

func (s *Server) handleAccounts(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, normalize(s.backend.Status(r.Context())).Accounts)
}

// handleStream writes one Status per line, flushing after each, until the
// client goes away, the watch ends or the server shuts down.
func (s *Server) handleStream(w http.ResponseWriter, r *http.Request) {
	ch, cancel := s.backend.Watch()
	defer cancel()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return
	}
	enc := json.NewEncoder(w) // Encode ends each value with a newline.
	for {
		select {
		case st, ok := <-ch:
			if !ok {
				return
			}
			if err := enc.Encode(normalize(st)); err != nil {
				return // The client went away.
			}
			if err := rc.Flush(); err != nil {
				return
			}
		case <-r.Context().Done():
			return
		case <-s.stop:
			return
		}
	}
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	var req TokenRequest
	if !s.decode(w, r, &req, true) {
		return
	}
	resp, err := s.backend.Token(r.Context(), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	var req SignInRequest
	if !s.decode(w, r, &req, false) {
		return
	}
	acct, err := s.backend.SignIn(r.Context(), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, acct)
}

func (s *Server) handleCopy(w http.ResponseWriter, r *http.Request) {
	var req CopyRequest
	if !s.decode(w, r, &req, true) {
		return
	}
	s.done(w, r, s.backend.Copy(r.Context(), r.PathValue("name"), req.Header))
}

func (s *Server) handleSettings(w http.ResponseWriter, r *http.Request) {
	var req SettingsRequest
	if !s.decode(w, r, &req, false) {
		return
	}
	acct, err := s.backend.UpdateSettings(r.Context(), r.PathValue("name"), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, acct)
}

func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) {
	var req SignOutRequest
	if !s.decode(w, r, &req, true) {
		return
	}
	s.done(w, r, s.backend.SignOut(r.Context(), r.PathValue("name"), req))
}

// profileAction serves the endpoints that name an account and take no body.
func (s *Server) profileAction(act func(Backend, context.Context, string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.done(w, r, act(s.backend, r.Context(), r.PathValue("name")))
	}
}

func (s *Server) handleWindow(w http.ResponseWriter, r *http.Request) {
	s.done(w, r, s.backend.OpenWindow(r.Context()))
}

// handleQuit answers first and quits afterwards, in a goroutine: quitting
// shuts this server down, which waits for this very handler to return.
func (s *Server) handleQuit(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusNoContent)
	_ = http.NewResponseController(w).Flush()
	ctx := context.WithoutCancel(r.Context())
	go func() {
		defer func() {
			if v := recover(); v != nil {
				s.logger.Error("local API: panic in Quit", "panic", fmt.Sprintf("%T", v), "stack", string(debug.Stack()))
			}
		}()
		if err := s.backend.Quit(ctx); err != nil {
			s.logger.Error("local API: quitting failed", "err", err.Error())
		}
	}()
}

// done answers 204 for a nil err, and the error otherwise.
func (s *Server) done(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// fail answers a backend error (see errorFor) and logs it: server-side
// failures as errors, the person's or ESET's refusals at debug level, as
// the keeper already reports those.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, body := errorFor(err)
	level := slog.LevelDebug
	if status >= 500 {
		level = slog.LevelWarn
		if status == http.StatusInternalServerError {
			level = slog.LevelError
		}
	}
	s.logger.Log(r.Context(), level, "local API request failed", "method", r.Method, "pattern", r.Pattern,
		"status", status, "code", body.Code, "err", body.Error)
	writeJSONError(w, status, body)
}

// decode reads the request body as exactly one JSON value into v. An empty
// body is accepted (leaving v zero) when optional is set. On failure it
// answers 400 (or 413) saying what was wrong without quoting the body,
// which may hold a password, and returns false.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any, optional bool) bool {
	body := http.MaxBytesReader(w, r.Body, maxRequestBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		// Exactly one value: anything but white space after it is refused,
		// so a request glued to another is not half-understood.
		if err2 := dec.Decode(new(json.RawMessage)); err2 != io.EOF {
			err = errTrailing
			var mbe *http.MaxBytesError
			if errors.As(err2, &mbe) {
				err = err2
			}
		}
	} else if err == io.EOF && optional {
		err = nil
	}
	if err == nil {
		return true
	}
	status, msg := describeDecodeError(err)
	s.logger.Debug("local API: bad request body", "method", r.Method, "pattern", r.Pattern, "reason", msg)
	writeJSONError(w, status, ErrorBody{Code: CodeBadRequest, Error: msg})
	return false
}

var errTrailing = errors.New("trailing data")

// describeDecodeError says what is wrong with a request body in words that
// never quote it: syntax errors give the offset only, type errors the field
// and the expected type. An unknown field's name (a key, not a value) is
// repeated only when it looks like a field name, so a typo is easy to spot
// while a secret pasted in the wrong place is not echoed into a log.
func describeDecodeError(err error) (int, string) {
	// Syntax and type errors are matched only when encoding/json returns
	// them itself: the same types wrapped inside a Duration's error
	// describe the duration's inner decoding, not the request.
	syn, _ := err.(*json.SyntaxError)
	typ, _ := err.(*json.UnmarshalTypeError)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", mbe.Limit)
	case err == io.EOF:
		return http.StatusBadRequest, "request body is empty; a JSON object is required"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return http.StatusBadRequest, "request body is not valid JSON: it ends in the middle of a value"
	case err == errTrailing:
		return http.StatusBadRequest, "request body has data after the JSON object"
	case syn != nil:
		return http.StatusBadRequest, fmt.Sprintf("request body is not valid JSON (syntax error at byte %d)", syn.Offset)
	case typ != nil:
		if typ.Field == "" {
			return http.StatusBadRequest, fmt.Sprintf("request body must be a JSON object, not a JSON %s", typ.Value)
		}
		return http.StatusBadRequest, fmt.Sprintf("field %q must be a JSON %s, not a JSON %s", typ.Field, jsonKind(typ.Type.String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, qerr := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		if qerr != nil || !looksLikeFieldName(name) {
			return http.StatusBadRequest, "request body has an unknown field"
		}
		return http.StatusBadRequest, fmt.Sprintf("request body has an unknown field %q", name)
	}
	// The only other errors come from the wire types' own decoders
	// (Duration), which describe a duration, never a secret.
	return http.StatusBadRequest, "request body has an invalid value: " + cleanName(err.Error())
}

// looksLikeFieldName reports whether s has the shape of the wire types'
// field names: short, lower case letters and underscores.
func looksLikeFieldName(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '_' {
			return false
		}
	}
	return true
}

// jsonKind names the JSON type a Go type is decoded from.
func jsonKind(goType string) string {
	switch {
	case goType == "string", strings.HasSuffix(goType, "Duration"), strings.HasSuffix(goType, "Time"):
		return "string"
	case goType == "bool":
		return "boolean"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"), strings.HasPrefix(goType, "float"):
		return "number"
	case strings.HasPrefix(goType, "[]"):
		return "array"
	}
	return "object"
}

// cleanName keeps text from a request printable and short before it goes
// into an answer or a log line.
func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80]) + "…"
	}
	return s
}

// normalize makes a nil account list travel as [] rather than null, which
// clients in other languages handle more gracefully.
func normalize(st Status) Status {
	if st.Accounts == nil {
		st.Accounts = []Account{}
	}
	return st
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// The wire types always marshal; this guards against a future
		// field that does not.
		status = http.StatusInternalServerError
		b, _ = json.Marshal(ErrorBody{Code: CodeInternal, Error: "encoding the answer failed: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeJSONError(w http.ResponseWriter, status int, body ErrorBody) {
	writeJSON(w, status, body)
}

// responseWriter remembers the status, so the panic handler knows whether
// it can still answer and the request log can say how it ended. Unwrap
// keeps http.ResponseController's Flush working through it.
type responseWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *responseWriter) WriteHeader(status int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// statusRecorder captures the status and headers of ServeMux's own 404 and
// 405 answers, which serveHTTP then rewrites as JSON.
type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return len(b), nil
}
func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
