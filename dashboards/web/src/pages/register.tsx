// The model register (ISO/IEC 42001 A.9.4): every AI system the policy registers, the collector has
// seen or a control names, with owner, intended use, versions and the controls that cover it.
import type { ModelRegister, RegisterEntry, RegisterFlag } from '../api/governance-types.js'
import { useApi } from '../api/use-api.js'
import { Empty, ErrorMessage, Loading } from '../components/states.js'
import { StatusBadge } from '../components/status-badge.js'
import { formatCount, formatTime } from '../lib/format.js'
import { Link, type Location } from '../lib/router.js'

const FLAG_TEXT: Record<RegisterFlag, { label: string; why: string }> = {
  unregistered: { label: 'Unregistered', why: 'Not in the policy\'s models: no owner or intended use is declared for it.' },
  never_seen: { label: 'Never seen', why: 'The collector holds no event of this model.' },
  uncontrolled: { label: 'No active control', why: 'No active control of the policy monitors this model.' },
}

export function RegisterPage(_props: { location: Location }) {
  const register = useApi<ModelRegister>('/v1/register?wait=0')
  const models = register.data?.models ?? []
  return (
    <section data-ready={String(!register.loading)}>
      <div class="page-head"><h1 tabIndex={-1}>Model register</h1></div>
      {register.error && <ErrorMessage error={register.error} what="the model register" onRetry={register.reload} />}
      {!register.data && register.loading && <Loading what="the model register" />}
      {register.data && (
        <>
          <p class="muted">
            {register.data.policy
              ? <>Registered entries from policy <strong>{register.data.policy.name}</strong> version {String(register.data.policy.version)}; versions and events from the store.</>
              : <>No policy is loaded: models are listed as the store has seen them, none registered.</>}
            {' '}{countFlag(models, 'unregistered')} unregistered · {countFlag(models, 'uncontrolled')} without an active control.
          </p>
          {models.length === 0 && <Empty title="No models in this project yet.">Models appear when the policy registers them or their first events arrive.</Empty>}
          <ul class="control-list" data-testid="register-list">
            {models.map((model) => <RegisterCard key={model.id} model={model} />)}
          </ul>
        </>
      )}
    </section>
  )
}

function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`
}

function countFlag(models: RegisterEntry[], flag: RegisterFlag): number {
  return models.filter((m) => m.flags.includes(flag)).length
}

function RegisterCard({ model }: { model: RegisterEntry }) {
  return (
    <li class={`control-entry register-entry${model.flags.includes('unregistered') ? ' flagged' : ''}`} data-model={model.id} data-flags={model.flags.join(' ')}>
      <h2>
        {model.seen ? <Link href={`/models/${encodeURIComponent(model.id)}`}>{model.id}</Link> : <code>{model.id}</code>}
        {model.riskClass && <span class="tag">{model.riskClass}</span>}
        {model.lifecycle && <span class="tag">{model.lifecycle}</span>}
        {model.flags.map((flag) => <span key={flag} class={`tag flag flag-${flag}`} title={FLAG_TEXT[flag].why}>{FLAG_TEXT[flag].label}</span>)}
      </h2>
      <dl class="facts">
        <div><dt>Owner</dt><dd>{model.owner ? <>{model.owner.accountable} (accountable) · {model.owner.responsible} (responsible)</> : '—'}</dd></div>
        <div><dt>Intended use</dt><dd data-testid="intended-use">{model.intendedUse ?? '— (not registered)'}</dd></div>
        {model.description && <div><dt>Description</dt><dd>{model.description}</dd></div>}
        <div><dt>Events</dt><dd>{model.seen ? <>{plural(model.predictionCount, 'prediction')}, {plural(model.outcomeCount, 'outcome')}, {formatTime(model.firstEventAt)} → {formatTime(model.lastEventAt)}</> : 'none'}</dd></div>
      </dl>
      {model.versions.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="muted">Versions</caption>
            <thead><tr><th scope="col">Version</th><th scope="col" class="num">Predictions</th><th scope="col">First event</th><th scope="col">Last event</th></tr></thead>
            <tbody>
              {model.versions.map((v) => <tr key={v.version}><td><code>{v.version}</code></td><td class="num">{formatCount(v.predictionCount)}</td><td>{formatTime(v.firstEventAt)}</td><td>{formatTime(v.lastEventAt)}</td></tr>)}
            </tbody>
          </table>
        </div>
      )}
      {model.controls.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="muted">Controls covering it</caption>
            <thead><tr><th scope="col">Control</th><th scope="col">Status</th><th scope="col">Metric</th><th scope="col">Latest outcome</th></tr></thead>
            <tbody>
              {model.controls.map((c) => (
                <tr key={c.id} data-control={c.id}>
                  <td><Link href={`/controls/${encodeURIComponent(c.id)}`}>{c.id}</Link> <span class="title">{c.title}</span></td>
                  <td>{c.status}</td>
                  <td>{c.metric.kind} · {c.metric.name}</td>
                  <td><StatusBadge outcome={c.latest?.outcome} />{c.latest && <> <Link href={`/evaluations/${c.latest.evaluationId}`}>{formatTime(c.latest.evaluatedAt)}</Link></>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </li>
  )
}
