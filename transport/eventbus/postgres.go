package eventbus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kpbot/kpbot/events"
)

// maxPGChannel is PostgreSQL's identifier limit (NAMEDATALEN-1).
const maxPGChannel = 63

// Postgres is the events.Bus of many instances sharing one PostgreSQL
// database, over LISTEN/NOTIFY.
//
// Publish runs SELECT pg_notify(channel, '<topic>:<seq>') on a pooled
// connection, after the event's transaction committed (events.Publisher
// appends first). The NOTIFY lives here rather than inside the store's
// append transaction so the store stays independent of the Bus chosen;
// PostgreSQL delivers notifications of one session in order, and a
// subscriber that sees seq N of a topic can read every seq up to N because
// the event log commits a topic's seqs in order.
//
// The first Subscribe starts one listening goroutine, which takes a
// connection out of the pool for good (Hijack, so it never counts against
// the pool's size), runs LISTEN, and hands each notification to the
// subscriptions. An idle connection is pinged every health-check interval.
// When the connection fails the goroutine reconnects with exponential
// backoff and then queues Notice{Lagged: true} for every subscription,
// since notifications sent meanwhile are lost.
type Postgres struct {
	pool    *pgxpool.Pool
	channel string
	o       busOptions
	f       *fanout
	listenerLife
}

var _ events.Bus = (*Postgres)(nil)

// NewPostgres returns a Bus on the notification channel channel (1 to
// 63 bytes, matched exactly, case included) of pool's database. Every
// instance that should see each other's Notices uses the same channel.
// The pool stays the caller's to close, after the Bus.
func NewPostgres(pool *pgxpool.Pool, channel string, opts ...Option) (*Postgres, error) {
	if pool == nil {
		return nil, errors.New("postgres bus: nil pool")
	}
	if channel == "" || len(channel) > maxPGChannel {
		return nil, fmt.Errorf("postgres bus: channel must be 1 to %d bytes, got %d", maxPGChannel, len(channel))
	}
	o := newBusOptions(opts)
	b := &Postgres{pool: pool, channel: channel, o: o, f: newFanout(o.buffer)}
	b.init()
	return b, nil
}

// Publish sends the Notice with pg_notify. It returns once PostgreSQL has
// queued it for every listener; it never waits for subscribers.
func (b *Postgres) Publish(ctx context.Context, topic string, seq int64) error {
	if err := checkNotice(topic, seq); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	if b.f.isClosed() {
		return fmt.Errorf("publish %s #%d: %w", topic, seq, events.ErrBusClosed)
	}
	if _, err := b.pool.Exec(ctx, "SELECT pg_notify($1, $2)", b.channel, encodeNotice(topic, seq)); err != nil {
		return fmt.Errorf("publish %s #%d: pg_notify: %w", topic, seq, err)
	}
	return nil
}

// Subscribe returns a channel of every Notice published on the Bus's
// channel, by any instance, from now until ctx is done or the Bus is
// closed. The first call starts listening and waits until LISTEN is in
// place (or ctx is done), so a Notice published after Subscribe returns is
// never missed silently.
func (b *Postgres) Subscribe(ctx context.Context) (<-chan events.Notice, error) {
	ch, err := b.f.subscribe(ctx)
	if err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	b.start(func() { go b.listen() })
	if err := b.awaitReady(ctx, "LISTEN"); err != nil {
		return nil, err
	}
	return ch, nil
}

// Close stops listening, releases the listening connection and ends every
// subscription; it is idempotent. It does not close the pool.
func (b *Postgres) Close() error {
	b.stop(nil)
	b.f.close()
	return nil
}

// listen keeps a LISTEN connection up until Close, reconnecting with
// backoff.
func (b *Postgres) listen() {
	defer close(b.done)
	wait := b.o.minReconnect
	connected := false
	for b.ctx.Err() == nil {
		conn, err := b.connect(b.ctx)
		if err != nil {
			if b.ctx.Err() != nil {
				return
			}
			b.o.failed(b.ctx, "postgres bus: cannot listen; retrying", b.channel, err)
			if !sleepCtx(b.ctx, wait) {
				return
			}
			wait = min(2*wait, b.o.maxReconnect)
			continue
		}
		wait = b.o.minReconnect
		if !connected {
			connected = true
			close(b.ready)
		} else {
			b.f.lagAll()
		}
		err = b.receive(conn)
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = conn.Close(closeCtx)
		cancel()
		if b.ctx.Err() != nil {
			return
		}
		b.o.failed(b.ctx, "postgres bus: listening connection lost; reconnecting", b.channel, err)
	}
}

// connect takes a connection out of the pool and LISTENs on it.
func (b *Postgres) connect(ctx context.Context) (*pgx.Conn, error) {
	pc, err := b.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("acquire connection: %w", err)
	}
	conn := pc.Hijack()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{b.channel}.Sanitize()); err != nil {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = conn.Close(closeCtx)
		cancel()
		return nil, fmt.Errorf("listen %s: %w", b.channel, err)
	}
	return conn, nil
}

// minPingTimeout is the least time an idle connection's ping may take
// before the connection counts as dead: a busy server or network can be
// slower than a short health-check interval without being gone.
const minPingTimeout = 5 * time.Second

// receive hands notifications to the subscriptions until the connection
// fails or the Bus closes.
func (b *Postgres) receive(conn *pgx.Conn) error {
	for {
		wctx, cancel := context.WithTimeout(b.ctx, b.o.health)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if err != nil {
			if b.ctx.Err() != nil {
				return b.ctx.Err()
			}
			if !pgconn.Timeout(err) && !errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			pctx, cancel := context.WithTimeout(b.ctx, max(b.o.health, minPingTimeout))
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return fmt.Errorf("ping idle listening connection: %w", err)
			}
			continue
		}
		if n.Channel != b.channel {
			continue
		}
		notice, err := decodeNotice(n.Payload)
		if err != nil {
			b.o.failed(b.ctx, "postgres bus: ignoring malformed notification", b.channel, err)
			continue
		}
		b.f.deliver(notice)
	}
}

// sleepCtx waits for d or until ctx is done; it reports whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
