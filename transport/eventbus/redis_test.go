package eventbus_test

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/transport/eventbus"
	"github.com/kpbot/kpbot/transport/eventbus/bustest"
)

// redisClient connects to KPBOT_TEST_REDIS_URL, or skips.
func redisClient(t *testing.T, name string) *redis.Client {
	t.Helper()
	url := os.Getenv("KPBOT_TEST_REDIS_URL")
	if url == "" {
		t.Skip("KPBOT_TEST_REDIS_URL is unset; set it (e.g. redis://127.0.0.1:6379/0) to run the Redis bus tests")
	}
	opts, err := redis.ParseURL(url)
	require.NoError(t, err, "parse KPBOT_TEST_REDIS_URL")
	opts.ClientName = name
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.Ping(context.Background()).Err(), "ping Redis at KPBOT_TEST_REDIS_URL")
	return c
}

func redisChannel() string { return "kpbot:test:bus:" + rand.Text() }

func newRedisBus(t *testing.T, c redis.UniversalClient, channel string, opts ...eventbus.Option) *eventbus.Redis {
	t.Helper()
	b, err := eventbus.NewRedis(c, channel, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func TestRedisBusConformance(t *testing.T) {
	t.Parallel()
	pubClient, subClient := redisClient(t, "kpbot-test-pub"), redisClient(t, "kpbot-test-sub")
	bustest.TestBus(t, func(t *testing.T) (events.Bus, events.Bus) {
		ch := redisChannel()
		return newRedisBus(t, pubClient, ch), newRedisBus(t, subClient, ch)
	})
}

func TestNewRedisBusValidates(t *testing.T) {
	t.Parallel()
	_, err := eventbus.NewRedis(nil, "x")
	assert.Error(t, err)
	_, err = eventbus.NewRedis(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}), "")
	assert.Error(t, err)
}

// TestRedisBusReconnects kills the subscriber's connection on the server
// and checks the Bus resubscribes, tells subscribers they lagged, and
// delivers again.
func TestRedisBusReconnects(t *testing.T) {
	t.Parallel()
	name := "kpbot-test-" + strings.ToLower(rand.Text())
	sub := redisClient(t, name)
	admin := redisClient(t, "kpbot-test-admin")
	ch := redisChannel()
	b := newRedisBus(t, sub, ch, eventbus.WithReconnectBackoff(20*time.Millisecond, 200*time.Millisecond))
	notices, err := b.Subscribe(t.Context())
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, b.Publish(ctx, "run:r", 1))
	assert.Equal(t, events.Notice{Topic: "run:r", Seq: 1}, next(t, notices))

	list, err := admin.ClientList(ctx).Result()
	require.NoError(t, err)
	var killed int
	for line := range strings.SplitSeq(list, "\n") {
		if !strings.Contains(line, " name="+name+" ") || !strings.Contains(line, "cmd=subscribe") {
			continue
		}
		for f := range strings.FieldsSeq(line) {
			if id, ok := strings.CutPrefix(f, "id="); ok {
				require.NoError(t, admin.Do(ctx, "CLIENT", "KILL", "ID", id).Err())
				killed++
			}
		}
	}
	require.Equal(t, 1, killed, "the one pub/sub connection, in:\n%s", list)

	assert.Equal(t, events.Notice{Lagged: true}, next(t, notices), "subscribers learn notices may be lost")
	require.NoError(t, b.Publish(ctx, "run:r", 2))
	assert.Equal(t, events.Notice{Topic: "run:r", Seq: 2}, next(t, notices))
}

// TestRedisBusIdlePingKeepsConnection: health-check timeouts while idle
// neither break the subscription nor make subscribers lag.
func TestRedisBusIdlePingKeepsConnection(t *testing.T) {
	t.Parallel()
	c := redisClient(t, "kpbot-test-idle")
	b := newRedisBus(t, c, redisChannel(), eventbus.WithHealthCheck(30*time.Millisecond))
	notices, err := b.Subscribe(t.Context())
	require.NoError(t, err)
	time.Sleep(300 * time.Millisecond) // about ten idle pings
	require.NoError(t, b.Publish(context.Background(), "run:r", 7))
	assert.Equal(t, events.Notice{Topic: "run:r", Seq: 7}, next(t, notices), "no Lagged: the subscription was kept")
}
