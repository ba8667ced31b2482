//go:build wireinject

package app

import (
	"context"
	"log/slog"

	"github.com/google/wire"
)

// Build wires the whole server from its configuration.
func Build(ctx context.Context, cfg Config, logger *slog.Logger) (*App, func(), error) {
	wire.Build(StorageSet, AuthSet, CrewSet, TransportSet, RealtimeSet, MailSet, NewApp)
	return nil, nil, nil
}
