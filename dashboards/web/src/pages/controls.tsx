// The control register: every control of the loaded policy with its latest outcome.
import type { ControlsResponse } from '../api/types.js'
import { useApi } from '../api/use-api.js'
import { ControlDetails } from '../components/control-details.js'
import { ErrorMessage, Empty, Loading } from '../components/states.js'
import { OUTCOME_ORDER, SeverityTag, StatusBadge } from '../components/status-badge.js'
import { formatTime, formatValue } from '../lib/format.js'
import { Link, type Location } from '../lib/router.js'

export function ControlsPage(_props: { location: Location }) {
  const controls = useApi<ControlsResponse>('/v1/controls')
  const list = [...(controls.data?.controls ?? [])].sort((a, b) => OUTCOME_ORDER.indexOf(a.latest?.outcome ?? 'none') - OUTCOME_ORDER.indexOf(b.latest?.outcome ?? 'none') || a.id.localeCompare(b.id))
  return (
    <section data-ready={String(!controls.loading)}>
      <div class="page-head"><h1 tabIndex={-1}>Controls</h1></div>
      {controls.error && <ErrorMessage error={controls.error} what="the controls" onRetry={controls.reload} />}
      {!controls.data && controls.loading && <Loading what="the controls" />}
      {controls.data && (
        <>
          <p class="muted">Policy <strong>{controls.data.policy.name}</strong> version {String(controls.data.policy.version)} · sha256 <code class="hash">{controls.data.policy.sha256}</code></p>
          {list.length === 0 && <Empty title="The policy declares no controls for this project." />}
          <ul class="control-list">
            {list.map((c) => (
              <li key={c.id} class="control-entry">
                <h2>
                  <Link href={`/controls/${encodeURIComponent(c.id)}`}>{c.id}</Link> <span class="title">{c.title}</span>
                </h2>
                <p class="meta">
                  <StatusBadge outcome={c.latest?.outcome} /> <SeverityTag severity={c.severity} /> v{c.version} · {c.status}
                  {c.latest && <> · value {formatValue(c.latest.value)} at {formatTime(c.latest.evaluatedAt)} · <Link href={`/evaluations/${c.latest.evaluationId}`}>latest evaluation</Link></>}
                  {c.openAlerts.length > 0 && <> · <Link href={`/alerts?control=${encodeURIComponent(c.id)}`}>{c.openAlerts.length} open {c.openAlerts.length === 1 ? 'alert' : 'alerts'}</Link></>}
                </p>
                <ControlDetails control={c} />
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}
