import { createRootRoute, createRoute, createRouter, lazyRouteComponent } from '@tanstack/react-router'
import { Layout } from './components/Layout'
import { CampaignsPage } from './pages/Campaigns'
import { CampaignPage } from './pages/Campaign'
import { ProspectsPage, type ProspectSearch } from './pages/Prospects'
import { ReviewPage, type ReviewSearch } from './pages/Review'
import { SessionsPage } from './pages/Sessions'
import { NotificationsPage } from './pages/Notifications'
import { AccountPage } from './pages/Account'
import { ResetPasswordPage } from './pages/ResetPassword'
import { VerifyEmailPage } from './pages/VerifyEmail'
import { AcceptInvitationPage } from './pages/AcceptInvitation'

const root = createRootRoute({ component: Layout })

const campaigns = createRoute({ getParentRoute: () => root, path: '/', component: CampaignsPage })
const campaign = createRoute({ getParentRoute: () => root, path: '/campaigns/$id', component: CampaignPage })
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined)
const prospects = createRoute({
  getParentRoute: () => root,
  path: '/campaigns/$id/prospects',
  component: ProspectsPage,
  validateSearch: (s: Record<string, unknown>): ProspectSearch => ({
    sort: str(s.sort),
    q: str(s.q),
    min: str(s.min),
    open: s.open === true || s.open === 'true' ? true : undefined,
  }),
})
const review = createRoute({
  getParentRoute: () => root,
  path: '/review',
  component: ReviewPage,
  validateSearch: (s: Record<string, unknown>): ReviewSearch => ({
    campaign: str(s.campaign),
    status: str(s.status) as ReviewSearch['status'],
  }),
})
const sessions = createRoute({ getParentRoute: () => root, path: '/sessions', component: SessionsPage })
const notifications = createRoute({ getParentRoute: () => root, path: '/notifications', component: NotificationsPage })
const account = createRoute({ getParentRoute: () => root, path: '/account', component: AccountPage })
// The pages of e-mail links (Layout shows them signed in or not).
const resetPassword = createRoute({ getParentRoute: () => root, path: '/reset-password', component: ResetPasswordPage })
const verifyEmail = createRoute({ getParentRoute: () => root, path: '/verify-email', component: VerifyEmailPage })
const acceptInvitation = createRoute({ getParentRoute: () => root, path: '/accept-invitation', component: AcceptInvitationPage })
// Admin pages (and uPlot) load only when an admin opens them.
const users = createRoute({
  getParentRoute: () => root,
  path: '/admin/users',
  component: lazyRouteComponent(() => import('./pages/AdminUsers'), 'AdminUsersPage'),
})
const analytics = createRoute({
  getParentRoute: () => root,
  path: '/admin/analytics',
  component: lazyRouteComponent(() => import('./pages/Analytics'), 'AnalyticsPage'),
})

/** router is the app's route tree. */
export const router = createRouter({
  routeTree: root.addChildren([campaigns, campaign, prospects, review, sessions, notifications, account, resetPassword, verifyEmail, acceptInvitation, users, analytics]),
  defaultNotFoundComponent: () => <p className="muted">This page does not exist.</p>,
})

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router
  }
}
