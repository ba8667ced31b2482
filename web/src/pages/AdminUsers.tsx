import { useState } from 'react'
import { useApi, useAuth } from '../api/react'
import type { components } from '../api/schema'
import { QueryView, errorText, fmtDate } from '../components/States'

type Role = components['schemas']['AdminUser']['role']

/** AdminUsersPage lets an admin change roles and disable users. */
export function AdminUsersPage() {
  const { $api, queryClient } = useApi()
  const auth = useAuth()
  const [err, setErr] = useState('')
  const q = $api.useQuery('get', '/api/admin/users', { params: { query: { limit: 200 } } })
  const patch = $api.useMutation('patch', '/api/admin/users/{id}', {
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['get', '/api/admin/users'] }),
    onError: (e) => setErr(errorText(e)),
  })
  if (!auth.can('users:manage')) return <p className="muted">Only administrators manage users.</p>
  return (
    <section aria-labelledby="users-h">
      <h1 id="users-h" className="h1 mb-3">
        Users
      </h1>
      {err && (
        <p role="alert" className="text-sm text-red-800">
          {err}
        </p>
      )}
      <QueryView q={q} isEmpty={(d) => (d.items ?? []).length === 0} empty="No users." label="Loading users…">
        {(d) => (
          <table className="w-full rounded-lg border border-slate-200 bg-white">
            <caption className="sr-only">Users</caption>
            <thead>
              <tr>
                <th className="th">Email</th>
                <th className="th">Name</th>
                <th className="th">Role</th>
                <th className="th">Status</th>
                <th className="th">Created</th>
              </tr>
            </thead>
            <tbody>
              {(d.items ?? []).map((u) => (
                <tr key={u.id}>
                  <td className="td">{u.email}</td>
                  <td className="td">{u.name}</td>
                  <td className="td">
                    <select
                      className="input"
                      aria-label={`Role of ${u.email}`}
                      value={u.role}
                      disabled={u.id === auth.user?.id}
                      onChange={(e) => patch.mutate({ params: { path: { id: u.id } }, body: { role: e.target.value as Role } })}
                    >
                      <option value="user">user</option>
                      <option value="moderator">moderator</option>
                      <option value="admin">admin</option>
                    </select>
                  </td>
                  <td className="td">
                    <button
                      type="button"
                      className="btn"
                      disabled={u.id === auth.user?.id}
                      aria-label={`${u.disabled ? 'Enable' : 'Disable'} ${u.email}`}
                      onClick={() => patch.mutate({ params: { path: { id: u.id } }, body: { disabled: !u.disabled } })}
                    >
                      {u.disabled ? 'Enable' : 'Disable'}
                    </button>
                    {u.disabled && <span className="ml-2 text-xs text-red-800">disabled</span>}
                  </td>
                  <td className="td">{fmtDate(u.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
    </section>
  )
}
