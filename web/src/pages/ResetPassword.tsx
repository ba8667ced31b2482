import { useState, type FormEvent } from 'react'
import { useApi, useAuth } from '../api/react'
import { unwrap } from '../api/client'
import { errorText } from '../components/States'
import { Field, FormStatus, PublicFrame, tokenFromURL } from '../components/Form'

/** ResetPasswordPage sets a new password with the token of a reset link. */
export function ResetPasswordPage() {
  const { client } = useApi()
  const auth = useAuth()
  const [token] = useState(tokenFromURL)
  const [error, setError] = useState('')
  const [done, setDone] = useState(false)
  const [busy, setBusy] = useState(false)
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const f = new FormData(e.currentTarget)
    const pw = String(f.get('new-password') ?? '')
    if (pw !== String(f.get('confirm-password') ?? '')) {
      setError('The two passwords differ.')
      return
    }
    setBusy(true)
    setError('')
    try {
      unwrap(await client.POST('/api/auth/password/reset', { body: { token, new_password: pw } }))
      setDone(true)
      // Every session of the user has ended on the server.
      if (auth.status === 'signed-in') auth.signOutLocally()
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }
  if (!token)
    return (
      <PublicFrame title="Reset password">
        <p role="alert" className="text-sm text-red-800">
          This link has no token. Ask for a new one from the sign-in page.
        </p>
        <a className="btn" href="/">
          Back to sign in
        </a>
      </PublicFrame>
    )
  return (
    <PublicFrame title="Reset password">
      {done ? (
        <>
          <p role="status" className="text-sm text-emerald-800">
            Your password has been changed. Sign in with it.
          </p>
          <a className="btn-primary" href="/">
            Sign in
          </a>
        </>
      ) : (
        <form onSubmit={submit} aria-label="Reset password" className="space-y-3">
          <Field id="new-password" label="New password" type="password" autoComplete="new-password" minLength={8} />
          <Field id="confirm-password" label="Repeat the new password" type="password" autoComplete="new-password" minLength={8} />
          <FormStatus error={error} />
          <button type="submit" className="btn-primary w-full justify-center" disabled={busy}>
            {busy ? 'Please wait…' : 'Set new password'}
          </button>
        </form>
      )}
    </PublicFrame>
  )
}
