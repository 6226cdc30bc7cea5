// The alerts inbox: filters in the URL (state, severity, model, control; `id` for one alert), and
// acknowledge / resolve with a mandatory note (the collector records who, when and why).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { ApiError, api, query } from '../api/client.js'
import type { Alert, AlertState, ControlsResponse, Session } from '../api/types.js'
import { useApi } from '../api/use-api.js'
import { Empty, ErrorMessage, Loading } from '../components/states.js'
import { SeverityTag, StatusBadge } from '../components/status-badge.js'
import { formatTime } from '../lib/format.js'
import { Link, navigate, withQuery, type Location } from '../lib/router.js'

const STATES: (AlertState | '')[] = ['open', 'acknowledged', 'resolved', '']
const SEVERITIES = ['critical', 'high', 'medium', 'low']

export function AlertsPage({ location, session }: { location: Location; session: Session }) {
  const state = location.query.has('state') ? (location.query.get('state') as AlertState | '') : 'open'
  const severity = location.query.get('severity') ?? ''
  const model = location.query.get('model') ?? ''
  const control = location.query.get('control') ?? ''
  const onlyId = location.query.get('id') ?? ''
  const alerts = useApi<{ alerts: Alert[] }>(`/v1/alerts${query({ state: state || undefined, control: control || undefined, limit: 1000 })}`)
  const controls = useApi<ControlsResponse>('/v1/controls')
  const [status, setStatus] = useState<string>()
  const canChange = session.scopes.includes('admin')

  const shown = (alerts.data?.alerts ?? []).filter((a) => (!severity || a.severity === severity) && (!model || a.modelId === model) && (!onlyId || a.id === onlyId))
  const models = useMemo(() => [...new Set([...(controls.data?.controls ?? []).map((c) => c.scope.model), ...(alerts.data?.alerts ?? []).map((a) => a.modelId), model].filter(Boolean))].sort(), [controls.data, alerts.data, model])
  const controlIds = useMemo(() => [...new Set([...(controls.data?.controls ?? []).map((c) => c.id), ...(alerts.data?.alerts ?? []).map((a) => a.controlId), control].filter(Boolean))].sort(), [controls.data, alerts.data, control])
  const set = (name: string, value: string) => navigate(withQuery(location, { [name]: value, id: undefined }), { replace: true })

  return (
    <section data-ready={String(!alerts.loading && !controls.loading)}>
      <div class="page-head"><h1 tabIndex={-1}>Alerts</h1></div>
      <form class="filters" aria-label="Filter alerts" onSubmit={(e) => e.preventDefault()}>
        <label>State <select value={state} onChange={(e) => set('state', (e.target as HTMLSelectElement).value || '')} data-testid="filter-state">
          {STATES.map((s) => <option key={s} value={s}>{s === '' ? 'any' : s}</option>)}
        </select></label>
        <label>Severity <select value={severity} onChange={(e) => set('severity', (e.target as HTMLSelectElement).value)}>
          <option value="">any</option>{SEVERITIES.map((s) => <option key={s} value={s}>{s}</option>)}
        </select></label>
        <label>Model <select value={model} onChange={(e) => set('model', (e.target as HTMLSelectElement).value)}>
          <option value="">any</option>{models.map((m) => <option key={m} value={m}>{m}</option>)}
        </select></label>
        <label>Control <select value={control} onChange={(e) => set('control', (e.target as HTMLSelectElement).value)}>
          <option value="">any</option>{controlIds.map((c) => <option key={c} value={c}>{c}</option>)}
        </select></label>
        {onlyId && <span>showing alert <code>{onlyId.slice(0, 8)}</code> <Link href={withQuery(location, { id: undefined })}>show all</Link></span>}
      </form>
      {!canChange && <p class="state state-info">Signed in with a key without the <code>admin</code> scope: alerts can be read here, but acknowledging and resolving need an admin key.</p>}
      <p role="status" aria-live="polite" class="status-line" data-testid="alerts-status">{status ?? ''}</p>
      {alerts.error && <ErrorMessage error={alerts.error} what="alerts" onRetry={alerts.reload} />}
      {!alerts.data && alerts.loading && <Loading what="alerts" />}
      {alerts.data && shown.length === 0 && (
        <Empty title={state === 'open' ? 'No open alerts match.' : 'No alerts match.'}>
          {state === 'open' ? 'Controls that warn or breach open alerts; nothing is waiting for attention with these filters.' : 'Change the filters to see more.'}
        </Empty>
      )}
      {shown.length > 0 && (
        <ul class="alert-list" data-testid="alert-list">
          {shown.map((a) => <AlertCard key={a.id} alert={a} canChange={canChange} onChanged={(message) => { setStatus(message); alerts.reload() }} />)}
        </ul>
      )}
    </section>
  )
}

function AlertCard({ alert, canChange, onChanged }: { alert: Alert; canChange: boolean; onChanged: (message: string) => void }) {
  const [action, setAction] = useState<'acknowledge' | 'resolve'>()
  return (
    <li class={`alert-card state-${alert.state}`} data-alert={alert.id} data-control={alert.controlId}>
      <div class="card-head">
        <StatusBadge outcome={alert.level} /> <SeverityTag severity={alert.severity} /> <span class={`alert-state alert-state-${alert.state}`}>{alert.state}</span>
        {alert.escalated && <span class="escalated" title={alert.escalated.reason}>escalated</span>}
      </div>
      <h2>
        <Link href={`/controls/${encodeURIComponent(alert.controlId)}`}>{alert.controlId}</Link> on <Link href={`/models/${encodeURIComponent(alert.modelId)}`}>{alert.modelId}</Link>
        {alert.segment && <span class="muted"> ({alert.segment})</span>}
      </h2>
      <p class="meta">
        Opened {formatTime(alert.openedAt)}, updated {formatTime(alert.updatedAt)} · {alert.evaluationCount} {alert.evaluationCount === 1 ? 'evaluation' : 'evaluations'} ·{' '}
        <Link href={`/evaluations/${alert.lastEvaluationId}`}>latest evaluation</Link>
      </p>
      {alert.acknowledged && <p class="meta">Acknowledged by <strong>{alert.acknowledged.by}</strong> at {formatTime(alert.acknowledged.at)}: “{alert.acknowledged.note}”</p>}
      {alert.resolved && <p class="meta">Resolved by <strong>{alert.resolved.by}</strong> at {formatTime(alert.resolved.at)}: “{alert.resolved.note}”</p>}
      {canChange && alert.state !== 'resolved' && !action && (
        <div class="actions">
          {alert.state === 'open' && <button type="button" onClick={() => setAction('acknowledge')}>Acknowledge</button>}
          <button type="button" class="secondary" onClick={() => setAction('resolve')}>Resolve</button>
        </div>
      )}
      {action && <ChangeForm alert={alert} action={action} onCancel={() => setAction(undefined)} onDone={(message) => { setAction(undefined); onChanged(message) }} />}
      <History alertId={alert.id} />
    </li>
  )
}

function ChangeForm({ alert, action, onCancel, onDone }: { alert: Alert; action: 'acknowledge' | 'resolve'; onCancel: () => void; onDone: (message: string) => void }) {
  const [note, setNote] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const field = useRef<HTMLTextAreaElement>(null)
  useEffect(() => field.current?.focus(), [])
  const id = `note-${alert.id}`
  const submit = async (event: Event) => {
    event.preventDefault()
    if (note.trim() === '') {
      setError('A note is required: say what is being done or why.')
      field.current?.focus()
      return
    }
    setBusy(true)
    setError(undefined)
    try {
      await api(`/v1/alerts/${alert.id}/${action}`, { method: 'POST', body: { note: note.trim() } })
      onDone(`Alert on ${alert.controlId} ${action === 'acknowledge' ? 'acknowledged' : 'resolved'}.`)
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e))
      setBusy(false)
    }
  }
  return (
    <form class="change-form" onSubmit={submit} aria-label={`${action === 'acknowledge' ? 'Acknowledge' : 'Resolve'} the alert on ${alert.controlId}`}>
      <label for={id}>Note ({action === 'acknowledge' ? 'what is being done' : 'how it was resolved'})</label>
      <textarea id={id} ref={field} rows={2} value={note} required onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} aria-invalid={error !== undefined} />
      {error && <p class="field-error" role="alert">{error}</p>}
      <div class="actions">
        <button type="submit" disabled={busy}>{action === 'acknowledge' ? 'Acknowledge alert' : 'Resolve alert'}</button>
        <button type="button" class="secondary" onClick={onCancel} disabled={busy}>Cancel</button>
      </div>
    </form>
  )
}

interface AlertDetail { alert: Alert; history: Alert[]; deliveries: { notifier: string; ok: boolean; status?: number; attempt: number; at?: string; event?: string; error?: string }[] }

/** Every version of the alert and every delivery attempt, fetched when opened. */
function History({ alertId }: { alertId: string }) {
  const [open, setOpen] = useState(false)
  const detail = useApi<AlertDetail>(open ? `/v1/alerts/${alertId}` : null)
  return (
    <details onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>History and deliveries</summary>
      {detail.error && <ErrorMessage error={detail.error} what="the alert's history" />}
      {detail.loading && <Loading what="history" />}
      {detail.data && (
        <>
          <ol class="history">
            {detail.data.history.map((h) => <li key={h.version}>{formatTime(h.updatedAt)} — {h.change ?? h.state} by {h.actor || 'the evaluator'}{h.note ? `: “${h.note}”` : ''}</li>)}
          </ol>
          {detail.data.deliveries.length === 0 ? <p class="muted">No notification deliveries.</p> : (
            <ul class="deliveries">
              {detail.data.deliveries.map((d, i) => <li key={i}>{d.notifier} ({d.event ?? ''}) attempt {d.attempt}: {d.ok ? 'delivered' : `failed${d.error ? `: ${d.error}` : ''}`}{d.status ? ` (HTTP ${d.status})` : ''}</li>)}
            </ul>
          )}
        </>
      )}
    </details>
  )
}
