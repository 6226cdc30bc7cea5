import * as echarts from 'echarts'
import type { ControlResults, ReportData } from './report-data.js'
import { shortTime } from './report-summary.js'

const OUTCOME_COLOURS = { pass: '#2e7d32', warn: '#f9a825', breach: '#c62828', insufficient_data: '#9e9e9e', error: '#6a1b9a' } as const

/**
 * Renders an ECharts option to an SVG string on the server (ECharts' SSR SVG renderer: no DOM, no
 * browser), so that the HTML is self-contained and the PDF prints the same pictures. Animation is
 * off: the string is the final frame.
 */
function svg(option: echarts.EChartsCoreOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height })
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: 'sans-serif' }, ...option })
    return chart.renderToSVGString()
  } finally {
    chart.dispose()
  }
}

/** Outcomes per control, stacked: where the breaches and the gaps are, at a glance. */
export function outcomesChart(report: ReportData): string {
  const results = report.results
  if (results.length === 0) return ''
  const ids = results.map((r) => r.controlId)
  const missed = new Map(report.schedule.controls.map((c) => [c.controlId, c.missed]))
  const outcomes = Object.keys(OUTCOME_COLOURS) as (keyof typeof OUTCOME_COLOURS)[]
  return svg({
    title: { text: 'Evaluations per control, by outcome', textStyle: { fontSize: 13 } },
    legend: { bottom: 0, textStyle: { fontSize: 10 } },
    grid: { left: 8, right: 16, top: 32, bottom: 30, containLabel: true },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: ids, axisLabel: { fontSize: 9, width: 260, overflow: 'truncate' } },
    series: [
      ...outcomes.map((o) => ({ name: o.replace('_', ' '), type: 'bar', stack: 'n', itemStyle: { color: OUTCOME_COLOURS[o] }, data: results.map((r) => r.counts[o]) })),
      { name: 'missed', type: 'bar', stack: 'n', itemStyle: { color: '#ffffff', borderColor: '#c62828', borderType: 'dashed' }, data: ids.map((id) => missed.get(id) ?? 0) },
    ],
  }, 720, Math.max(160, 70 + ids.length * 22))
}

/** One control's value per window, with its warn and breach thresholds and each point coloured by outcome. */
export function trendChart(results: ControlResults): string {
  const points = results.trend.filter((t) => t.value !== null)
  if (points.length === 0) return ''
  const lines = [
    ...(results.thresholds.warn !== null ? [{ yAxis: results.thresholds.warn, name: 'warn', lineStyle: { color: OUTCOME_COLOURS.warn } }] : []),
    { yAxis: results.thresholds.breach, name: 'breach', lineStyle: { color: OUTCOME_COLOURS.breach } },
  ]
  return svg({
    grid: { left: 8, right: 48, top: 16, bottom: 8, containLabel: true },
    // A category per window end: windows are evenly spaced by schedule, and the labels read as the tables do.
    xAxis: { type: 'category', data: points.map((t) => shortTime(t.windowTo)), axisLabel: { fontSize: 9, hideOverlap: true } },
    yAxis: { type: 'value', scale: true },
    series: [{
      type: 'line', symbolSize: 6,
      data: points.map((t) => ({ value: t.value, itemStyle: { color: OUTCOME_COLOURS[t.outcome] } })),
      lineStyle: { color: '#546e7a' },
      markLine: { symbol: 'none', label: { formatter: '{b}', fontSize: 9 }, data: lines },
    }],
  }, 720, 200)
}
