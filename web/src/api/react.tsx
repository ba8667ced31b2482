// React bindings of the client layer: one provider that owns the Session
// (tokens), the QueryClient and the LiveClient (WebSocket), plus useAuth,
// useLive and the typed query hooks ($api) of openapi-react-query.
import {
  createContext,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from 'react'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import createQueryHooks, { type OpenapiQueryClient } from 'openapi-react-query'
import { Session, type AuthState, type User } from './client'
import { LiveClient, type LiveEvent, type LiveStatus } from './live'
import { applyEvent, throttledInvalidate } from './cache'
import type { paths } from './schema'

type Listener = (e: LiveEvent, replayed: boolean) => void

interface Kpbot {
  session: Session
  queryClient: QueryClient
  live: LiveClient
  $api: OpenapiQueryClient<paths>
  listen: (topic: string, fn: Listener) => () => void
  liveStatus: () => LiveStatus
  onLiveStatus: (fn: () => void) => () => void
}

const Ctx = createContext<Kpbot | null>(null)

/** KpbotProviderProps configure KpbotProvider. */
export interface KpbotProviderProps {
  children: ReactNode
  session?: Session
  queryClient?: QueryClient
  /** WebSocket URL (default: this origin's /api/ws). */
  liveUrl?: string
}

/**
 * KpbotProvider restores the session from the refresh cookie, keeps the
 * WebSocket open while signed in and routes its events into the cache.
 */
export function KpbotProvider({ children, session: s, queryClient: q, liveUrl }: KpbotProviderProps) {
  const [k] = useState<Kpbot>(() => {
    const session = s ?? new Session()
    const queryClient =
      q ??
      new QueryClient({
        defaultOptions: {
          queries: { staleTime: 10_000, retry: (n, err) => n < 2 && (err as { status?: number })?.status !== 404 },
        },
      })
    const listeners = new Map<string, Set<Listener>>()
    const statusFns = new Set<() => void>()
    let status: LiveStatus = 'idle'
    const invalidate = throttledInvalidate(queryClient)
    const seqAtSubscribe = new Map<string, number>()
    const live = new LiveClient({
      url: liveUrl,
      token: () => session.token(),
      refresh: () => session.refresh(),
      onEvent: (e) => {
        applyEvent(queryClient, e, invalidate)
        const replayed = e.seq <= (seqAtSubscribe.get(e.topic) ?? 0)
        for (const fn of listeners.get(e.topic) ?? []) fn(e, replayed)
      },
      onSubscribed: (topic, resumed) => {
        seqAtSubscribe.set(topic, live.lastSeq(topic) ?? 0)
        // A fresh subscription starts now: reload what the page shows so
        // nothing between its fetch and this moment is missed.
        if (!resumed && topic.startsWith('campaign:')) {
          const id = topic.slice('campaign:'.length)
          void queryClient.invalidateQueries({
            predicate: (qq) => (qq.queryKey[2] as { params?: { path?: { id?: string } } })?.params?.path?.id === id,
          })
        }
      },
      onStatus: (st) => {
        status = st
        for (const fn of statusFns) fn()
      },
    })
    return {
      session,
      queryClient,
      live,
      $api: createQueryHooks(session.api),
      listen: (topic, fn) => {
        let set = listeners.get(topic)
        if (!set) listeners.set(topic, (set = new Set()))
        set.add(fn)
        return () => set!.delete(fn)
      },
      liveStatus: () => status,
      onLiveStatus: (fn) => {
        statusFns.add(fn)
        return () => statusFns.delete(fn)
      },
    }
  })

  useEffect(() => {
    const { session, live, queryClient } = k
    let prev = session.get()
    const off = session.subscribe((st) => {
      if (st.status === 'signed-in') {
        if (prev.user?.id && prev.user.id !== st.user?.id) live.reset()
        live.start()
        if (prev.token !== st.token) live.reauth()
      } else if (st.status === 'signed-out' && prev.status === 'signed-in') {
        live.reset()
        queryClient.clear()
      }
      prev = st
    })
    if (session.get().status === 'unknown') void session.restore()
    else if (session.get().status === 'signed-in') live.start()
    return () => {
      off()
      live.stop()
    }
  }, [k])

  return (
    <Ctx.Provider value={k}>
      <QueryClientProvider client={k.queryClient}>{children}</QueryClientProvider>
    </Ctx.Provider>
  )
}

function useKpbot(): Kpbot {
  const k = useContext(Ctx)
  if (!k) throw new Error('kpbot hooks need <KpbotProvider>')
  return k
}

/** Auth is what useAuth returns. */
export interface Auth extends AuthState {
  role: User['role'] | null
  permissions: string[]
  can: (permission: string) => boolean
  login: (email: string, password: string) => Promise<User>
  register: (email: string, password: string, name?: string) => Promise<User>
  acceptInvitation: (token: string, password: string, name?: string) => Promise<User>
  /** signOutLocally forgets the session here (after the server ended it). */
  signOutLocally: () => void
  logout: () => Promise<void>
}

/** useAuth returns the signed-in user and the sign-in/out actions. */
export function useAuth(): Auth {
  const { session } = useKpbot()
  const st = useSyncExternalStore(session.subscribe, session.get, session.get)
  return useMemo(() => {
    const permissions = st.user?.permissions ?? []
    return {
      ...st,
      role: st.user?.role ?? null,
      permissions,
      can: (p: string) => permissions.includes(p),
      login: (e: string, p: string) => session.login(e, p),
      register: (e: string, p: string, n?: string) => session.register(e, p, n),
      acceptInvitation: (t: string, p: string, n?: string) => session.acceptInvitation(t, p, n),
      signOutLocally: () => session.signOutLocally(),
      logout: () => session.logout(),
    }
  }, [st, session])
}

/** useApi returns the typed query hooks and the raw client. */
export function useApi() {
  const k = useKpbot()
  return { $api: k.$api, client: k.session.api, queryClient: k.queryClient, session: k.session }
}

/** useLiveStatus returns the socket's state. */
export function useLiveStatus(): LiveStatus {
  const k = useKpbot()
  return useSyncExternalStore(k.onLiveStatus, k.liveStatus, k.liveStatus)
}

/**
 * useLiveTopic follows topic while mounted (null: nothing) and calls fn
 * with each of its events; `since` replays stored events after it first.
 */
export function useLiveTopic(topic: string | null, fn?: Listener, since?: number) {
  const k = useKpbot()
  const ref = useRef(fn)
  ref.current = fn
  useEffect(() => {
    if (!topic) return
    const offListen = k.listen(topic, (e, r) => ref.current?.(e, r))
    const offSub = k.live.subscribe(topic, since)
    return () => {
      offListen()
      offSub()
    }
  }, [k, topic, since])
}
