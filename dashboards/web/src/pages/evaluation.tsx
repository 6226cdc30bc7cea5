// One evaluation record in full: the audit evidence, with its place in the hash chain (seq, hash,
// prevHash) so an auditor can check it against `GET /v1/evaluations/verify` or recompute it.
import type { ComponentChildren } from 'preact'
import type { Evaluation } from '../api/types.js'
import { useApi } from '../api/use-api.js'
import { ReferenceList } from '../components/references.js'
import { ErrorMessage, Loading } from '../components/states.js'
import { SeverityTag, StatusBadge } from '../components/status-badge.js'
import { formatCount, formatDuration, formatPercent, formatTime, formatValue, formatWindow } from '../lib/format.js'
import { Link, type Location } from '../lib/router.js'

export function EvaluationPage({ evaluationId }: { location: Location; evaluationId: string }) {
  const evaluation = useApi<Evaluation>(`/v1/evaluations/${encodeURIComponent(evaluationId)}`)
  const e = evaluation.data
  return (
    <section data-ready={String(!evaluation.loading)}>
      <div class="page-head">
        <h1 tabIndex={-1}>Evaluation {e ? <>#{e.seq} of <code>{e.control.id}</code></> : <code>{evaluationId}</code>}</h1>
      </div>
      {evaluation.error && <ErrorMessage error={evaluation.error} what="the evaluation" onRetry={evaluation.reload} />}
      {!e && evaluation.loading && <Loading what="the evaluation" />}
      {e && <Record e={e} />}
    </section>
  )
}

function Record({ e }: { e: Evaluation }) {
  const reference = e.reference.kind === 'dataset'
    ? <>data set <code>{e.reference.id}</code>, {formatCount(e.reference.rows)} rows, sha256 <code class="hash">{e.reference.sha256}</code></>
    : e.reference.kind === 'window' ? <>window {formatWindow(e.reference)}</> : 'none'
  const segment = Object.entries(e.segment ?? {})
  return (
    <>
      <p class="meta outcome-line" data-testid="evaluation-outcome">
        <StatusBadge outcome={e.outcome} /> <SeverityTag severity={e.control.severity} /> {e.reason}
      </p>
      <dl class="facts" data-testid="evaluation-record">
        <Fact name="Control"><Link href={`/controls/${encodeURIComponent(e.control.id)}`}>{e.control.id}</Link> version {e.control.version}: {e.control.title}</Fact>
        <Fact name="Model"><Link href={`/models/${encodeURIComponent(e.model.id)}`}>{e.model.id}</Link>{e.model.versions ? ` (versions ${e.model.versions.join(', ')})` : ''}{e.model.environment ? `, ${e.model.environment}` : ''}</Fact>
        {segment.length > 0 && <Fact name="Segment">{segment.map(([k, v]) => `${k}=${v}`).join(', ')}</Fact>}
        <Fact name="Window">{e.window.type}, {formatWindow(e.window)}{e.window.labelDelayMs ? `, label delay ${formatDuration(e.window.labelDelayMs)}` : ''}</Fact>
        <Fact name="Reference">{reference}</Fact>
        <Fact name="Metric">{e.metric.kind} / {e.metric.name} — {e.metric.implementation}</Fact>
        <Fact name="Value"><strong>{formatValue(e.value)}</strong>{e.pValue !== null && <> (p = {formatValue(e.pValue)})</>}</Fact>
        <Fact name="Thresholds">warn {formatValue(e.thresholds.warn)}, breach {formatValue(e.thresholds.breach)} ({e.thresholds.direction === 'above' ? 'higher is worse' : 'lower is worse'})</Fact>
        <Fact name="Rationale">{e.thresholds.rationale}</Fact>
        <Fact name="Samples">
          {formatCount(e.samples.current)} current{e.samples.reference !== null && `, ${formatCount(e.samples.reference)} reference`}
          {e.samples.labelled !== null && `, ${formatCount(e.samples.labelled)} labelled (${formatPercent(e.samples.labelCoverage)})`}
          ; guard: at least {e.guard.minSample}, {e.guard.minPerGroup} per group
        </Fact>
        <Fact name="References"><ReferenceList references={e.control.references} /></Fact>
        <Fact name="Evaluated">{formatTime(e.evaluatedAt)} by {e.evaluatedBy} in {formatValue(e.durationMs)} ms</Fact>
        <Fact name="Alerts">{e.alerts.length === 0 ? 'none' : e.alerts.map((id) => <Link key={id} href={`/alerts?id=${id}&state=`}>{id.slice(0, 8)} </Link>)}</Fact>
        <Fact name="Nonconformity">{e.nonconformity ?? 'none'}</Fact>
        <Fact name="Policy">{e.policy.name} version {String(e.policy.version)}, sha256 <code class="hash">{e.policy.sha256}</code></Fact>
        <Fact name="Control sha256"><code class="hash">{e.control.sha256}</code></Fact>
        <Fact name="Sequence"><span data-testid="evaluation-seq">{e.seq}</span></Fact>
        <Fact name="Hash"><code class="hash" data-testid="evaluation-hash">{e.hash}</code></Fact>
        <Fact name="Previous hash"><code class="hash" data-testid="evaluation-prev-hash">{e.prevHash}</code></Fact>
        <Fact name="Record id"><code>{e.id}</code> (key <code>{e.key}</code>)</Fact>
      </dl>
      <Breakdown breakdown={e.breakdown} />
      {e.excludedGroups.length > 0 && (
        <section aria-labelledby="excluded-heading">
          <h2 id="excluded-heading">Excluded groups</h2>
          <table>
            <thead><tr><th scope="col">Group</th><th scope="col" class="num">Size</th><th scope="col">Why</th></tr></thead>
            <tbody>{e.excludedGroups.map((g) => <tr key={g.group}><th scope="row">{g.group}</th><td class="num">{formatCount(g.size)}</td><td>{g.reason}</td></tr>)}</tbody>
          </table>
        </section>
      )}
      <details>
        <summary>The record as stored (JSON)</summary>
        <pre class="json">{JSON.stringify(e, null, 2)}</pre>
      </details>
    </>
  )
}

interface Item { name: string; value: number | null; outcome?: string; adjustedPValue?: number; insufficient?: string; pValue?: number | null }

/** Per-feature items and, for fairness, per-group figures: whatever the metric recorded. */
function Breakdown({ breakdown }: { breakdown: unknown }) {
  const b = breakdown as { items?: Item[]; detail?: { byGroup?: Record<string, Record<string, unknown>> } } | null
  const items = Array.isArray(b?.items) ? b!.items : []
  const byGroup = b?.detail?.byGroup && typeof b.detail.byGroup === 'object' ? Object.entries(b.detail.byGroup) : []
  const groupColumns = [...new Set(byGroup.flatMap(([, v]) => Object.entries(v ?? {}).filter(([, x]) => typeof x === 'number' || typeof x === 'boolean').map(([k]) => k)))]
  const adjusted = items.some((i) => typeof i.adjustedPValue === 'number')
  if (items.length === 0 && byGroup.length === 0) return null
  return (
    <section aria-labelledby="breakdown-heading">
      <h2 id="breakdown-heading">Breakdown</h2>
      {items.length > 0 && (
        <div class="table-wrap">
          <table data-testid="breakdown-items">
            <thead><tr><th scope="col">Item</th><th scope="col" class="num">Value</th>{adjusted && <th scope="col" class="num">Adjusted p</th>}<th scope="col">Outcome</th><th scope="col">Note</th></tr></thead>
            <tbody>
              {items.map((i) => (
                <tr key={i.name}>
                  <th scope="row">{i.name}</th><td class="num">{formatValue(i.value)}</td>
                  {adjusted && <td class="num">{formatValue(i.adjustedPValue)}</td>}
                  <td>{i.outcome ? <StatusBadge outcome={i.outcome as Evaluation['outcome']} /> : '—'}</td>
                  <td>{i.insufficient ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {byGroup.length > 0 && (
        <div class="table-wrap">
          <table data-testid="breakdown-groups">
            <thead><tr><th scope="col">Group</th>{groupColumns.map((c) => <th scope="col" class="num" key={c}>{c}</th>)}</tr></thead>
            <tbody>
              {byGroup.map(([group, values]) => (
                <tr key={group}><th scope="row">{group}</th>{groupColumns.map((c) => <td class="num" key={c}>{show(values?.[c])}</td>)}</tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

const show = (v: unknown) => (typeof v === 'number' ? formatValue(v) : typeof v === 'boolean' ? (v ? 'yes' : 'no') : '—')

function Fact({ name, children }: { name: string; children: ComponentChildren }) {
  return <div><dt>{name}</dt><dd>{children}</dd></div>
}
