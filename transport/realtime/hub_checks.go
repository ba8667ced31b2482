package realtime

import (
	"context"
	"time"
)

// authLoop checks every socket's token again each AuthCheckInterval, once
// per distinct token, and closes with CloseUnauthorized the sockets whose
// token expired or whose session was revoked (on any instance: the
// session lives in the shared database). A check that fails for another
// reason (the database is down) leaves the sockets open.
func (h *Hub) authLoop() {
	defer h.wg.Done()
	t := time.NewTicker(h.cfg.AuthCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
			h.checkTokens()
		}
	}
}

func (h *Hub) checkTokens() {
	byToken := map[string][]*client{}
	h.mu.Lock()
	for c := range h.clients {
		if _, tok := c.identity(); tok != "" {
			byToken[tok] = append(byToken[tok], c)
		}
	}
	h.mu.Unlock()
	for tok, cs := range byToken {
		ctx, cancel := context.WithTimeout(h.ctx, h.cfg.WriteTimeout)
		p, err := h.authenticate(ctx, tok)
		cancel()
		switch {
		case err == nil:
			for _, c := range cs {
				if _, cur := c.identity(); cur == tok {
					c.setIdentity(p, tok) // the user's current role
				}
			}
		case isAuthFailure(err):
			for _, c := range cs {
				if _, cur := c.identity(); cur == tok && !c.isClosing() {
					h.m.authEnded.Inc()
					c.close(CloseUnauthorized, "token expired or session revoked")
				}
			}
		case h.ctx.Err() == nil:
			h.log.Warn("realtime hub: session check failed; sockets stay open", "error", err.Error())
		}
	}
}

// pingLoop pings every socket each PingInterval; a socket that does not
// answer within WriteTimeout is closed by the WebSocket library.
func (h *Hub) pingLoop() {
	defer h.wg.Done()
	t := time.NewTicker(h.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
			h.mu.Lock()
			cs := make([]*client, 0, len(h.clients))
			for c := range h.clients {
				cs = append(cs, c)
			}
			h.mu.Unlock()
			for _, c := range cs {
				go func() {
					ctx, cancel := context.WithTimeout(h.ctx, h.cfg.WriteTimeout)
					defer cancel()
					_ = c.conn.Ping(ctx)
				}()
			}
		}
	}
}
