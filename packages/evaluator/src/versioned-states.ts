import { queryRows, type Store } from '@aims-monitor/store'

/**
 * Reads a table of versioned states (`id`, `version`, `state_json`: one row per change, history
 * kept), as `alerts` and `nonconformities` are: the current state of each id is its highest version.
 */
export class VersionedStates<T extends { readonly openedAt: string }> {
  constructor(private readonly store: Store, private readonly table: string) {}

  /** Current state of each id matching `where` (bound values in `params`), newest opened first. */
  async latest(where: string, params: Record<string, unknown>): Promise<T[]> {
    const rows = await queryRows<{ state_json: string }>(this.store, {
      query: `SELECT state_json FROM ${this.store.table(this.table)} WHERE ${where} ORDER BY id, version DESC LIMIT 1 BY id`,
      params,
    })
    return rows.map((row) => JSON.parse(row.state_json) as T).sort((a, b) => b.openedAt.localeCompare(a.openedAt))
  }

  /** Every version of one id, oldest first. */
  async history(id: string): Promise<T[]> {
    const rows = await queryRows<{ state_json: string }>(this.store, {
      query: `SELECT state_json FROM ${this.store.table(this.table)} WHERE id = {id:UUID} ORDER BY version`,
      params: { id },
    })
    return rows.map((row) => JSON.parse(row.state_json) as T)
  }
}
