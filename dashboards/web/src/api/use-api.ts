import { useCallback, useEffect, useState } from 'preact/hooks'
import { ApiError, api } from './client.js'

export interface ApiState<T> {
  data: T | undefined
  error: ApiError | undefined
  loading: boolean
  reload: () => void
}

interface Held<T> { path: string | null; data?: T; error?: ApiError; loading: boolean }

/**
 * GETs `path` (nothing when null) and re-fetches when it changes; a newer request aborts the older
 * one, so a quick change of range never shows stale data. A reload of the same path keeps the data
 * on screen until the new answer arrives; another path starts empty.
 */
export function useApi<T>(path: string | null): ApiState<T> {
  const [state, setState] = useState<Held<T>>({ path, loading: path !== null })
  const [tick, setTick] = useState(0)
  useEffect(() => {
    if (path === null) {
      setState({ path, loading: false })
      return
    }
    const controller = new AbortController()
    setState((previous) => (previous.path === path ? { path, data: previous.data, loading: true } : { path, loading: true }))
    api<T>(path, { signal: controller.signal }).then(
      (data) => setState({ path, data, loading: false }),
      (error: unknown) => {
        if (controller.signal.aborted) return
        setState({ path, error: error instanceof ApiError ? error : new ApiError(0, 'client', String(error)), loading: false })
      },
    )
    return () => controller.abort()
  }, [path, tick])
  const reload = useCallback(() => setTick((t) => t + 1), [])
  const current: Held<T> = state.path === path ? state : { path, loading: path !== null }
  return { data: current.data, error: current.error, loading: current.loading, reload }
}
