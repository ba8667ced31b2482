import { useState } from 'react'
import { useMutation } from '@tanstack/react-query'
import { useApi, useAuth } from '../api/react'
import { unwrap } from '../api/client'
import { errorText } from '../components/States'
import { PublicFrame, tokenFromURL } from '../components/Form'

/** VerifyEmailPage confirms an address with the token of a verification link. */
export function VerifyEmailPage() {
  const { client, session } = useApi()
  const auth = useAuth()
  const [token] = useState(tokenFromURL)
  const verify = useMutation({
    mutationFn: async () => unwrap(await client.POST('/api/auth/email/verify', { body: { token } })),
    // A signed-in user's address (or its verified state) changed: reload it.
    onSuccess: () => (auth.status === 'signed-in' ? session.refresh().then(() => undefined) : undefined),
  })
  return (
    <PublicFrame title="Verify e-mail address">
      {!token ? (
        <p role="alert" className="text-sm text-red-800">
          This link has no token.
        </p>
      ) : verify.isSuccess ? (
        <p role="status" className="text-sm text-emerald-800">
          Your e-mail address is verified.
        </p>
      ) : (
        <>
          <p className="text-sm text-slate-700">Confirm that this address is yours.</p>
          {verify.isError && (
            <p role="alert" className="text-sm text-red-800">
              {errorText(verify.error)}
            </p>
          )}
          <button type="button" className="btn-primary w-full justify-center" disabled={verify.isPending} onClick={() => verify.mutate()}>
            {verify.isPending ? 'Verifying…' : 'Verify my address'}
          </button>
        </>
      )}
      <a className="btn" href="/">
        {auth.status === 'signed-in' ? 'Go to the dashboard' : 'Go to sign in'}
      </a>
    </PublicFrame>
  )
}
