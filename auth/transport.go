package auth

import (
	"io"
	"net/http"
	"time"
)

// AcceptedTransport is an http.RoundTripper that completes ESET's "202
// Accepted" protocol, so callers only ever see final answers.
//
// ESET answers 202 with a response-id header when a result took too long
// and was cached. The client must re-send the identical request (only the
// Authorization header may differ) with the header "response-id: <id>",
// repeating while the answer is 202. The id is spent after one successful
// retrieval; a result that is not ready after about 120 s gives 504 (repeat
// the query); an unretrieved result is dropped after 10 minutes, and a
// spent or dropped id gives 404. See ESET Connect's "How the API works".
//
// AcceptedTransport sends a response-id only right after a 202 for it (stale
// ids caused repeated 404s in other integrations). A 404 for an id means the
// cached answer is gone: it returns a temporary error rather than sending
// the original request again, because ESET has already processed that
// request (a password grant must not be sent twice, and a refresh token has
// already been spent). The whole exchange is bounded by MaxWait and by the
// request's context.
//
// Requests with a body must have GetBody set (http.NewRequest does this for
// in-memory bodies); others pass through untouched.
type AcceptedTransport struct {
	// Base sends the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
	// MaxWait bounds the whole exchange; 0 means 3 minutes.
	MaxWait time.Duration
	// Poll is the first pause before re-sending; it doubles up to 5 s.
	// 0 means 1 s.
	Poll time.Duration
}

const maxPoll = 5 * time.Second

// RoundTrip sends req and follows 202 answers until a final one arrives.
func (t *AcceptedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return base.RoundTrip(req)
	}
	maxWait, poll := t.MaxWait, t.Poll
	if maxWait <= 0 {
		maxWait = 3 * time.Minute
	}
	if poll <= 0 {
		poll = time.Second
	}
	deadline := time.Now().Add(maxWait)
	id := ""
	cur := req
	for {
		resp, err := base.RoundTrip(cur)
		if err != nil {
			return nil, err
		}
		switch {
		case resp.StatusCode == http.StatusAccepted && resp.Header.Get("response-id") != "":
			id = resp.Header.Get("response-id")
		case id != "" && resp.StatusCode == http.StatusNotFound:
			requestID := resp.Header.Get("request-id")
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			return nil, &Error{Kind: ErrServer, Status: http.StatusNotFound, RequestID: requestID,
				Description: "ESET accepted the request but lost its cached answer"}
		case id != "" && resp.StatusCode == http.StatusGatewayTimeout:
			// Not ready yet: repeat the query with the same id.
		default:
			return resp, nil
		}
		requestID := resp.Header.Get("request-id")
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if !time.Now().Add(poll).Before(deadline) {
			return nil, &Error{Kind: ErrServer, RequestID: requestID,
				Description: "ESET accepted the request but had no answer within " + maxWait.String()}
		}
		timer := time.NewTimer(poll)
		select {
		case <-req.Context().Done():
			timer.Stop()
			return nil, req.Context().Err()
		case <-timer.C:
		}
		poll = min(2*poll, maxPoll)
		if cur, err = resend(req, id); err != nil {
			return nil, err
		}
	}
}

// resend clones req with a fresh body and the response-id header set to id
// (or removed when id is "").
func resend(req *http.Request, id string) (*http.Request, error) {
	r := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	if id != "" {
		r.Header.Set("response-id", id)
	} else {
		r.Header.Del("response-id")
	}
	return r, nil
}

// exchange remembers what the last response of one grant looked like: the
// parts an error message needs and that golang.org/x/oauth2 does not keep.
type exchange struct {
	requestID   string
	contentType string
	status      int
}

// recorder is the outermost RoundTripper of one grant; it fills in an
// exchange from the final response.
type recorder struct {
	next http.RoundTripper
	last *exchange
}

func (r recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if resp != nil {
		r.last.requestID = resp.Header.Get("request-id")
		r.last.contentType = resp.Header.Get("Content-Type")
		r.last.status = resp.StatusCode
	}
	return resp, err
}
