// Overview: every model with volume, error rate and latency in the range, the control status board
// (each control's latest outcome with its ISO/IEC 42001 references) and the open alert count.
import { query } from '../api/client.js'
import type { Outcome, Overview, OverviewControl, OverviewModel } from '../api/types.js'
import { useApi } from '../api/use-api.js'
import { RangePicker } from '../components/range-picker.js'
import { ReferenceList } from '../components/references.js'
import { Sparkline } from '../components/sparkline.js'
import { Empty, ErrorMessage, Loading } from '../components/states.js'
import { OUTCOME_LABEL, OUTCOME_ORDER, SeverityTag, StatusBadge } from '../components/status-badge.js'
import { formatCount, formatMs, formatPercent, formatTime, formatValue, formatWindow } from '../lib/format.js'
import { Link, keepRange, type Location } from '../lib/router.js'
import { useRange } from '../lib/use-range.js'

export function OverviewPage({ location }: { location: Location }) {
  const [range, refresh] = useRange(location)
  const overview = useApi<Overview>(`/v1/dashboard/overview${query({ from: range.from, to: range.to })}`)
  return (
    <section data-ready={String(!overview.loading)}>
      <div class="page-head">
        <h1 tabIndex={-1}>Overview</h1>
        <RangePicker location={location} range={range} onRefresh={() => { refresh(); overview.reload() }} />
      </div>
      {overview.error && <ErrorMessage error={overview.error} what="the overview" onRetry={overview.reload} />}
      {!overview.data && overview.loading && <Loading what="the overview" />}
      {overview.data && (
        <>
          <AlertSummary alerts={overview.data.alerts} />
          <Models location={location} models={overview.data.models} />
          <StatusBoard location={location} controls={overview.data.controls} />
        </>
      )}
    </section>
  )
}

function AlertSummary({ alerts }: { alerts: Overview['alerts'] }) {
  return (
    <p class={`alert-summary ${alerts.open > 0 ? 'has-open' : ''}`} data-testid="alert-summary">
      <Link href="/alerts?state=open">
        <strong>{alerts.open}</strong> open {alerts.open === 1 ? 'alert' : 'alerts'}
      </Link>
      {' · '}{alerts.acknowledged} acknowledged
    </p>
  )
}

function Models({ location, models }: { location: Location; models: OverviewModel[] }) {
  return (
    <section aria-labelledby="models-heading">
      <h2 id="models-heading">Models</h2>
      {models.length === 0 ? (
        <Empty title="No predictions in this range.">
          Instrument a model with the SDK (<code>createMonitor().wrap(…)</code>) or send events to <code>/v1/events</code>, or choose a longer range.
        </Empty>
      ) : (
        <div class="table-wrap">
          <table class="models">
            <thead>
              <tr>
                <th scope="col">Model</th><th scope="col">Versions</th><th scope="col" class="num">Predictions</th>
                <th scope="col" class="num">Error rate</th><th scope="col" class="num">Latency p50 / p95 / p99</th>
                <th scope="col">Volume</th><th scope="col">Last event</th>
              </tr>
            </thead>
            <tbody>
              {models.map((m) => (
                <tr key={m.id}>
                  <th scope="row"><Link href={keepRange(location, `/models/${encodeURIComponent(m.id)}`)}>{m.id}</Link></th>
                  <td>{m.versions.join(', ') || '—'}</td>
                  <td class="num">{formatCount(m.predictions)}</td>
                  <td class="num">{formatPercent(m.errorRate, 2)} <span class="muted">({formatCount(m.errors)})</span></td>
                  <td class="num">{formatMs(m.latencyMs?.p50)} / {formatMs(m.latencyMs?.p95)} / {formatMs(m.latencyMs?.p99)}</td>
                  <td>{m.predictions > 0 ? <Sparkline values={m.series.map((b) => b.predictions)} label={`${m.id}: ${formatCount(m.predictions)} predictions over the range`} /> : <span class="muted">none in range</span>}</td>
                  <td title={m.lastEventAt ?? undefined}>{formatTime(m.lastEventAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

function StatusBoard({ location, controls }: { location: Location; controls: OverviewControl[] }) {
  const sorted = [...controls].sort((a, b) => OUTCOME_ORDER.indexOf(a.latest?.outcome ?? 'none') - OUTCOME_ORDER.indexOf(b.latest?.outcome ?? 'none') || a.id.localeCompare(b.id))
  const counts = new Map<Outcome | 'none', number>()
  for (const c of controls) counts.set(c.latest?.outcome ?? 'none', (counts.get(c.latest?.outcome ?? 'none') ?? 0) + 1)
  return (
    <section aria-labelledby="controls-heading">
      <h2 id="controls-heading">Control status</h2>
      {controls.length === 0 ? (
        <Empty title="No controls.">Declare operational controls in a policy file and start the collector with <code>aims up --policy &lt;file&gt;</code>.</Empty>
      ) : (
        <>
          <p class="counts" aria-label="Controls by latest outcome">
            {OUTCOME_ORDER.filter((o) => counts.has(o)).map((o) => <span key={o} class={`count count-${o}`}>{counts.get(o)} {OUTCOME_LABEL[o].toLowerCase()}</span>)}
          </p>
          <ul class="status-board" data-testid="status-board">
            {sorted.map((c) => (
              <li key={c.id} class={`control-card outcome-${c.latest?.outcome ?? 'none'}`} data-control={c.id}>
                <div class="card-head">
                  <StatusBadge outcome={c.latest?.outcome} />
                  <SeverityTag severity={c.severity} />
                </div>
                <h3><Link href={keepRange(location, `/controls/${encodeURIComponent(c.id)}`)}>{c.id}</Link> <span class="title">{c.title}</span></h3>
                <p class="meta">
                  <Link href={keepRange(location, `/models/${encodeURIComponent(c.model)}`)}>{c.model}</Link> · {c.kind} / {c.metric}
                  {c.status !== 'active' && <> · <em>{c.status}</em></>}
                </p>
                {c.latest ? (
                  <p class="latest">
                    Value <strong>{formatValue(c.latest.value)}</strong> over {formatWindow(c.latest.window)}{' '}
                    <Link href={`/evaluations/${c.latest.evaluationId}`} aria-label={`Evaluation of ${c.id} at ${formatTime(c.latest.evaluatedAt)}`}>evaluation</Link>
                  </p>
                ) : <p class="latest muted">Not evaluated yet.</p>}
                <ReferenceList references={c.references} compact />
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}
