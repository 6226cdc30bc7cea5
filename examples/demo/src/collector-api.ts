import { readFile } from 'node:fs/promises'

/** The collector answered with an unexpected status. */
export class CollectorApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
    this.name = 'CollectorApiError'
  }
}

export type ControlOutcome = 'pass' | 'warn' | 'breach' | 'insufficient_data' | 'error'

/** The part of `GET /v1/controls` the demo prints (docs/api.md). */
export interface ControlStatus {
  id: string
  title: string
  severity: string
  scope: { model: string }
  metric: { kind: string; name: string }
  latest: { outcome: ControlOutcome; value: number | null; reason?: string | null; evaluatedAt: string; window: { from: string; to: string } } | null
  openAlerts: Array<{ id: string; state: string; level: string }>
}

/** The few collector endpoints the demo calls, with the admin key. */
export class CollectorApi {
  constructor(
    private readonly url: string,
    private readonly apiKey: string,
  ) {}

  /**
   * Imports a CSV file as a reference data set (`POST /v1/models/:model/references`, what
   * `aims reference import --url` does). Re-running with the same file and id is accepted.
   */
  async importReference(model: string, id: string, csvFile: string, features: readonly string[]): Promise<{ id: string; rowCount: number; sha256: string }> {
    const body = await readFile(csvFile)
    // The features are named: before its first prediction, the collector does not know the model's.
    const query = new URLSearchParams({ id, features: features.join(','), source: 'hour.csv (January 2011)' })
    const res = await this.request('POST', `/v1/models/${encodeURIComponent(model)}/references?${query}`, body, 'text/csv')
    return (res as { reference: { id: string; rowCount: number; sha256: string } }).reference
  }

  async controls(): Promise<ControlStatus[]> {
    return ((await this.request('GET', '/v1/controls')) as { controls: ControlStatus[] }).controls
  }

  private async request(method: 'GET' | 'POST', path: string, body?: Buffer, contentType?: string): Promise<unknown> {
    const res = await fetch(this.url + path, {
      method,
      headers: { authorization: `Bearer ${this.apiKey}`, ...(contentType ? { 'content-type': contentType } : {}) },
      body: body ?? null,
      signal: AbortSignal.timeout(60_000),
    })
    const text = await res.text()
    if (res.status < 200 || res.status >= 300) throw new CollectorApiError(res.status, `${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`)
    return JSON.parse(text) as unknown
  }
}
