import { useApi } from '../api/react'
import { QueryView, fmtDate } from '../components/States'

/** NotificationsPage lists the caller's notifications and marks them read. */
export function NotificationsPage() {
  const { $api, queryClient } = useApi()
  const q = $api.useQuery('get', '/api/notifications', { params: { query: { limit: 100 } } })
  const done = () => queryClient.invalidateQueries({ queryKey: ['get', '/api/notifications'] })
  const read = $api.useMutation('post', '/api/notifications/{id}/read', { onSuccess: done })
  const readAll = $api.useMutation('post', '/api/notifications/read-all', { onSuccess: done })
  return (
    <section aria-labelledby="notif-h">
      <div className="mb-3 flex items-center gap-2">
        <h1 id="notif-h" className="h1 mr-auto">
          Notifications
        </h1>
        <button type="button" className="btn" onClick={() => readAll.mutate({})}>
          Mark all read
        </button>
      </div>
      <QueryView q={q} isEmpty={(d) => (d.items ?? []).length === 0} empty="No notifications yet." label="Loading notifications…">
        {(d) => (
          <ul className="space-y-2" aria-label="Notifications" data-testid="notifications">
            {(d.items ?? []).map((n) => (
              <li key={n.id} className={`card flex items-start gap-3 ${n.read ? '' : 'border-indigo-300'}`}>
                <div className="flex-1">
                  <p className="font-medium">
                    {!n.read && <span className="sr-only">Unread: </span>}
                    {n.title}
                  </p>
                  <p className="text-sm text-slate-700">{n.body}</p>
                  <p className="text-xs text-slate-600">
                    {n.kind} · {fmtDate(n.created_at)}
                  </p>
                </div>
                {!n.read && (
                  <button type="button" className="btn" onClick={() => read.mutate({ params: { path: { id: n.id } } })}>
                    Mark read<span className="sr-only">: {n.title}</span>
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </QueryView>
    </section>
  )
}
