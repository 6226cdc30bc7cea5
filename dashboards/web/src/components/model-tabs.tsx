import { Link, keepRange, type Location } from '../lib/router.js'

/** The model's two views; the range goes along. */
export function ModelTabs({ location, model, current }: { location: Location; model: string; current: 'monitoring' | 'fairness' }) {
  const base = `/models/${encodeURIComponent(model)}`
  return (
    <nav class="tabs" aria-label={`Views of ${model}`}>
      <Link href={keepRange(location, base)} aria-current={current === 'monitoring' ? 'page' : undefined}>Monitoring</Link>
      <Link href={keepRange(location, `${base}/fairness`)} aria-current={current === 'fairness' ? 'page' : undefined}>Fairness</Link>
    </nav>
  )
}
