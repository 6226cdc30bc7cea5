import { useMemo, useState } from 'preact/hooks'
import { rangeFromQuery, type TimeRange } from './range.js'
import type { Location } from './router.js'

/**
 * The page's time range, resolved once per URL (a relative range stays put while the page is
 * open, so charts do not refetch on every render); `refresh` moves it to now.
 */
export function useRange(location: Location): [TimeRange, () => void] {
  const [tick, setTick] = useState(0)
  const search = location.query.toString()
  const range = useMemo(() => rangeFromQuery(new URLSearchParams(search)), [search, tick])
  return [range, () => setTick((t) => t + 1)]
}
