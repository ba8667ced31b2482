// Named query hooks over every resource of the API, for apps that prefer
// them to the generic $api.useQuery. Each is the typed TanStack Query of
// one GET; live events keep their caches current (cache.ts).
import { useApi } from './react'
import type { operations } from './schema'

type Q<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>

/** useMe is the signed-in user (GET /api/auth/me). */
export const useMe = () => useApi().$api.useQuery('get', '/api/auth/me')
/** useSessions lists the caller's sessions. */
export const useSessions = () => useApi().$api.useQuery('get', '/api/auth/sessions', { params: { query: { limit: 200 } } })
/** useCampaigns lists campaigns (all=true: everyone's, for moderators and admins). */
export const useCampaigns = (query: Q<'list-campaigns'> = {}) => useApi().$api.useQuery('get', '/api/campaigns', { params: { query } })
/** useCampaign reads one campaign. */
export const useCampaign = (id: string) => useApi().$api.useQuery('get', '/api/campaigns/{id}', { params: { path: { id } } })
/** useRuns lists a campaign's runs, newest first. */
export const useRuns = (id: string, query: Q<'list-runs'> = {}) =>
  useApi().$api.useQuery('get', '/api/campaigns/{id}/runs', { params: { path: { id }, query } })
/** useRun reads one run; run events patch it live. */
export const useRun = (id: string) => useApi().$api.useQuery('get', '/api/runs/{id}', { params: { path: { id } } })
/** useProspects pages a campaign's prospects (sort, filters, cursor). */
export const useProspects = (id: string, query: Q<'list-prospects'> = {}) =>
  useApi().$api.useQuery('get', '/api/campaigns/{id}/prospects', { params: { path: { id }, query } })
/** useComments lists a campaign's drafts, optionally of one status. */
export const useComments = (id: string, query: Q<'list-comments'> = {}) =>
  useApi().$api.useQuery('get', '/api/campaigns/{id}/comments', { params: { path: { id }, query } })
/** useComment reads one draft. */
export const useComment = (id: string) => useApi().$api.useQuery('get', '/api/comments/{id}', { params: { path: { id } } })
/** useNotifications lists the caller's notifications (unread=true: the unread ones). */
export const useNotifications = (query: Q<'list-notifications'> = {}) =>
  useApi().$api.useQuery('get', '/api/notifications', { params: { query } })
/** useAgents lists the registered agents. */
export const useAgents = () => useApi().$api.useQuery('get', '/api/agents')
/** useAdminUsers lists users (admins). */
export const useAdminUsers = (query: Q<'admin-list-users'> = {}) => useApi().$api.useQuery('get', '/api/admin/users', { params: { query } })
/** useAnalytics reads the analytics report of a window such as "1h" (admins). */
export const useAnalytics = (window = '1h') =>
  useApi().$api.useQuery('get', '/api/admin/analytics', { params: { query: { window } } }, { refetchInterval: 15_000 })
