// What governance declared for a control: rationale, owner, thresholds, references, scope, windows.
import type { ComponentChildren } from 'preact'
import type { PolicyControl } from '../api/types.js'
import { formatDuration, formatValue } from '../lib/format.js'
import { ReferenceList } from './references.js'

/** `direction`: the one an evaluation was held to, for controls that leave it to the metric's default. */
export function ControlDetails({ control, direction: judged }: { control: PolicyControl; direction?: 'above' | 'below' | undefined }) {
  const t = control.thresholds
  const effective = t.direction ?? judged
  const direction = effective === 'below' ? 'lower is worse' : effective === 'above' ? 'higher is worse' : 'the metric\'s default direction'
  const reference = control.window.reference
  return (
    <dl class="facts">
      {control.description && <Fact name="Description">{control.description}</Fact>}
      <Fact name="Thresholds">warn {t.warn === undefined ? '—' : formatValue(t.warn)}, breach {formatValue(t.breach)} ({direction})</Fact>
      <Fact name="Rationale">{t.rationale}</Fact>
      <Fact name="Owner">accountable: {control.owner.accountable}; responsible: {control.owner.responsible}</Fact>
      <Fact name="References"><ReferenceList references={control.references} /></Fact>
      <Fact name="Scope">model <code>{control.scope.model}</code>{control.scope.versions ? `, versions ${control.scope.versions.join(', ')}` : ''}{control.scope.environment ? `, ${control.scope.environment}` : ''}</Fact>
      <Fact name="Metric">{control.metric.kind} / {control.metric.name}{Object.keys(control.metric.params ?? {}).length > 0 && <> ({Object.entries(control.metric.params).map(([k, v]) => `${k}=${String(v)}`).join(', ')})</>}</Fact>
      {(control.selector.features || control.selector.attribute) && (
        <Fact name="Selector">{control.selector.features ? `features ${control.selector.features.join(', ')}` : ''}{control.selector.attribute ? `attribute ${control.selector.attribute}` : ''}</Fact>
      )}
      <Fact name="Window">
        {control.window.current.type} {formatDuration(control.window.current.size)}
        {control.window.current.step ? ` every ${formatDuration(control.window.current.step)}` : ''}
        {reference?.dataset ? `, against reference data set ${reference.dataset}` : reference?.window ? `, against the window ${formatDuration(reference.window.offset)} earlier` : ''}
        {control.window.labelDelay ? `, label delay ${formatDuration(control.window.labelDelay)}` : ''}
      </Fact>
      {control.guard && <Fact name="Statistical guard">at least {control.guard.minSample} samples, {control.guard.minPerGroup} per group</Fact>}
      <Fact name="Schedule">{control.schedule.every ? `every ${formatDuration(control.schedule.every)}` : `cron ${control.schedule.cron}${control.schedule.timezone ? ` (${control.schedule.timezone})` : ''}`}</Fact>
      <Fact name="Approval">{control.approval.by}, {control.approval.at} ({control.approval.reference})</Fact>
      {control.response?.runbook && <Fact name="Runbook">{isHttpUrl(control.response.runbook)
        ? <a href={control.response.runbook} rel="noreferrer noopener" target="_blank">{control.response.runbook}</a>
        : <code>{control.response.runbook}</code>}</Fact>}
    </dl>
  )
}

/**
 * The policy schema admits only http(s) runbooks; this holds the line here too (Preact, unlike React,
 * does not neutralise a `javascript:` href), whatever a future policy source lets through.
 */
function isHttpUrl(text: string): boolean {
  try {
    const protocol = new URL(text).protocol
    return protocol === 'http:' || protocol === 'https:'
  } catch {
    // Not a URL at all: shown as text, not as a link.
    return false
  }
}

function Fact({ name, children }: { name: string; children: ComponentChildren }) {
  return <div><dt>{name}</dt><dd>{children}</dd></div>
}
