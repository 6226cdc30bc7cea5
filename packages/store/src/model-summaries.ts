import type { Store } from './open-store.js'

export interface ModelVersionSummary {
  version: string
  predictionCount: number
  firstEventAt: string
  lastEventAt: string
}

export interface ModelSummary {
  id: string
  versions: ModelVersionSummary[]
  predictionCount: number
  outcomeCount: number
  firstEventAt: string | null
  lastEventAt: string | null
}

/**
 * Every model of a project with its versions, prediction and outcome counts and first and last event
 * times. Counts read FINAL, so an event retried before a background merge still counts once.
 */
export async function listModelSummaries(store: Store, project: string): Promise<ModelSummary[]> {
  const models = await (
    await store.client.query({
      query: `SELECT model_id, any(predictions_table) AS predictions_table FROM ${store.table('models')} FINAL
              WHERE project = {project:String} GROUP BY model_id ORDER BY model_id`,
      query_params: { project },
      format: 'JSONEachRow',
    })
  ).json<{ model_id: string; predictions_table: string }>()
  if (models.length === 0) return []
  const outcomeRows = await (
    await store.client.query({
      query: `SELECT model_id, count() AS n, toUnixTimestamp64Milli(min(ts)) AS first, toUnixTimestamp64Milli(max(ts)) AS last FROM ${store.table('outcomes')} FINAL
              WHERE project = {project:String} GROUP BY model_id`,
      query_params: { project },
      format: 'JSONEachRow',
    })
  ).json<{ model_id: string; n: string; first: string; last: string }>()
  const outcomes = new Map(outcomeRows.map((r) => [r.model_id, r]))
  const summaries: ModelSummary[] = []
  for (const model of models) {
    const versions = await (
      await store.client.query({
        query: `SELECT model_version, count() AS n, toUnixTimestamp64Milli(min(ts)) AS first, toUnixTimestamp64Milli(max(ts)) AS last
                FROM ${store.table(model.predictions_table)} FINAL GROUP BY model_version ORDER BY min(ts)`,
        format: 'JSONEachRow',
      })
    ).json<{ model_version: string; n: string; first: string; last: string }>()
    const outcome = outcomes.get(model.model_id)
    const times = [...versions.flatMap((v) => [v.first, v.last]), ...(outcome ? [outcome.first, outcome.last] : [])].map(toIso).sort()
    summaries.push({
      id: model.model_id,
      versions: versions.map((v) => ({
        version: v.model_version,
        predictionCount: Number(v.n),
        firstEventAt: toIso(v.first),
        lastEventAt: toIso(v.last),
      })),
      predictionCount: versions.reduce((sum, v) => sum + Number(v.n), 0),
      outcomeCount: outcome ? Number(outcome.n) : 0,
      firstEventAt: times[0] ?? null,
      lastEventAt: times[times.length - 1] ?? null,
    })
  }
  return summaries
}

/** Times are read as epoch milliseconds so the server's time zone never matters. */
function toIso(epochMs: string): string {
  return new Date(Number(epochMs)).toISOString()
}
