// ECharts options for the dashboard's charts, built from API responses (the server aggregates; these
// only lay the numbers out). Outcome colours are the status badges' colours.
import type { Distribution, Drift, FairnessGroup, GroupRate, Outcome, Timeseries } from '../api/types.js'
import { OUTCOME_COLOR, OUTCOME_LABEL } from '../components/status-badge.js'
import { formatTime, formatValue } from '../lib/format.js'
import type { EChartsOption } from './echarts.js'

const GRID = { left: 56, right: 24, top: 40, bottom: 48, containLabel: true }
const OUTCOMES: Outcome[] = ['pass', 'warn', 'breach', 'insufficient_data', 'error']

/**
 * Tooltips and category labels hold names from ingested data, which can be 256 characters without a
 * space: the tooltip stays inside the chart and wraps, a label is cut (the full name is in the table
 * next to each chart), so neither widens the page.
 */
const TOOLTIP_BOX = { confine: true, extraCssText: 'max-width:360px;white-space:normal;overflow-wrap:anywhere;' }
const DATA_LABEL = { width: 240, overflow: 'truncate', ellipsis: '…' } as const

/**
 * ECharts puts a formatter's string into the tooltip as HTML: names from ingested data (group values,
 * category labels) go through this, or a value like `<img src=x onerror=…>` runs in the dashboard.
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

/** Prediction volume by output label (stacked), with errors, per bucket. */
export function volumeOption(ts: Timeseries): EChartsOption {
  const times = ts.buckets.map((b) => formatTime(b.t))
  const labels = [...new Set(ts.buckets.flatMap((b) => Object.keys(b.outputLabels ?? {})))]
  const byLabel = labels.length > 0
    ? labels.map((label) => ({ name: label, type: 'bar', stack: 'volume', data: ts.buckets.map((b) => b.outputLabels?.[label] ?? 0) }))
    : [{ name: 'predictions', type: 'bar', data: ts.buckets.map((b) => b.predictions) }]
  return {
    tooltip: { ...TOOLTIP_BOX, trigger: 'axis' },
    legend: { top: 0, type: 'scroll', textStyle: DATA_LABEL },
    grid: GRID,
    xAxis: { type: 'category', data: times },
    yAxis: { type: 'value', name: 'predictions', minInterval: 1 },
    series: [...byLabel, { name: 'errors', type: 'line', data: ts.buckets.map((b) => b.errors), itemStyle: { color: OUTCOME_COLOR.breach }, showSymbol: false }],
  }
}

/** Latency percentiles per bucket. */
export function latencyOption(ts: Timeseries): EChartsOption {
  const times = ts.buckets.map((b) => formatTime(b.t))
  const line = (name: string, pick: (b: Timeseries['buckets'][number]) => number | null | undefined) => ({
    name, type: 'line', showSymbol: false, connectNulls: false, data: ts.buckets.map((b) => pick(b) ?? null),
  })
  return {
    tooltip: { ...TOOLTIP_BOX, trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? `${formatValue(v)} ms` : '—') },
    legend: { top: 0 },
    grid: GRID,
    xAxis: { type: 'category', data: times },
    yAxis: { type: 'value', name: 'ms' },
    series: [line('p50', (b) => b.latencyMs?.p50), line('p95', (b) => b.latencyMs?.p95), line('p99', (b) => b.latencyMs?.p99)],
  }
}

/**
 * The drift heat map of one control: features × evaluation windows, each cell coloured by its
 * outcome and labelled with its value. Data items carry the evaluation id for click-through.
 */
export function driftHeatmapOption(drift: Drift, controlId: string): EChartsOption {
  const cells = drift.cells.filter((c) => c.controlId === controlId)
  const windows = [...new Set(cells.map((c) => c.windowTo))].sort()
  const features = drift.features.filter((f) => cells.some((c) => c.feature === f))
  const data = cells.map((c) => ({
    value: [windows.indexOf(c.windowTo), features.indexOf(c.feature), c.value ?? '-', OUTCOMES.indexOf(c.outcome)],
    evaluationId: c.evaluationId,
    outcome: c.outcome,
  }))
  return {
    tooltip: {
      ...TOOLTIP_BOX,
      formatter: (p: { data: { value: [number, number, number | string, number]; outcome: Outcome } }) =>
        `${escapeHtml(features[p.data.value[1]] ?? '')} · window to ${escapeHtml(formatTime(windows[p.data.value[0]]))}<br/>${escapeHtml(cells[0]?.metric ?? '')} ${typeof p.data.value[2] === 'number' ? formatValue(p.data.value[2]) : '—'} · ${OUTCOME_LABEL[p.data.outcome]}`,
    },
    grid: { left: 16, right: 16, top: 16, bottom: 64, containLabel: true },
    xAxis: { type: 'category', data: windows.map((w) => formatTime(w)), name: 'window end', nameLocation: 'middle', nameGap: 32, splitArea: { show: true } },
    // Features read top-down in the order given (a category y axis runs bottom-up by default).
    yAxis: { type: 'category', data: features, inverse: true, splitArea: { show: true }, axisLabel: DATA_LABEL },
    visualMap: {
      type: 'piecewise', dimension: 3, orient: 'horizontal', left: 'center', bottom: 0,
      pieces: OUTCOMES.map((o, i) => ({ value: i, label: OUTCOME_LABEL[o], color: OUTCOME_COLOR[o] })),
    },
    series: [{
      type: 'heatmap', data,
      label: { show: true, color: '#fff', formatter: (p: { data: { value: [number, number, number | string] } }) => (typeof p.data.value[2] === 'number' ? formatValue(p.data.value[2]) : '—') },
      itemStyle: { borderColor: '#fff', borderWidth: 2 },
      emphasis: { itemStyle: { borderColor: '#111' } },
      cursor: 'pointer',
    }],
  }
}

/** Reference versus current proportions per bin. */
export function distributionOption(dist: Distribution): EChartsOption {
  const pct = (v: number | null) => (v === null ? null : Number((v * 100).toFixed(3)))
  return {
    tooltip: { ...TOOLTIP_BOX, trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? `${v.toFixed(1)} %` : '—') },
    legend: { top: 0 },
    grid: GRID,
    xAxis: { type: 'category', data: dist.bins.map((b) => b.label), axisLabel: { ...DATA_LABEL, interval: 0, rotate: dist.bins.length > 8 ? 30 : 0 } },
    yAxis: { type: 'value', name: '% of values' },
    series: [
      ...(dist.reference ? [{ name: `reference (${dist.reference.id})`, type: 'bar', data: dist.bins.map((b) => pct(b.reference)), itemStyle: { color: '#94a3b8' } }] : []),
      { name: 'current', type: 'bar', data: dist.bins.map((b) => pct(b.current)), itemStyle: { color: '#2563eb' } },
    ],
  }
}

export const RATE_LABEL: Record<GroupRate, string> = {
  selectionRate: 'Selection rate', tpr: 'True positive rate', fpr: 'False positive rate', fnr: 'False negative rate', precision: 'Precision',
}

/** One rate per group as bars with confidence-interval error bars; insufficient groups greyed and named so. */
export function groupRatesOption(groups: FairnessGroup[], rate: GroupRate): EChartsOption {
  const names = groups.map((g) => (g.insufficient ? `${g.group} (insufficient)` : g.group))
  const intervals = groups.map((g, i) => {
    const interval = g.intervals?.[rate]
    return interval ? [i, interval.lower, interval.upper] : null
  }).filter((x): x is [number, number, number] => x !== null)
  return {
    tooltip: { ...TOOLTIP_BOX, trigger: 'item', valueFormatter: (v: unknown) => (typeof v === 'number' ? formatValue(v) : '—') },
    grid: { ...GRID, bottom: 16 },
    xAxis: { type: 'category', data: names, axisLabel: { ...DATA_LABEL, interval: 0, rotate: groups.length > 4 ? 30 : 0 } },
    yAxis: { type: 'value', name: RATE_LABEL[rate], min: 0, max: 1 },
    series: [
      {
        name: RATE_LABEL[rate], type: 'bar', barMaxWidth: 48,
        data: groups.map((g) => ({
          value: g[rate],
          itemStyle: g.insufficient ? { color: '#d1d5db', borderColor: '#6b7280', borderType: 'dashed', borderWidth: 1 } : { color: '#2563eb' },
        })),
      },
      {
        name: '95 % interval', type: 'custom', data: intervals, z: 10,
        encode: { x: 0, y: [1, 2] },
        renderItem: (_params: unknown, api: { value: (i: number) => number; coord: (p: number[]) => number[]; size: (p: number[]) => number[] }) => {
          const x = api.value(0)
          const low = api.coord([x, api.value(1)])
          const high = api.coord([x, api.value(2)])
          const half = Math.max(4, api.size([1, 0])[0]! * 0.12)
          const style = { stroke: '#111', lineWidth: 1.5 }
          return {
            type: 'group',
            children: [
              { type: 'line', shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style },
              { type: 'line', shape: { x1: low[0]! - half, y1: low[1], x2: low[0]! + half, y2: low[1] }, style },
              { type: 'line', shape: { x1: high[0]! - half, y1: high[1], x2: high[0]! + half, y2: high[1] }, style },
            ],
          }
        },
        tooltip: { formatter: (p: { value: [number, number, number] }) => `${escapeHtml(names[p.value[0]] ?? '')}: 95 % interval ${formatValue(p.value[1])} – ${formatValue(p.value[2])}` },
      },
    ],
  }
}

export interface ThresholdPoint { t: string; value: number | null; outcome: Outcome; evaluationId: string }

/** A metric over time against its warn and breach thresholds; each point coloured by its outcome. */
export function thresholdTrendOption(name: string, points: ThresholdPoint[], thresholds: { warn: number | null; breach: number }): EChartsOption {
  const sorted = [...points].sort((a, b) => a.t.localeCompare(b.t))
  const marks = [
    ...(thresholds.warn !== null ? [{ yAxis: thresholds.warn, name: 'warn', lineStyle: { color: OUTCOME_COLOR.warn, type: 'dashed' }, label: { formatter: `warn ${formatValue(thresholds.warn)}`, color: OUTCOME_COLOR.warn } }] : []),
    { yAxis: thresholds.breach, name: 'breach', lineStyle: { color: OUTCOME_COLOR.breach, type: 'solid' }, label: { formatter: `breach ${formatValue(thresholds.breach)}`, color: OUTCOME_COLOR.breach } },
  ]
  return {
    tooltip: { ...TOOLTIP_BOX, trigger: 'item', formatter: (p: { data: { value: [string, number | null]; outcome: Outcome } }) => `${escapeHtml(formatTime(p.data.value[0]))}: ${formatValue(p.data.value[1])} (${OUTCOME_LABEL[p.data.outcome]})` },
    grid: { ...GRID, right: 96 },
    xAxis: { type: 'time' },
    // Thresholds always in view, even when every value sits far from them.
    yAxis: {
      type: 'value', name,
      min: (extent: { min: number }) => niceBound(Math.min(extent.min, thresholds.breach, thresholds.warn ?? thresholds.breach), 'down'),
      max: (extent: { max: number }) => niceBound(Math.max(extent.max, thresholds.breach, thresholds.warn ?? thresholds.breach), 'up'),
    },
    series: [{
      name, type: 'line', symbolSize: 10, cursor: 'pointer',
      data: sorted.map((p) => ({ value: [p.t, p.value], outcome: p.outcome, evaluationId: p.evaluationId, itemStyle: { color: OUTCOME_COLOR[p.outcome] } })),
      lineStyle: { color: '#475569' },
      markLine: { symbol: 'none', silent: true, data: marks },
    }],
  }
}

function niceBound(value: number, way: 'up' | 'down'): number {
  if (!Number.isFinite(value)) return 0
  // Rates and distances never go below zero: the axis starts at 0 for them.
  if (way === 'down' && value >= 0) return 0
  const size = Math.abs(value)
  if (size === 0) return way === 'up' ? 1 : 0
  const magnitude = 10 ** Math.floor(Math.log10(size))
  const rounded = Math.ceil((size * 1.05) / magnitude) * magnitude
  return value < 0 ? -rounded : rounded
}
