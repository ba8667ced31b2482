import { useState } from 'react'
import { useApi, useAuth } from '../api/react'
import { useSessions } from '../api/hooks'
import { Confirm } from '../components/Confirm'
import { QueryView, errorText, fmtDate } from '../components/States'

/** SessionsPage lists the caller's sessions: revoke one, or sign out everywhere. */
export function SessionsPage() {
  const { $api, queryClient, client } = useApi()
  const auth = useAuth()
  const q = useSessions()
  const [err, setErr] = useState('')
  const [confirm, setConfirm] = useState(false)
  const revoke = $api.useMutation('delete', '/api/auth/sessions/{id}', {
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['get', '/api/auth/sessions'] }),
    onError: (e) => setErr(errorText(e)),
  })
  async function everywhere() {
    setConfirm(false)
    setErr('')
    try {
      const others = (q.data?.items ?? []).filter((s) => !s.current)
      for (const s of others) await client.DELETE('/api/auth/sessions/{id}', { params: { path: { id: s.id } } })
      await auth.logout()
    } catch (e) {
      setErr(errorText(e))
    }
  }
  return (
    <section aria-labelledby="sessions-h">
      <div className="mb-3 flex items-center gap-2">
        <h1 id="sessions-h" className="h1 mr-auto">
          Sessions
        </h1>
        <button type="button" className="btn-danger" onClick={() => setConfirm(true)}>
          Sign out everywhere
        </button>
      </div>
      {err && (
        <p role="alert" className="text-sm text-red-800">
          {err}
        </p>
      )}
      <QueryView q={q} isEmpty={(d) => (d.items ?? []).length === 0} empty="No sessions." label="Loading sessions…">
        {(d) => (
          <table className="w-full rounded-lg border border-slate-200 bg-white">
            <caption className="sr-only">Your sessions</caption>
            <thead>
              <tr>
                <th className="th">Device</th>
                <th className="th">IP</th>
                <th className="th">Signed in</th>
                <th className="th">Last used</th>
                <th className="th">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {(d.items ?? []).map((s) => (
                <tr key={s.id}>
                  <td className="td max-w-sm break-words">
                    {s.user_agent || 'unknown'} {s.current && <strong className="ml-1 text-emerald-800">(this one)</strong>}
                  </td>
                  <td className="td">{s.ip}</td>
                  <td className="td">{fmtDate(s.created_at)}</td>
                  <td className="td">{fmtDate(s.last_used_at)}</td>
                  <td className="td">
                    {s.current ? (
                      <button type="button" className="btn" onClick={() => void auth.logout()}>
                        Sign out
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="btn"
                        aria-label={`Revoke session ${s.user_agent || s.id}`}
                        onClick={() => revoke.mutate({ params: { path: { id: s.id } } })}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
      <Confirm open={confirm} title="Sign out everywhere?" confirmLabel="Sign out everywhere" onCancel={() => setConfirm(false)} onConfirm={() => void everywhere()}>
        Every session of your account ends, this one included.
      </Confirm>
    </section>
  )
}
