import { Link, type Location } from '../lib/router.js'

export function NotFoundPage({ location }: { location: Location }) {
  return (
    <section>
      <h1 tabIndex={-1}>Page not found</h1>
      <p>Nothing lives at <code>{location.path}</code>. <Link href="/">Back to the overview</Link>.</p>
    </section>
  )
}
