package localapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

const (
	// clientHost is the host name in the client's URLs. The socket decides
	// where requests go; the name only has to be valid and recognisable.
	clientHost = "tokentray"

	// dialTimeout bounds connecting to the socket. A local connect either
	// succeeds at once or fails at once; the bound only guards a wedged
	// listen backlog.
	dialTimeout = 5 * time.Second

	// maxResponseBody caps what the client reads of one answer: a Status
	// of many accounts is a few KiB.
	maxResponseBody = 4 << 20
	// maxErrorBody caps what the client reads of an error answer.
	maxErrorBody = 64 << 10
)

// Client talks to the agent over its unix socket. The command line and the
// window use it; its methods mirror the Backend's. It is safe for
// concurrent use, and keeps connections open between calls. Every method
// honours its context's deadline and cancellation.
//
// A call that cannot reach an agent returns an error matching ErrNoAgent; an
// agent's refusal is an *Error.
type Client struct {
	path string
	hc   *http.Client
}

// NewClient returns a Client for the agent socket at path (see SocketPath).
// Nothing is dialled until the first call.
func NewClient(path string) *Client {
	d := &net.Dialer{Timeout: dialTimeout}
	tr := &http.Transport{
		// Proxy stays nil: HTTP_PROXY must not reroute a local socket.
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", path)
		},
		DisableCompression: true,
		MaxIdleConns:       4,
		IdleConnTimeout:    30 * time.Second,
	}
	return &Client{
		path: path,
		hc: &http.Client{
			Transport: tr,
			// The agent never redirects; following one would turn a
			// POST into a GET.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// Status returns the agent's current status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	err := c.do(ctx, http.MethodGet, "/v1/status", nil, &st)
	return st, err
}

// Watch streams the agent's status: the current one first, then each
// change, until ctx is done or the stream ends (the agent quit); then the
// channel is closed. Delivery is coalesced like the Backend's: a reader
// that falls behind receives the newest Status, not a backlog. Only the
// initial request's failure is returned; a stream that breaks later just
// ends, and the caller may Watch again.
func (c *Client) Watch(ctx context.Context) (<-chan Status, error) {
	resp, err := c.send(ctx, http.MethodGet, "/v1/status/stream", nil)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, errorFromResponse(resp)
	}
	ch := make(chan Status, 1)
	go func() {
		defer close(ch)
		defer resp.Body.Close()
		dec := json.NewDecoder(resp.Body)
		for {
			var st Status
			if err := dec.Decode(&st); err != nil {
				return // ctx done (the transport closes the body), or the stream ended.
			}
			// This goroutine is the only sender, so after emptying the
			// one slot the send cannot block.
			select {
			case ch <- st:
			default:
				select {
				case <-ch:
				default:
				}
				ch <- st
			}
		}
	}()
	return ch, nil
}

// Token asks the agent for a token of req.Profile (the default account when
// empty) with at least req.MinValid validity left.
func (c *Client) Token(ctx context.Context, req TokenRequest) (TokenResponse, error) {
	var resp TokenResponse
	err := c.do(ctx, http.MethodPost, "/v1/token", req, &resp)
	return resp, err
}

// Accounts lists the accounts, in the order of the config file.
func (c *Client) Accounts(ctx context.Context) ([]Account, error) {
	var accts []Account
	err := c.do(ctx, http.MethodGet, "/v1/accounts", nil, &accts)
	return accts, err
}

// SignIn adds an account or signs an existing one in again, and returns its
// state afterwards. The password travels only over the private socket.
func (c *Client) SignIn(ctx context.Context, req SignInRequest) (Account, error) {
	var acct Account
	err := c.do(ctx, http.MethodPost, "/v1/accounts", req, &acct)
	return acct, err
}

// SignOut signs the account out; forget also deletes its stored
// credentials.
func (c *Client) SignOut(ctx context.Context, profile string, forget bool) error {
	p, err := accountPath(profile, "/signout")
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, p, SignOutRequest{Forget: forget}, nil)
}

// Remove deletes the account and everything stored for it.
func (c *Client) Remove(ctx context.Context, profile string) error {
	p, err := accountPath(profile, "")
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, p, nil, nil)
}

// SetDefault makes the account the default one.
func (c *Client) SetDefault(ctx context.Context, profile string) error {
	p, err := accountPath(profile, "/default")
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, p, nil, nil)
}

// Refresh asks the agent to refresh the account's token now.
func (c *Client) Refresh(ctx context.Context, profile string) error {
	p, err := accountPath(profile, "/refresh")
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, p, nil, nil)
}

// Copy asks the agent to put the account's token (or, with header, the
// "Authorization: Bearer …" line) on the clipboard. The agent owns the
// clipboard, so the copy outlives the caller.
func (c *Client) Copy(ctx context.Context, profile string, header bool) error {
	p, err := accountPath(profile, "/copy")
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, p, CopyRequest{Header: header}, nil)
}

// UpdateSettings changes an account's settings (nil fields stay as they
// are) and returns the account.
func (c *Client) UpdateSettings(ctx context.Context, profile string, req SettingsRequest) (Account, error) {
	var acct Account
	p, err := accountPath(profile, "/settings")
	if err != nil {
		return acct, err
	}
	err = c.do(ctx, http.MethodPost, p, req, &acct)
	return acct, err
}

// OpenWindow asks the agent to open (or raise) the TokenTray window; a
// second `tokentray` started from the desktop does this and exits.
func (c *Client) OpenWindow(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/v1/window", nil, nil)
}

// Quit asks the agent to stop. It returns once the agent has accepted the
// request, which it carries out afterwards.
func (c *Client) Quit(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/v1/quit", nil, nil)
}

// Ping returns nil when an agent answers on the socket, which is how a
// second instance finds the first. An error matching ErrNoAgent means
// nothing listens there.
func (c *Client) Ping(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/v1/status", nil, nil)
}

// accountPath builds /v1/accounts/{name}<suffix>, escaping the name so that
// any account name reaches the server intact.
func accountPath(profile, suffix string) (string, error) {
	if profile == "" {
		return "", fmt.Errorf("%w: an account name is required", ErrBadRequest)
	}
	return "/v1/accounts/" + url.PathEscape(profile) + suffix, nil
}

// do sends a request with in (if not nil) as its JSON body and decodes a
// 2xx answer into out (if not nil).
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	resp, err := c.send(ctx, method, path, in)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return errorFromResponse(resp)
	}
	if out == nil {
		// Drain a little, so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponseBody)).Decode(out); err != nil {
		return fmt.Errorf("local API %s %s: reading the agent's answer: %w", method, path, err)
	}
	return nil
}

// send performs the request. Errors never include the body, which may hold
// a password.
func (c *Client) send(ctx context.Context, method, path string, in any) (*http.Response, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("local API %s %s: encoding the request: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+clientHost+path, body)
	if err != nil {
		return nil, fmt.Errorf("local API %s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		// Drop *url.Error's quoted URL; the method and path say enough.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if oe, ok := errors.AsType[*net.OpError](err); ok && oe.Op == "dial" && !oe.Timeout() && ctx.Err() == nil {
			// Refused or no socket: definitely no agent. A dial that timed
			// out may have met a hung agent's full backlog, so it is not
			// reported as "no agent" (which would invite a replacement).
			return nil, fmt.Errorf("%w: %w", ErrNoAgent, oe)
		}
		return nil, fmt.Errorf("local API %s %s: %w", method, path, err)
	}
	return resp, nil
}

// errorFromResponse turns a non-2xx answer into an *Error. A body that is
// not an ErrorBody (not from an agent) is not quoted.
func errorFromResponse(resp *http.Response) error {
	e := &Error{Status: resp.StatusCode}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err := json.Unmarshal(b, &e.Body); err != nil || e.Body.Code == "" {
		e.Body = ErrorBody{
			Code:  codeForStatus(resp.StatusCode),
			Error: fmt.Sprintf("the TokenTray agent answered HTTP %d without an explanation", resp.StatusCode),
		}
	}
	return e
}
