import { useState, type FormEvent } from 'react'
import { useApi, useAuth } from '../api/react'
import { unwrap } from '../api/client'
import { errorText } from '../components/States'

/** SignIn is the sign-in and create-account page. */
export function SignIn() {
  const auth = useAuth()
  const { client } = useApi()
  const [mode, setMode] = useState<'login' | 'register' | 'forgot'>('login')
  const [sent, setSent] = useState('')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const f = new FormData(e.currentTarget)
    const email = String(f.get('email') ?? '')
    const password = String(f.get('password') ?? '')
    setBusy(true)
    setError('')
    setSent('')
    try {
      if (mode === 'forgot') setSent(unwrap(await client.POST('/api/auth/password/forgot', { body: { email } })).message)
      else if (mode === 'login') await auth.login(email, password)
      else await auth.register(email, password, String(f.get('name') ?? '') || undefined)
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }
  const title = mode === 'login' ? 'Sign in' : mode === 'register' ? 'Create account' : 'Forgot password'
  return (
    <main id="main" className="mx-auto mt-16 max-w-sm px-4">
      <h1 className="h1 mb-1">kpbot</h1>
      <p className="muted mb-6">Blog outreach, drafted by a crew, reviewed by people.</p>
      <div className="card">
        <div role="tablist" aria-label="Account" className="mb-4 flex gap-2">
          {(['login', 'register'] as const).map((m) => (
            <button
              key={m}
              type="button"
              role="tab"
              aria-selected={mode === m || (mode === 'forgot' && m === 'login')}
              className={mode === m ? 'btn-primary' : 'btn'}
              onClick={() => {
                setMode(m)
                setError('')
                setSent('')
              }}
            >
              {m === 'login' ? 'Sign in' : 'Create account'}
            </button>
          ))}
        </div>
        <form onSubmit={submit} aria-label={title} className="space-y-3">
          <h2 className="h2">{title}</h2>
          {mode === 'register' && (
            <div>
              <label className="label" htmlFor="name">
                Name
              </label>
              <input className="input" id="name" name="name" autoComplete="name" />
            </div>
          )}
          <div>
            <label className="label" htmlFor="email">
              Email
            </label>
            <input className="input" id="email" name="email" type="email" required autoComplete="email" />
          </div>
          {mode === 'forgot' && <p className="text-sm text-slate-700">We will e-mail you a link to choose a new password.</p>}
          {mode !== 'forgot' && (<div>
            <label className="label" htmlFor="password">
              Password
            </label>
            <input
              className="input"
              id="password"
              name="password"
              type="password"
              required
              minLength={mode === 'register' ? 8 : undefined}
              autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            />
          </div>)}
          {error && (
            <p role="alert" className="text-sm text-red-800">
              {error}
            </p>
          )}
          {sent && (
            <p role="status" className="text-sm text-emerald-800">
              {sent}
            </p>
          )}
          <button type="submit" className="btn-primary w-full justify-center" disabled={busy}>
            {busy ? 'Please wait…' : mode === 'forgot' ? 'Send reset link' : title}
          </button>
          {mode !== 'register' && (
            <button
              type="button"
              className="text-sm text-indigo-800 underline"
              onClick={() => {
                setMode(mode === 'forgot' ? 'login' : 'forgot')
                setError('')
                setSent('')
              }}
            >
              {mode === 'forgot' ? 'Back to sign in' : 'Forgot your password?'}
            </button>
          )}
        </form>
      </div>
    </main>
  )
}
