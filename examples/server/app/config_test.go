package app

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfigDefaults(t *testing.T) {
	c, err := LoadConfig(nil, envOf(nil))
	require.NoError(t, err)
	assert.Equal(t, ":8080", c.Addr)
	assert.Equal(t, "file:kpbot.db", c.DatabaseURL)
	assert.Equal(t, 12, c.BcryptCost)
	assert.Equal(t, 30, c.AuthRateLimit)
	assert.Equal(t, 10, c.LoginMaxFails)
	assert.Equal(t, time.Duration(0), c.RefreshGrace)
	assert.Equal(t, 15*time.Minute, c.AccessTTL)
	assert.False(t, c.FetchPrivate)
	assert.Empty(t, c.CORSOrigins)
	assert.False(t, c.IsPostgres())
	assert.Equal(t, 4, c.LLMConcurrency)
}

func TestLoadConfigEnvAndFlags(t *testing.T) {
	env := envOf(map[string]string{
		"KPBOT_ADDR":                "127.0.0.1:9000",
		"KPBOT_DATABASE_URL":        "postgres://postgres@127.0.0.1:5432/test",
		"KPBOT_CORS_ORIGINS":        "https://a.example, https://b.example,",
		"KPBOT_TRUSTED_PROXIES":     "10.0.0.0/8, 192.168.1.7",
		"KPBOT_REFRESH_REUSE_GRACE": "5s",
		"KPBOT_FETCH_ALLOW_PRIVATE": "true",
		"KPBOT_BCRYPT_COST":         "10",
		"KPBOT_LLM_CONCURRENCY":     "8",
	})
	c, err := LoadConfig([]string{"-addr", ":7000", "-bcrypt-cost", "11"}, env)
	require.NoError(t, err)
	assert.Equal(t, ":7000", c.Addr, "a flag wins over its variable")
	assert.Equal(t, 11, c.BcryptCost)
	assert.True(t, c.IsPostgres())
	assert.Equal(t, []string{"https://a.example", "https://b.example"}, c.CORSOrigins)
	assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32")}, c.TrustedProxies)
	assert.Equal(t, 5*time.Second, c.RefreshGrace)
	assert.True(t, c.FetchPrivate)
	assert.Equal(t, 8, c.LLMConcurrency)
	c, err = LoadConfig([]string{"-llm-concurrency", "2"}, env)
	require.NoError(t, err)
	assert.Equal(t, 2, c.LLMConcurrency, "the flag wins")
}

func TestLoadConfigRejects(t *testing.T) {
	cases := map[string]map[string]string{
		"short secret":        {"KPBOT_JWT_SECRET": "too-short"},
		"bad int":             {"KPBOT_BCRYPT_COST": "twelve"},
		"bad duration":        {"KPBOT_REFRESH_REUSE_GRACE": "5 parsecs"},
		"bad bool":            {"KPBOT_FETCH_ALLOW_PRIVATE": "perhaps"},
		"bad proxy":           {"KPBOT_TRUSTED_PROXIES": "10.0.0.0/99"},
		"admin email alone":   {"KPBOT_ADMIN_EMAIL": "a@b.io"},
		"negative rate":       {"KPBOT_AUTH_RATE_LIMIT": "-1"},
		"llm url no model":    {"KPBOT_LLM_BASE_URL": "http://127.0.0.1:1/v1"},
		"unknown log level":   {"KPBOT_LOG_LEVEL": "loud"},
		"zero access ttl":     {"KPBOT_ACCESS_TTL": "0s"},
		"negative body limit": {"KPBOT_MAX_BODY_BYTES": "-5"},
		"llm concurrency":     {"KPBOT_LLM_CONCURRENCY": "-1"},
		"llm concurrency big": {"KPBOT_LLM_CONCURRENCY": "1000"},
	}
	for name, env := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := LoadConfig(nil, envOf(env))
			assert.Error(t, err)
		})
	}
	_, err := LoadConfig([]string{"-no-such-flag"}, envOf(nil))
	assert.Error(t, err)
}
