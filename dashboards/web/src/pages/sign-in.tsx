// Sign-in with an API key (read scope). The key is sent once to POST /v1/session, which answers
// with an HttpOnly session cookie: the key is never stored by the page.
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError, api } from '../api/client.js'
import type { Session } from '../api/types.js'

export function SignInPage({ onSignedIn, notice }: { onSignedIn: (session: Session) => void; notice?: string }) {
  const [key, setKey] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const input = useRef<HTMLInputElement>(null)
  useEffect(() => input.current?.focus(), [])

  const submit = async (event: Event) => {
    event.preventDefault()
    if (key.trim() === '') {
      setError('Enter an API key.')
      input.current?.focus()
      return
    }
    setBusy(true)
    setError(undefined)
    try {
      const session = await api<Session>('/v1/session', { method: 'POST', body: { apiKey: key.trim() } })
      setKey('')
      onSignedIn(session)
    } catch (e) {
      const message = e instanceof ApiError ? e.message : String(e)
      setError(e instanceof ApiError && e.status === 403 ? `${message} (the dashboard needs a key with the read scope)` : message)
      input.current?.select()
    } finally {
      setBusy(false)
    }
  }

  return (
    <main id="main" class="sign-in">
      <h1>AIMS Monitor</h1>
      <p class="lead">Runtime monitoring of AI models: operational controls of your ISO/IEC 42001 AI management system.</p>
      {notice && <p class="state state-info" role="status">{notice}</p>}
      <form onSubmit={submit} aria-describedby="signin-help" noValidate>
        <label for="api-key">API key</label>
        <input
          id="api-key" name="apiKey" type="password" autocomplete="off" spellcheck={false} value={key} ref={input}
          aria-invalid={error !== undefined} aria-describedby={error ? 'signin-error' : undefined}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
        />
        <p id="signin-help" class="hint">A key with the <code>read</code> scope (<code>aims keys create --scopes read</code>). Acknowledging alerts needs <code>admin</code>.</p>
        {error && <p id="signin-error" class="state state-error" role="alert" data-testid="signin-error">Sign-in failed: {error}</p>}
        <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  )
}
