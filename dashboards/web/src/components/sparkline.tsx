// A tiny volume trend for a table cell: an SVG polyline with an accessible summary. The real charts
// use ECharts; a sparkline is 48 points and needs no axes, tooltips or a chart instance per row.

export function Sparkline({ values, label, width = 120, height = 28 }: { values: number[]; label: string; width?: number; height?: number }) {
  if (values.length === 0) return <span class="muted">no data</span>
  const max = Math.max(...values, 1)
  const step = values.length > 1 ? width / (values.length - 1) : 0
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`).join(' ')
  return (
    <svg class="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      <polyline points={points} fill="none" stroke="#2563eb" stroke-width="1.5" />
    </svg>
  )
}
