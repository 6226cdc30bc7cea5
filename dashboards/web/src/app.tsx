// The shell: session check, sign-in, navigation and the page the URL names.
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError, api, onUnauthenticated } from './api/client.js'
import type { Session } from './api/types.js'
import { ErrorBoundary } from './components/error-boundary.js'
import { ErrorMessage, Loading } from './components/states.js'
import { Link, keepRange, navigate, useLocation, type Location } from './lib/router.js'
import { AlertsPage } from './pages/alerts.js'
import { ControlPage } from './pages/control.js'
import { ControlsPage } from './pages/controls.js'
import { EvaluationPage } from './pages/evaluation.js'
import { FairnessPage } from './pages/fairness.js'
import { ModelPage } from './pages/model.js'
import { NotFoundPage } from './pages/not-found.js'
import { OverviewPage } from './pages/overview.js'
import { SignInPage } from './pages/sign-in.js'
import { CoveragePage } from './pages/coverage.js'
import { NonconformitiesPage } from './pages/nonconformities.js'
import { NonconformityPage } from './pages/nonconformity.js'
import { RegisterPage } from './pages/register.js'

export function App() {
  const location = useLocation()
  // undefined while the session is checked; null when signed out.
  const [session, setSession] = useState<Session | null | undefined>(undefined)
  const [checkError, setCheckError] = useState<ApiError>()
  const [notice, setNotice] = useState<string>()

  const check = () => {
    setCheckError(undefined)
    api<Session>('/v1/session').then(setSession, (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) setSession(null)
      else setCheckError(error instanceof ApiError ? error : new ApiError(0, 'client', String(error)))
    })
  }
  useEffect(check, [])
  useEffect(() => onUnauthenticated(() => {
    setSession((current) => {
      if (current) setNotice('Your session has ended (it expired or its key was revoked): sign in again.')
      return null
    })
  }), [])

  if (checkError) return <main id="main"><h1>AIMS Monitor</h1><ErrorMessage error={checkError} what="the session" onRetry={check} /></main>
  if (session === undefined) return <main id="main"><Loading what="the dashboard" /></main>
  if (session === null) {
    return <SignInPage notice={notice} onSignedIn={(s) => {
      setNotice(undefined)
      setSession(s)
      if (location.path === '/signin') navigate('/', { replace: true })
    }} />
  }

  const signOut = async () => {
    try {
      await api('/v1/session', { method: 'DELETE' })
    } catch (error) {
      // Signed out locally either way; the cookie expires on its own if the server did not answer.
      setNotice(`Signed out here; the collector said: ${(error as Error).message}`)
    }
    setSession(null)
  }

  return <Shell location={location} session={session} onSignOut={signOut} />
}

function Shell({ location, session, onSignOut }: { location: Location; session: Session; onSignOut: () => void }) {
  const main = useRef<HTMLElement>(null)
  const firstRender = useRef(true)
  // Keyboard and screen-reader users land on the new page's heading after a navigation.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false
      return
    }
    window.scrollTo(0, 0)
    main.current?.querySelector<HTMLElement>('h1')?.focus()
  }, [location.path])
  useEffect(() => {
    if (location.path === '/signin') navigate('/', { replace: true })
  }, [location.path])

  const nav = [
    { href: '/', label: 'Overview', active: location.path === '/' || location.path.startsWith('/models') },
    { href: '/controls', label: 'Controls', active: location.path.startsWith('/controls') || location.path.startsWith('/evaluations') },
    { href: '/alerts', label: 'Alerts', active: location.path.startsWith('/alerts') },
    { href: '/nonconformities', label: 'Nonconformities', active: location.path.startsWith('/nonconformities') },
    { href: '/register', label: 'Register', active: location.path.startsWith('/register') },
    { href: '/coverage', label: 'Coverage', active: location.path.startsWith('/coverage') },
  ]
  return (
    <>
      <a class="skip-link" href="#main">Skip to content</a>
      <header class="top">
        <Link href={keepRange(location, '/')} class="brand">AIMS Monitor</Link>
        <nav aria-label="Main">
          <ul>
            {nav.map((item) => (
              <li key={item.href}><Link href={keepRange(location, item.href)} aria-current={item.active ? 'page' : undefined}>{item.label}</Link></li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span title={`scopes: ${session.scopes.join(', ')}`}>{session.keyName} · project {session.project}</span>
          <button type="button" class="secondary" onClick={onSignOut}>Sign out</button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <ErrorBoundary resetKey={location.path}>
          <Route location={location} session={session} />
        </ErrorBoundary>
      </main>
    </>
  )
}

function Route({ location, session }: { location: Location; session: Session }) {
  const path = location.path.replace(/\/+$/, '') || '/'
  const segments = path.split('/').filter(Boolean).map((s) => decodeURIComponent(s))
  if (path === '/' || path === '/signin') return <OverviewPage location={location} />
  if (segments[0] === 'models' && segments.length === 2) return <ModelPage location={location} model={segments[1]!} />
  if (segments[0] === 'models' && segments.length === 3 && segments[2] === 'fairness') return <FairnessPage location={location} model={segments[1]!} />
  if (path === '/controls') return <ControlsPage location={location} />
  if (segments[0] === 'controls' && segments.length === 2) return <ControlPage location={location} controlId={segments[1]!} />
  if (segments[0] === 'evaluations' && segments.length === 2) return <EvaluationPage location={location} evaluationId={segments[1]!} />
  if (path === '/alerts') return <AlertsPage location={location} session={session} />
  if (path === '/nonconformities') return <NonconformitiesPage location={location} session={session} />
  if (segments[0] === 'nonconformities' && segments.length === 2) return <NonconformityPage location={location} id={segments[1]!} session={session} />
  if (path === '/register') return <RegisterPage location={location} />
  if (path === '/coverage') return <CoveragePage location={location} />
  return <NotFoundPage location={location} />
}
