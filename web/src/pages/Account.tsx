import { useState, type FormEvent } from 'react'
import { useMutation } from '@tanstack/react-query'
import { useApi, useAuth } from '../api/react'
import { useMe } from '../api/hooks'
import { unwrap } from '../api/client'
import { QueryView, errorText } from '../components/States'
import { Field, FormStatus } from '../components/Form'

function useForm<T>(fn: (f: FormData) => Promise<T>, ok: string, reset = true) {
  const [msg, setMsg] = useState('')
  const m = useMutation({ mutationFn: fn, onSuccess: () => setMsg(ok) })
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault()
    const form = e.currentTarget
    setMsg('')
    m.mutate(new FormData(form), { onSuccess: () => reset && form.reset() })
  }
  return { submit, busy: m.isPending, error: m.isError ? errorText(m.error) : '', ok: msg }
}

const str = (f: FormData, k: string) => String(f.get(k) ?? '')

/** AccountPage is the signed-in user's settings: password, address, deletion. */
export function AccountPage() {
  const { client, session } = useApi()
  const auth = useAuth()
  const me = useMe()
  const [confirmDelete, setConfirmDelete] = useState(false)

  const pw = useForm(async (f) => {
    if (str(f, 'new-password') !== str(f, 'confirm-password')) throw new Error('The two new passwords differ.')
    return unwrap(
      await client.POST('/api/auth/password', { body: { current_password: str(f, 'current-password'), new_password: str(f, 'new-password') } }),
    )
  }, 'Password changed. Your other sessions have been signed out.')
  const email = useForm(
    async (f) => unwrap(await client.POST('/api/auth/email', { body: { new_email: str(f, 'new-email'), password: str(f, 'email-password') } })),
    'We sent a link to the new address; the change takes effect when you open it.',
  )
  const resend = useMutation({ mutationFn: async () => unwrap(await client.POST('/api/auth/email/verify/resend')) })
  const del = useForm(async (f) => {
    unwrap(await client.DELETE('/api/auth/me', { body: { password: str(f, 'delete-password') } }))
    session.signOutLocally()
  }, 'Account deleted.')

  return (
    <section aria-labelledby="account-h" className="max-w-xl space-y-6">
      <h1 id="account-h" className="h1">
        Account
      </h1>
      <QueryView q={me} label="Loading your account…">
        {(u) => (
          <div className="card space-y-2" data-testid="account-summary">
            <p className="text-sm">
              <span className="font-semibold">{u.email}</span>{' '}
              {u.email_verified ? (
                <span className="rounded bg-emerald-50 px-1.5 text-xs text-emerald-800">verified</span>
              ) : (
                <span className="rounded bg-amber-50 px-1.5 text-xs text-amber-900">not verified</span>
              )}
            </p>
            <p className="text-sm text-slate-700">
              {u.name || 'No name'} · role {u.role}
            </p>
            {!u.email_verified && (
              <div className="space-y-2">
                <button type="button" className="btn" disabled={resend.isPending} onClick={() => resend.mutate()}>
                  {resend.isPending ? 'Sending…' : 'Resend verification e-mail'}
                </button>
                <FormStatus
                  error={resend.isError ? errorText(resend.error) : ''}
                  ok={resend.isSuccess ? (resend.data?.message ?? 'Sent.') : ''}
                />
              </div>
            )}
          </div>
        )}
      </QueryView>

      <form onSubmit={pw.submit} aria-label="Change password" className="card space-y-3">
        <h2 className="h2">Change password</h2>
        <Field id="current-password" label="Current password" type="password" autoComplete="current-password" />
        <Field id="new-password" label="New password" type="password" autoComplete="new-password" minLength={8} />
        <Field id="confirm-password" label="Repeat the new password" type="password" autoComplete="new-password" minLength={8} />
        <FormStatus error={pw.error} ok={pw.ok} />
        <button type="submit" className="btn-primary" disabled={pw.busy}>
          {pw.busy ? 'Please wait…' : 'Change password'}
        </button>
      </form>

      <form onSubmit={email.submit} aria-label="Change e-mail address" className="card space-y-3">
        <h2 className="h2">Change e-mail address</h2>
        <Field id="new-email" label="New e-mail address" type="email" autoComplete="email" />
        <Field id="email-password" label="Password (to confirm)" type="password" autoComplete="current-password" />
        <FormStatus error={email.error} ok={email.ok} />
        <button type="submit" className="btn-primary" disabled={email.busy}>
          {email.busy ? 'Please wait…' : 'Send confirmation link'}
        </button>
      </form>

      <section aria-labelledby="delete-h" className="card space-y-3 border-red-300">
        <h2 id="delete-h" className="h2">
          Delete account
        </h2>
        <p className="text-sm text-slate-700">
          This deletes your account, campaigns, prospects, drafts and notifications for good. Running campaigns are cancelled.
        </p>
        {!confirmDelete ? (
          <button type="button" className="btn" onClick={() => setConfirmDelete(true)}>
            Delete my account…
          </button>
        ) : (
          <form onSubmit={del.submit} aria-label="Confirm account deletion" className="space-y-3">
            <Field id="delete-password" label="Password (to confirm deletion)" type="password" autoComplete="current-password" />
            <FormStatus error={del.error} />
            <div className="flex gap-2">
              <button type="submit" className="btn-danger" disabled={del.busy}>
                {del.busy ? 'Deleting…' : 'Delete my account for good'}
              </button>
              <button type="button" className="btn" onClick={() => setConfirmDelete(false)}>
                Cancel
              </button>
            </div>
          </form>
        )}
      </section>
      {auth.status !== 'signed-in' && <p role="status">Signed out.</p>}
    </section>
  )
}
