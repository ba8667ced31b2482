package app

import (
	"log/slog"
	"os"
	"time"

	"github.com/kpbot/kpbot/report"
	"github.com/kpbot/kpbot/report/sentryreport"
)

// reportWindow is how long a repeated failure is counted rather than sent
// to Sentry again.
const reportWindow = time.Minute

// ProvideReporter reports failures to the log and, when cfg.SentryDSN is
// set, to Sentry (each fingerprint at most once per reportWindow). The
// cleanup sends what is queued, for at most two seconds.
func ProvideReporter(cfg Config, logger *slog.Logger) (report.Reporter, func(), error) {
	log := report.NewLog(logger)
	if cfg.SentryDSN == "" {
		return log, func() {}, nil
	}
	host, _ := os.Hostname()
	s, err := sentryreport.New(sentryreport.Config{DSN: cfg.SentryDSN, Environment: cfg.Environment, ServerName: host})
	if err != nil {
		return nil, nil, err
	}
	return report.Tee(log, report.Limit(s, reportWindow)), func() { s.Close(2 * time.Second) }, nil
}
