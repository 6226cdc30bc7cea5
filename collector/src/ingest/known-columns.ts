import { parseColumnName, type ColumnSpec } from '@aims-monitor/store/encoding'

/** One model's feature and attribute columns (the base columns every table has are left out). */
export interface ModelColumns {
  project: string
  modelId: string
  columns: ColumnSpec[]
}

/**
 * The feature and attribute columns each model's table has or is about to have: the store's tables
 * when the collector starts, the segments the spool recovered, and every chunk spooled since. Why:
 * the column limit (`maxColumnsPerModel`) is counted by each encoder (one per ingest worker, and the
 * spool's own) from what it has seen; alone, each would count from zero after a restart, and count
 * only its own share of a model's columns while several workers take its events. Shared from here
 * (BatchEncoder.learnColumns), every encoder counts the table's columns. Main thread only.
 */
export class KnownColumns {
  private readonly models = new Map<string, { project: string; modelId: string; columns: Map<string, ColumnSpec> }>()

  /** Adds a model's columns (base columns are ignored); returns those it did not know. */
  add(project: string, modelId: string, columns: readonly ColumnSpec[]): ColumnSpec[] {
    const key = `${project}\u0000${modelId}`
    let model = this.models.get(key)
    if (model === undefined) {
      model = { project, modelId, columns: new Map() }
      this.models.set(key, model)
    }
    const added: ColumnSpec[] = []
    for (const column of columns) {
      if (model.columns.has(column.name) || parseColumnName(column.name).role === 'base') continue
      model.columns.set(column.name, column)
      added.push(column)
    }
    return added
  }

  /** Every model's columns, for an encoder that starts now (a new or restarted ingest worker). */
  entries(): ModelColumns[] {
    return [...this.models.values()].map(({ project, modelId, columns }) => ({ project, modelId, columns: [...columns.values()] }))
  }
}
