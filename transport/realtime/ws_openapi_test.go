package realtime

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kpbot/kpbot/transport/httpapi"
)

// jsonFields lists the JSON names of t's fields.
func jsonFields(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
}

// TestWSDocTypesMatchProtocol keeps the documented WS* messages in step
// with the messages the hub really encodes and decodes.
func TestWSDocTypesMatchProtocol(t *testing.T) {
	t.Parallel()
	pairs := []struct{ doc, wire any }{
		{WSAuthenticatedMessage{}, authenticatedMessage{}},
		{WSSubscribedMessage{}, subscribedMessage{}},
		{WSUnsubscribedMessage{}, unsubscribedMessage{}},
		{WSErrorMessage{}, errorMessage{}},
		{WSPongMessage{}, typeOnly{}},
		{WSPingMessage{}, typeOnly{}},
		{httpapi.EventMessage{}, eventMessage{}}, // GET /api/events' shape
	}
	for _, p := range pairs {
		assert.Equal(t, jsonFields(reflect.TypeOf(p.wire)), jsonFields(reflect.TypeOf(p.doc)), "%T", p.doc)
	}
	// Every field a client message may carry is a field of inMessage.
	in := jsonFields(reflect.TypeFor[inMessage]())
	for _, doc := range []any{WSAuthMessage{}, WSSubscribeMessage{}, WSUnsubscribeMessage{}, WSPingMessage{}} {
		for _, f := range jsonFields(reflect.TypeOf(doc)) {
			assert.Contains(t, in, f, "%T.%s", doc, f)
		}
	}
	// The documented error codes are the hub's.
	code, _ := reflect.TypeFor[WSErrorMessage]().FieldByName("Code")
	assert.ElementsMatch(t, []string{CodeForbidden, CodeBadRequest, CodeTooManyTopics, CodeInternal}, strings.Split(code.Tag.Get("enum"), ","))
}
