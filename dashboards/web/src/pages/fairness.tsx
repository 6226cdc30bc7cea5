// Fairness of a model for one protected attribute (`?attribute=`): per-group rates with 95 %
// confidence intervals from the latest fairness evaluation (insufficient groups marked), and each
// fairness control's disparity over time against its warn and breach thresholds.
import { useMemo } from 'preact/hooks'
import { query } from '../api/client.js'
import type { ControlsResponse, Fairness, FairnessGroup, GroupRate } from '../api/types.js'
import { useApi } from '../api/use-api.js'
import { RATE_LABEL, groupRatesOption, thresholdTrendOption } from '../charts/options.js'
import { Chart } from '../components/chart.js'
import { ModelTabs } from '../components/model-tabs.js'
import { RangePicker } from '../components/range-picker.js'
import { Empty, ErrorMessage, Loading } from '../components/states.js'
import { formatCount, formatValue, formatWindow } from '../lib/format.js'
import { Link, navigate, withQuery, type Location } from '../lib/router.js'
import { useRange } from '../lib/use-range.js'

const RATES = Object.keys(RATE_LABEL) as GroupRate[]

/** The rate a fairness metric compares, to show first. */
function rateOfMetric(metric: string | undefined): GroupRate {
  if (!metric) return 'selectionRate'
  if (metric.includes('false_positive')) return 'fpr'
  if (metric.includes('false_negative')) return 'fnr'
  if (metric.includes('predictive_parity') || metric.includes('precision')) return 'precision'
  if (metric.includes('opportunity') || metric.includes('true_positive') || metric.includes('equalized_odds')) return 'tpr'
  return 'selectionRate'
}

export function FairnessPage({ location, model }: { location: Location; model: string }) {
  const [range, refresh] = useRange(location)
  const controls = useApi<ControlsResponse>('/v1/controls')
  const attributes = useMemo(() => [...new Set((controls.data?.controls ?? [])
    .filter((c) => c.scope.model === model && c.metric.kind === 'fairness' && c.selector.attribute)
    .map((c) => c.selector.attribute!))], [controls.data, model])
  const attribute = location.query.get('attribute') ?? attributes[0]
  const fairness = useApi<Fairness>(attribute ? `/v1/dashboard/models/${encodeURIComponent(model)}/fairness${query({ attribute, from: range.from, to: range.to })}` : null)
  const rateParam = location.query.get('rate') as GroupRate | null
  const rate = rateParam && RATES.includes(rateParam) ? rateParam : rateOfMetric(fairness.data?.series[0]?.metric)

  return (
    <section data-ready={String(!controls.loading && !fairness.loading)}>
      <div class="page-head">
        <h1 tabIndex={-1}>Fairness of <code>{model}</code></h1>
        <RangePicker location={location} range={range} onRefresh={() => { refresh(); fairness.reload() }} />
      </div>
      <ModelTabs location={location} model={model} current="fairness" />
      {controls.error && <ErrorMessage error={controls.error} what="the fairness controls" onRetry={controls.reload} />}
      {!controls.data && controls.loading && <Loading what="the fairness controls" />}
      {controls.data && !attribute && (
        <Empty title={`No fairness control covers ${model}.`}>Fairness controls name a protected attribute (<code>selector.attribute</code>); their evaluations appear here.</Empty>
      )}
      {attribute && (
        <div class="controls-row">
          <label class="inline">
            Protected attribute{' '}
            <select value={attribute} onChange={(e) => navigate(withQuery(location, { attribute: (e.target as HTMLSelectElement).value }), { replace: true })} data-testid="attribute-select">
              {[...new Set([...attributes, attribute])].map((a) => <option key={a} value={a}>{a}</option>)}
            </select>
          </label>
          <label class="inline">
            Rate{' '}
            <select value={rate} onChange={(e) => navigate(withQuery(location, { rate: (e.target as HTMLSelectElement).value }), { replace: true })}>
              {RATES.map((r) => <option key={r} value={r}>{RATE_LABEL[r]}</option>)}
            </select>
          </label>
        </div>
      )}
      {fairness.error && <ErrorMessage error={fairness.error} what="fairness" onRetry={fairness.reload} />}
      {!fairness.data && fairness.loading && <Loading what="fairness" />}
      {fairness.data && <FairnessView fairness={fairness.data} rate={rate} />}
    </section>
  )
}

function FairnessView({ fairness, rate }: { fairness: Fairness; rate: GroupRate }) {
  const latest = fairness.latest
  const option = useMemo(() => (latest ? groupRatesOption(latest.groups, rate) : undefined), [latest, rate])
  return (
    <>
      <section aria-labelledby="groups-heading">
        <h2 id="groups-heading">{RATE_LABEL[rate]} by {fairness.attribute}</h2>
        {!latest || !option ? (
          <Empty title="No fairness evaluation in this range.">Choose a longer range, or evaluate the control.</Empty>
        ) : (
          <figure data-testid="fairness-groups">
            <figcaption>
              Latest evaluation (<Link href={`/evaluations/${latest.evaluationId}`}>{latest.controlId}</Link>, window {formatWindow(latest.window)}); bars are rates, whiskers 95 % confidence intervals.
              {latest.groups.some((g) => g.insufficient) && ' Grey dashed bars are groups too small to compare.'}
            </figcaption>
            <Chart id="fairness-chart" option={option} height={340} label={`${RATE_LABEL[rate]} per ${fairness.attribute} group with 95 % confidence intervals`} />
            <GroupTable groups={latest.groups} />
          </figure>
        )}
      </section>
      <section aria-labelledby="disparity-heading">
        <h2 id="disparity-heading">Disparity over time</h2>
        {fairness.series.length === 0 || fairness.series.every((s) => s.points.length === 0) ? (
          <Empty title="No fairness evaluations in this range." />
        ) : fairness.series.map((s) => (
          <figure key={s.controlId} data-testid="disparity-chart" data-control={s.controlId}>
            <figcaption>
              <Link href={`/controls/${encodeURIComponent(s.controlId)}`}>{s.controlId}</Link> · {s.metric} ({s.direction === 'above' ? 'higher is worse' : 'lower is worse'}; warn {formatValue(s.warn)}, breach {formatValue(s.breach)}). Select a point for its evaluation.
            </figcaption>
            <Chart
              option={thresholdTrendOption(s.metric, s.points.map((p) => ({ t: p.windowTo, value: p.value, outcome: p.outcome, evaluationId: p.evaluationId })), { warn: s.warn, breach: s.breach })}
              label={`${s.metric} of ${s.controlId} per window against its thresholds`} height={240}
              onClick={(event) => {
                const id = (event.data as { evaluationId?: string } | undefined)?.evaluationId
                if (id) navigate(`/evaluations/${id}`)
              }}
            />
          </figure>
        ))}
      </section>
    </>
  )
}

function GroupTable({ groups }: { groups: FairnessGroup[] }) {
  const cell = (g: FairnessGroup, r: GroupRate) => {
    const interval = g.intervals?.[r]
    return <td class="num" key={r}>{formatValue(g[r])}{interval && <span class="muted"> [{formatValue(interval.lower)}, {formatValue(interval.upper)}]</span>}</td>
  }
  return (
    <details>
      <summary>Table of groups</summary>
      <div class="table-wrap">
        <table data-testid="group-table">
          <thead><tr><th scope="col">Group</th><th scope="col" class="num">Count</th>{RATES.map((r) => <th scope="col" class="num" key={r}>{RATE_LABEL[r]}</th>)}<th scope="col">Compared</th></tr></thead>
          <tbody>
            {groups.map((g) => (
              <tr key={g.group} class={g.insufficient ? 'insufficient' : ''}>
                <th scope="row">{g.group}</th><td class="num">{formatCount(g.count)}</td>{RATES.map((r) => cell(g, r))}
                <td>{g.insufficient ? 'no: insufficient data' : 'yes'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  )
}
