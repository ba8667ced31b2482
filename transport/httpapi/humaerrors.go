package httpapi

import (
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"
)

// transformErrors is a huma response transformer: it turns huma's own
// error bodies (validation, malformed JSON, 415, 413, and errors a handler
// returned unmapped) into Problems, so that no input value is echoed and no
// 5xx carries internals.
func (s *Server) transformErrors(ctx huma.Context, _ string, v any) (any, error) {
	m, ok := v.(*huma.ErrorModel)
	if !ok {
		return v, nil
	}
	st := stateFrom(ctx.Context())
	if st.bodyTooLarge {
		// The body limit cut the read short; huma saw a read error.
		if m.Status >= 500 {
			ctx.SetStatus(http.StatusRequestEntityTooLarge) // not sent yet: huma sets it after transforming
		}
		return tooLarge(s.cfg.MaxBodyBytes), nil
	}
	if st.bodyUnreadable && m.Status >= 500 {
		// huma could not read the body: the client's fault, not ours.
		p := NewProblem(http.StatusBadRequest, "the request body could not be read: malformed (for example its chunked encoding) or cut short")
		ctx.SetStatus(p.Status)
		return p, nil
	}
	if m.Status >= 500 {
		return s.internal(ctx.Context(), m), nil
	}
	return problemFromModel(m), nil
}

// documentProblem makes the documented error schema match what is sent:
// huma's ErrorModel plus the error_id of a 5xx.
func documentProblem(api huma.API) {
	reg := api.OpenAPI().Components.Schemas
	reg.Schema(reflect.TypeFor[huma.ErrorModel](), true, "")
	if sch := reg.Map()["ErrorModel"]; sch != nil && sch.Properties != nil {
		sch.Properties["error_id"] = &huma.Schema{
			Type:        "string",
			Description: "On a 5xx: the id under which the server logged the error.",
		}
	}
}
