import { Link, Outlet, useRouterState } from '@tanstack/react-router'
import { useAuth, useLiveStatus, useLiveTopic } from '../api/react'
import { useNotifications } from '../api/hooks'
import { Loading } from './States'
import { SignIn } from '../pages/SignIn'

const navCls = 'rounded px-2 py-1 text-sm text-slate-700 hover:bg-slate-100'
const activeCls = { className: 'rounded px-2 py-1 text-sm font-semibold text-indigo-800 bg-indigo-50' }

/** publicPaths are the pages of e-mail links: they work signed in or not. */
const publicPaths = ['/reset-password', '/verify-email', '/accept-invitation']

/** Layout is the signed-in frame: navigation, bell, account; else the sign-in page. */
export function Layout() {
  const auth = useAuth()
  const path = useRouterState({ select: (s) => s.location.pathname })
  if (publicPaths.includes(path)) return <Outlet />
  if (auth.status === 'unknown') return <Loading label="Restoring your session…" />
  if (auth.status !== 'signed-in') return <SignIn />
  return <Shell />
}

function Shell() {
  const auth = useAuth()
  useLiveTopic('user')
  const live = useLiveStatus()
  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:bg-white focus:p-2">
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-2 px-4 py-2">
          <Link to="/" className="mr-2 text-lg font-bold text-indigo-800">
            kpbot
          </Link>
          <nav aria-label="Main" className="flex flex-wrap gap-1">
            <Link to="/" className={navCls} activeProps={activeCls} activeOptions={{ exact: true }}>
              Campaigns
            </Link>
            <Link to="/review" search={{}} className={navCls} activeProps={activeCls}>
              Review
            </Link>
            <Link to="/sessions" className={navCls} activeProps={activeCls}>
              Sessions
            </Link>
            <Link to="/account" className={navCls} activeProps={activeCls}>
              Account
            </Link>
            {auth.can('users:manage') && (
              <Link to="/admin/users" className={navCls} activeProps={activeCls}>
                Users
              </Link>
            )}
            {auth.can('analytics:read') && (
              <Link to="/admin/analytics" className={navCls} activeProps={activeCls}>
                Analytics
              </Link>
            )}
          </nav>
          <div className="ml-auto flex items-center gap-3">
            <span
              className={`text-xs ${live === 'open' ? 'text-emerald-800' : 'text-slate-600'}`}
              data-testid="live-status"
              title="Live updates"
            >
              {live === 'open' ? '● live' : '○ offline'}
            </span>
            <Bell />
            <span className="text-sm text-slate-700" data-testid="whoami">
              {auth.user?.name || auth.user?.email} <span className="text-xs text-slate-600">({auth.role})</span>
            </span>
            <button type="button" className="btn" onClick={() => void auth.logout()}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-6">
        <Outlet />
      </main>
    </div>
  )
}

function Bell() {
  const q = useNotifications({ unread: true, limit: 100 })
  const n = q.data?.items?.length ?? 0
  const label = n >= 100 ? '99+' : String(n)
  return (
    <Link
      to="/notifications"
      className="relative inline-flex items-center rounded-md border border-slate-300 px-2 py-1 text-sm hover:bg-slate-100"
      aria-label={`Notifications, ${n} unread`}
    >
      <svg aria-hidden="true" width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
        <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
        <path d="M13.7 21a2 2 0 0 1-3.4 0" />
      </svg>
      <span data-testid="unread-count" className={`ml-1 rounded-full px-1.5 text-xs ${n ? 'bg-red-700 text-white' : 'bg-slate-200 text-slate-800'}`}>
        {label}
      </span>
    </Link>
  )
}
