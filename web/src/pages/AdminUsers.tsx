import { useState, type FormEvent } from 'react'
import { useApi, useAuth } from '../api/react'
import { FormStatus } from '../components/Form'
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
  const [info, setInfo] = useState('')
  const reset = $api.useMutation('post', '/api/admin/users/{id}/password-reset', {
    onError: (e) => setErr(errorText(e)),
  })
  if (!auth.can('users:manage')) return <p className="muted">Only administrators manage users.</p>
  return (
    <section aria-labelledby="users-h">
      <h1 id="users-h" className="h1 mb-3">
        Users
      </h1>
      <InviteForm />
      <FormStatus error={err} ok={info} />
      <QueryView q={q} isEmpty={(d) => (d.items ?? []).length === 0} empty="No users." label="Loading users…">
        {(d) => (
          <table className="w-full rounded-lg border border-slate-200 bg-white">
            <caption className="sr-only">Users</caption>
            <thead>
              <tr>
                <th className="th">Email</th>
                <th className="th">Name</th>
                <th className="th">Role</th>
                <th className="th">Verified</th>
                <th className="th">Status</th>
                <th className="th">Password</th>
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
                  <td className="td">{u.email_verified ? 'yes' : 'no'}</td>
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
                  <td className="td">
                    <button
                      type="button"
                      className="btn"
                      aria-label={`Send reset link to ${u.email}`}
                      disabled={reset.isPending}
                      onClick={() => {
                        setErr('')
                        setInfo('')
                        reset.mutate({ params: { path: { id: u.id } } }, { onSuccess: () => setInfo(`Reset link sent to ${u.email}.`) })
                      }}
                    >
                      Send reset link
                    </button>
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

/** InviteForm sends an invitation to an address with a role. */
function InviteForm() {
  const { $api } = useApi()
  const [sent, setSent] = useState('')
  const invite = $api.useMutation('post', '/api/admin/invitations', {
    onSuccess: (d) => setSent(`Invitation sent to ${d.email} as ${d.role}; it expires ${fmtDate(d.expires_at)}.`),
  })
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const form = e.currentTarget
    const f = new FormData(form)
    setSent('')
    invite.mutate(
      { body: { email: String(f.get('invite-email') ?? ''), role: String(f.get('invite-role') ?? 'user') as Role } },
      { onSuccess: () => form.reset() },
    )
  }
  return (
    <form onSubmit={submit} aria-label="Invite a user" className="card mb-4 flex flex-wrap items-end gap-3">
      <h2 className="h2 w-full">Invite a user</h2>
      <div>
        <label className="label" htmlFor="invite-email">
          E-mail address
        </label>
        <input className="input" id="invite-email" name="invite-email" type="email" required autoComplete="off" />
      </div>
      <div>
        <label className="label" htmlFor="invite-role">
          Role
        </label>
        <select className="input" id="invite-role" name="invite-role" defaultValue="user">
          <option value="user">user</option>
          <option value="moderator">moderator</option>
          <option value="admin">admin</option>
        </select>
      </div>
      <button type="submit" className="btn-primary" disabled={invite.isPending}>
        {invite.isPending ? 'Sending…' : 'Send invitation'}
      </button>
      <div className="w-full">
        <FormStatus error={invite.isError ? errorText(invite.error) : ''} ok={sent} />
      </div>
    </form>
  )
}
