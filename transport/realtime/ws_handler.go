package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/uptrace/bunrouter"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/notify"
)

// serveWS upgrades GET /api/ws. With an Authorization header the token is
// checked first (401 problem, 429 over the per-user socket limit);
// without one the socket must authenticate with its first message.
func (h *Hub) serveWS(w http.ResponseWriter, req bunrouter.Request) error {
	r := req.Request
	if h.isClosed() {
		return h.srv.Problem(http.StatusServiceUnavailable, "the server is shutting down")
	}
	if !h.srv.AllowsOrigin(r) {
		return h.srv.Problem(http.StatusForbidden, "origin not allowed")
	}
	var p *auth.Principal
	var token string
	if r.Header.Get("Authorization") != "" {
		var err error
		if p, err = h.srv.Authenticate(r); err != nil {
			return err
		}
		token = bearerToken(r.Header.Get("Authorization"))
		if !h.reserve(p.User.ID) {
			return h.srv.Problem(http.StatusTooManyRequests, "too many open WebSocket connections for this user")
		}
	}
	// The origin was checked above against the CORS allowlist.
	// Compression stays off (the default): event messages are small and
	// deflate would cost CPU and memory per socket.
	uw := &upgradeWriter{ResponseWriter: w}
	conn, err := websocket.Accept(uw, r, &websocket.AcceptOptions{InsecureSkipVerify: true, CompressionMode: websocket.CompressionDisabled})
	if err != nil || uw.conn == nil {
		if err == nil {
			_ = conn.CloseNow()
		}
		if p != nil {
			h.release(p.User.ID)
		}
		return nil // Accept answered the request itself
	}
	conn.SetReadLimit(h.cfg.MaxMessageBytes)
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		if p != nil {
			h.release(p.User.ID)
		}
		_ = conn.Close(websocket.StatusGoingAway, "server shutting down")
		return nil
	}
	h.conns.Add(1) // under mu, so never after Close started waiting
	h.mu.Unlock()
	c := newClient(h, conn, uw.conn)
	// The request's goroutine (and its deep middleware stack) ends here;
	// the socket lives on in its own, shallower goroutine.
	go c.run(p, token)
	return nil
}

func bearerToken(header string) string {
	_, tok, _ := strings.Cut(strings.TrimSpace(header), " ")
	return strings.TrimSpace(tok)
}

// reserve counts one more socket of userID; false over the limit.
func (h *Hub) reserve(userID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cfg.MaxSocketsPerUser > 0 && h.perUser[userID] >= h.cfg.MaxSocketsPerUser {
		return false
	}
	h.perUser[userID]++
	return true
}

func (h *Hub) release(userID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.perUser[userID]--; h.perUser[userID] <= 0 {
		delete(h.perUser, userID)
	}
}

// run is the socket's reader: authentication (when the upgrade had no
// header), then one message at a time until the socket closes.
func (c *client) run(p *auth.Principal, token string) {
	h := c.h
	defer h.conns.Done()
	if p == nil {
		var ok bool
		if p, token, ok = c.firstAuth(); !ok {
			return
		}
	}
	c.setIdentity(p, token)
	if !h.join(c) {
		h.release(p.User.ID)
		_ = c.conn.Close(1001, "server shutting down")
		return
	}
	defer h.leave(c)
	for {
		typ, data, err := c.conn.Read(context.Background())
		if err != nil {
			c.close(websocket.StatusNormalClosure, "")
			return
		}
		if typ != websocket.MessageText {
			c.sendOrDrop(errMsg(CodeBadRequest, "", "messages must be JSON text"))
			continue
		}
		c.handleApart(data)
	}
}

// handleApart serves one client message on a goroutine of its own and
// waits for it: the reader's stack, parked in Read while the socket is
// idle, then never grows with the handler's JSON decoding and database
// calls, which keeps an idle socket's stack small.
func (c *client) handleApart(data []byte) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.handle(data)
	}()
	<-done
}

// firstAuth waits up to AuthTimeout for {"type":"auth","token":...}.
func (c *client) firstAuth() (*auth.Principal, string, bool) {
	h := c.h
	timer := time.AfterFunc(h.cfg.AuthTimeout, func() { c.close(CloseUnauthorized, "authentication timeout") })
	typ, data, err := c.conn.Read(context.Background())
	if !timer.Stop() || err != nil {
		c.close(CloseUnauthorized, "authentication required")
		return nil, "", false
	}
	var m inMessage
	if typ != websocket.MessageText || json.Unmarshal(data, &m) != nil || m.Type != "auth" || m.Token == "" {
		c.close(CloseUnauthorized, "the first message must be {\"type\":\"auth\",\"token\":...}")
		return nil, "", false
	}
	ctx, cancel := context.WithTimeout(h.ctx, h.cfg.WriteTimeout)
	p, err := h.authenticate(ctx, m.Token)
	cancel()
	if err != nil {
		c.close(CloseUnauthorized, "invalid or expired token")
		return nil, "", false
	}
	if !h.reserve(p.User.ID) {
		c.close(CloseTooManySockets, "too many open WebSocket connections for this user")
		return nil, "", false
	}
	c.sendOrDrop(jsonFrame(authenticatedMessage{Type: "authenticated", UserID: p.User.ID, ExpiresAt: p.ExpiresAt.UTC()}))
	return p, m.Token, true
}

// join adds an authenticated client; false once the hub is closed.
func (h *Hub) join(c *client) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.clients[c] = struct{}{}
	return true
}

// leave removes a finished client and its follows.
func (h *Hub) leave(c *client) {
	p, _ := c.identity()
	h.mu.Lock()
	for _, f := range c.follows {
		h.removeFollowLocked(f)
	}
	delete(h.clients, c)
	h.mu.Unlock()
	h.release(p.User.ID)
}

// handle serves one client message.
func (c *client) handle(data []byte) {
	var m inMessage
	if err := json.Unmarshal(data, &m); err != nil {
		c.sendOrDrop(errMsg(CodeBadRequest, "", "the message is not valid JSON"))
		return
	}
	switch m.Type {
	case "subscribe":
		c.subscribe(m)
	case "unsubscribe":
		c.unsubscribe(m)
	case "auth":
		c.reauth(m.Token)
	case "ping":
		c.sendOrDrop(jsonFrame(typeOnly{Type: "pong"}))
	default:
		c.sendOrDrop(errMsg(CodeBadRequest, "", "unknown message type; use subscribe, unsubscribe, auth or ping"))
	}
}

func errMsg(code, topic, message string) frame {
	return jsonFrame(errorMessage{Type: "error", Code: code, Topic: topic, Message: message})
}

// subscribe follows each topic of m, from since when given (replaying the
// stored events after it) or from the topic's last event.
func (c *client) subscribe(m inMessage) {
	h := c.h
	if len(m.Topics) == 0 {
		c.sendOrDrop(errMsg(CodeBadRequest, "", "subscribe needs topics"))
		return
	}
	if m.Since != nil && *m.Since < 0 {
		c.sendOrDrop(errMsg(CodeBadRequest, "", "since must not be negative"))
		return
	}
	p, _ := c.identity()
	seen := map[string]bool{}
	for _, raw := range m.Topics {
		topic, err := events.ResolveTopic(p.User.ID, raw)
		if err != nil {
			c.sendOrDrop(errMsg(CodeBadRequest, raw, "topics are user, campaign:<id> or run:<id>"))
			continue
		}
		if seen[topic] {
			continue
		}
		seen[topic] = true
		shown := events.ClientTopic(topic)
		ctx, cancel := context.WithTimeout(h.ctx, h.cfg.WriteTimeout)
		err = h.deps.Authorize.Authorize(ctx, p, topic)
		var last int64
		if err == nil {
			last, err = h.deps.Log.Last(ctx, topic)
			if err != nil {
				h.log.Error("realtime hub: last seq", "topic", topic, "error", err.Error())
				cancel()
				c.sendOrDrop(errMsg(CodeInternal, raw, "could not read the topic; try again"))
				continue
			}
		}
		cancel()
		if err != nil {
			if errors.Is(err, notify.ErrTopicForbidden) {
				c.sendOrDrop(errMsg(CodeForbidden, raw, "you may not read this topic"))
			} else {
				h.log.Error("realtime hub: check topic rights", "topic", topic, "error", err.Error())
				c.sendOrDrop(errMsg(CodeInternal, raw, "could not check the topic; try again"))
			}
			continue
		}
		cursor := last
		if m.Since != nil {
			cursor = *m.Since
		}
		f, ok := h.addFollow(c, topic, cursor, last)
		if !ok {
			c.sendOrDrop(errMsg(CodeTooManyTopics, raw, "this socket follows too many topics; unsubscribe some first"))
			continue
		}
		if !c.sendOrDrop(jsonFrame(subscribedMessage{Type: "subscribed", Topic: shown, Seq: last})) {
			return
		}
		go h.replay(f, shown)
	}
}

func (c *client) unsubscribe(m inMessage) {
	p, _ := c.identity()
	for _, raw := range m.Topics {
		topic, err := events.ResolveTopic(p.User.ID, raw)
		if err != nil {
			c.sendOrDrop(errMsg(CodeBadRequest, raw, "topics are user, campaign:<id> or run:<id>"))
			continue
		}
		c.h.removeFollow(c, topic)
		c.sendOrDrop(jsonFrame(unsubscribedMessage{Type: "unsubscribed", Topic: events.ClientTopic(topic)}))
	}
}

// reauth replaces the socket's token with a fresh one of the same user,
// so a socket outlives its first access token; a bad token closes it.
func (c *client) reauth(token string) {
	old, _ := c.identity()
	ctx, cancel := context.WithTimeout(c.h.ctx, c.h.cfg.WriteTimeout)
	p, err := c.h.authenticate(ctx, token)
	cancel()
	switch {
	case err != nil && isAuthFailure(err):
		c.close(CloseUnauthorized, "invalid or expired token")
	case err != nil:
		c.sendOrDrop(errMsg(CodeInternal, "", "could not check the token; try again"))
	case p.User.ID != old.User.ID:
		c.sendOrDrop(errMsg(CodeBadRequest, "", "the token belongs to another user"))
	default:
		c.setIdentity(p, token)
		c.sendOrDrop(jsonFrame(authenticatedMessage{Type: "authenticated", UserID: p.User.ID, ExpiresAt: p.ExpiresAt.UTC()}))
	}
}
