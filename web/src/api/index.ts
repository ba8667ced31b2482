// The kpbot client layer for React apps: typed client with cookie refresh,
// auth context, query hooks and the live WebSocket.
export { Session, ApiError, REFRESH_HEADER, unwrap, type AuthState, type User, type TokenResponse } from './client'
export { LiveClient, type LiveEvent, type LiveStatus, type LiveOptions } from './live'
export { applyEvent, keyFor, throttledInvalidate } from './cache'
export { KpbotProvider, useAuth, useApi, useLiveStatus, useLiveTopic, type Auth } from './react'
export * from './hooks'
export type { paths, components, operations } from './schema'
