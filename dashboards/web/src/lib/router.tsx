// A small history router: the page and its state (model, range, feature, attribute, filters) live
// in the URL path and query, so every view is a link that can be shared. The collector answers
// index.html for any non-/v1 path, so a shared link opens directly.
import type { ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'

export interface Location {
  path: string
  query: URLSearchParams
  /** path + search: changes whenever the view's state does. */
  href: string
}

const listeners = new Set<() => void>()
const notify = () => listeners.forEach((listener) => listener())
window.addEventListener('popstate', notify)

function current(): Location {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search), href: window.location.pathname + window.location.search }
}

/** Go to `to` (a path with an optional query); `replace` for state tweaks that should not pile up in history. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === window.location.pathname + window.location.search) return
  if (options.replace) window.history.replaceState(null, '', to)
  else window.history.pushState(null, '', to)
  notify()
}

/** The current location; re-renders the caller when it changes. */
export function useLocation(): Location {
  const [location, setLocation] = useState(current)
  useEffect(() => {
    const listener = () => setLocation(current())
    listeners.add(listener)
    return () => void listeners.delete(listener)
  }, [])
  return location
}

/** The current path with some query parameters set (a value of undefined or '' removes it). */
export function withQuery(location: Location, patch: Record<string, string | undefined>, path = location.path): string {
  const query = new URLSearchParams(location.query)
  for (const [name, value] of Object.entries(patch)) {
    if (value === undefined || value === '') query.delete(name)
    else query.set(name, value)
  }
  const text = query.toString()
  return text === '' ? path : `${path}?${text}`
}

/** Keeps the shared view state (the time range) when moving to another page. */
export function keepRange(location: Location, path: string): string {
  const query = new URLSearchParams()
  for (const name of ['range', 'from', 'to']) {
    const value = location.query.get(name)
    if (value) query.set(name, value)
  }
  const text = query.toString()
  return text === '' ? path : `${path}?${text}`
}

interface LinkProps {
  href: string
  children?: ComponentChildren
  class?: string
  title?: string
  'aria-label'?: string
  'aria-current'?: 'page' | undefined
}

/** An ordinary link (open in a new tab works) that navigates in place on a plain click. */
export function Link({ href, children, ...rest }: LinkProps) {
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    event.preventDefault()
    navigate(href)
  }
  return <a href={href} onClick={onClick} {...rest}>{children}</a>
}
