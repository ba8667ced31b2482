package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
)

// ProblemContentType is the media type of every error response.
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem document, the body of every error
// response. It implements huma.StatusError and huma.HeadersError, so a
// handler may return one directly.
type Problem struct {
	Type     string              `json:"type,omitempty"`
	Title    string              `json:"title"`
	Status   int                 `json:"status"`
	Detail   string              `json:"detail"`
	Instance string              `json:"instance,omitempty"`
	ErrorID  string              `json:"error_id,omitempty"` // set on 5xx; quoted in the server log
	Errors   []*huma.ErrorDetail `json:"errors,omitempty"`   // the offending fields of a 4xx
	headers  http.Header
}

// NewProblem returns a problem with the status's standard title.
func NewProblem(status int, detail string) *Problem {
	title := http.StatusText(status)
	if status == StatusClientClosedRequest {
		title = "Client Closed Request"
	}
	return &Problem{Title: title, Status: status, Detail: detail}
}

// WithField adds an offending field; location is like "body.email" or
// "query.cursor".
func (p *Problem) WithField(location, message string) *Problem {
	p.Errors = append(p.Errors, &huma.ErrorDetail{Location: location, Message: message})
	return p
}

// WithHeader adds a response header sent along with the problem.
func (p *Problem) WithHeader(name, value string) *Problem {
	if p.headers == nil {
		p.headers = http.Header{}
	}
	p.headers.Add(name, value)
	return p
}

// Error returns the problem's detail.
func (p *Problem) Error() string { return p.Detail }

// GetStatus returns the HTTP status; it implements huma.StatusError.
func (p *Problem) GetStatus() int { return p.Status }

// GetHeaders returns the extra response headers; it implements
// huma.HeadersError.
func (p *Problem) GetHeaders() http.Header {
	if p.headers == nil {
		p.headers = http.Header{}
	}
	return p.headers
}

// ContentType makes huma send problems as application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" {
		return ProblemContentType
	}
	return ct
}

// write sends p on a plain http.ResponseWriter.
func (p *Problem) write(w http.ResponseWriter) {
	h := w.Header()
	for k, vs := range p.headers {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	body, err := json.Marshal(p)
	if err != nil { // a Problem always marshals; keep the status anyway
		body = []byte(`{"title":"Internal Server Error","status":500,"detail":"internal error"}`)
	}
	h.Set("Content-Type", ProblemContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Del("Content-Encoding")
	w.WriteHeader(p.Status)
	_, _ = w.Write(body)
}

// writeHuma sends p through a huma context (from a huma middleware, where
// returning an error is not possible).
func (p *Problem) writeHuma(ctx huma.Context) {
	for k, vs := range p.headers {
		for _, v := range vs {
			ctx.AppendHeader(k, v)
		}
	}
	body, _ := json.Marshal(p)
	ctx.SetHeader("Content-Type", ProblemContentType)
	ctx.SetStatus(p.Status)
	_, _ = ctx.BodyWriter().Write(body)
}

// problemFromModel converts huma's own error body (validation, malformed
// JSON, wrong content type, body too large) into a Problem, dropping the
// echoed input values: they may hold a password.
func problemFromModel(m *huma.ErrorModel) *Problem {
	p := &Problem{Type: m.Type, Title: m.Title, Status: m.Status, Detail: m.Detail, Instance: m.Instance}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	for _, e := range m.Errors {
		if e == nil {
			continue
		}
		p.Errors = append(p.Errors, &huma.ErrorDetail{Location: e.Location, Message: e.Message})
	}
	if p.Detail == "validation failed" {
		switch p.Status {
		case http.StatusBadRequest:
			p.Detail = "the request body is not valid JSON"
		case http.StatusUnsupportedMediaType:
			p.Detail = "request bodies must be application/json"
		}
	}
	return p
}
