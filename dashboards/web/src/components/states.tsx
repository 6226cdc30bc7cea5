// What a page shows while loading, when a request failed, and when there is nothing to show:
// always words, never an empty box.
import type { ComponentChildren } from 'preact'
import type { ApiError } from '../api/client.js'

export function Loading({ what }: { what: string }) {
  return <p class="state state-loading" role="status" aria-live="polite">Loading {what}…</p>
}

/** A failed request, with the server's message and, for the usual cases, what to do about it. */
export function ErrorMessage({ error, what, onRetry }: { error: ApiError; what: string; onRetry?: () => void }) {
  return (
    <div class="state state-error" role="alert">
      <p><strong>Could not load {what}.</strong> {error.message}</p>
      {hint(error) && <p class="hint">{hint(error)}</p>}
      {onRetry && <button type="button" onClick={onRetry}>Try again</button>}
    </div>
  )
}

function hint(error: ApiError): string | undefined {
  if (error.code === 'no_policy') return 'Controls come from a policy file: start the collector with `aims up --policy <file>`.'
  if (error.status === 403) return 'The key you signed in with lacks the scope this needs.'
  if (error.status === 404 && error.code === 'not_found') return 'This collector does not offer this API: is it older than the dashboard?'
  if (error.status === 0) return 'Check that the collector is running, then try again.'
  return undefined
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state state-empty">
      <p><strong>{title}</strong></p>
      {children && <p class="hint">{children}</p>}
    </div>
  )
}
