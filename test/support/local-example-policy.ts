import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The annotated example policy users copy from. */
export const EXAMPLE_POLICY = fileURLToPath(new URL('../../examples/policies/credit-risk.yaml', import.meta.url))

/**
 * Writes into `dir` a copy of examples/policies/credit-risk.yaml whose notifiers point at a closed
 * local port (tests never send traffic beyond 127.0.0.1), and sets the environment variables its
 * notifiers name, so a collector can load it. Controls, register and exclusions are the file's own.
 * Returns the copy's path.
 */
export function localExamplePolicy(dir: string): string {
  const text = readFileSync(EXAMPLE_POLICY, 'utf8')
    .replace('https://governance.example.org/hooks/aims', 'http://127.0.0.1:9/hooks/aims')
    .replace('host: smtp.example.org', 'host: 127.0.0.1')
    .replace('port: 587', 'port: 9')
    .replace('url: http://127.0.0.1:9093', 'url: http://127.0.0.1:9')
    .replace('routingKeyEnv: PAGERDUTY_ROUTING_KEY', 'routingKeyEnv: PAGERDUTY_ROUTING_KEY\n    url: http://127.0.0.1:9/v2/enqueue')
  if (/example\.org\/hooks|smtp\.example|:9093|routingKeyEnv: PAGERDUTY_ROUTING_KEY\n(?! {4}url)/.test(text)) throw new Error('the example policy changed: point every notifier of the copy at 127.0.0.1')
  const file = path.join(dir, 'credit-risk-local.yaml')
  writeFileSync(file, text)
  Object.assign(process.env, {
    AIMS_GOVERNANCE_WEBHOOK_SECRET: 'governance-test-secret', SLACK_MODEL_RISK_WEBHOOK_URL: 'http://127.0.0.1:9/slack',
    AIMS_SMTP_USER: 'aims', AIMS_SMTP_PASSWORD: 'aims', PAGERDUTY_ROUTING_KEY: 'governance-test-routing-key',
  })
  return file
}
