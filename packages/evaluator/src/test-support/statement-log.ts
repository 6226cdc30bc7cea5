import type { Store } from '@aims-monitor/store'

/**
 * Records the text of every read statement the store's client runs from now on (tests that count
 * which scans a batch made); the returned array fills as statements run, and may be emptied.
 */
export function logStatements(store: Store): string[] {
  const statements: string[] = []
  const query = store.client.query.bind(store.client)
  store.client.query = ((params: { query: string }) => {
    statements.push(params.query)
    return query(params as Parameters<typeof query>[0])
  }) as typeof store.client.query
  return statements
}
