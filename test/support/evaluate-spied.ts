import { loadPolicy } from '@aims-monitor/controls'
import { Evaluator, type ControlEvaluation } from '@aims-monitor/evaluator'
import type { Store } from '@aims-monitor/store'

/** What {@link evaluateSpied} saw: every statement's text, in order, and the results by control id. */
export interface SpiedEvaluation {
  readonly queries: string[]
  readonly results: Map<string, ControlEvaluation>
}

/**
 * Evaluates a policy (its YAML text) at `at` with `store.client.query` spied on, for tests that
 * check which statements an evaluation ran as well as what it found.
 */
export async function evaluateSpied(store: Store, yaml: string, name: string, at: number): Promise<SpiedEvaluation> {
  const loaded = loadPolicy(yaml, `${name}.yaml`)
  if (!loaded.ok) throw new Error(`policy rejected: ${JSON.stringify(loaded.problems)}`)
  const evaluator = new Evaluator({ store, policy: loaded })
  const queries: string[] = []
  const client = store.client
  const original = client.query
  client.query = ((params: Parameters<typeof original>[0]) => {
    queries.push(params.query)
    return original.call(client, params)
  }) as typeof original
  try {
    const results = await evaluator.evaluate({ at })
    return { queries, results: new Map(results.map((r) => [r.controlId, r])) }
  } finally {
    client.query = original
    await evaluator.stop()
  }
}
