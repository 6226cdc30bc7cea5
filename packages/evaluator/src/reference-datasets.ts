import type { Store } from '@aims-monitor/store'
import type { ReferenceDataset } from './reference-dataset.js'
import { importReferenceDataset, type ImportReferenceOptions } from './reference-import.js'
import { readReferenceDatasets } from './reference-registry.js'

/** The reference data sets of a store: registered ones read from the registry, new ones imported. */
export class ReferenceDatasets {
  constructor(private readonly store: Store) {}

  /** The data set, or null when no import registered this (project, model, id). */
  async get(project: string, modelId: string, id: string): Promise<ReferenceDataset | null> {
    const [dataset] = await readReferenceDatasets(this.store, { project, modelId, id })
    return dataset ?? null
  }

  /** A project's data sets (of one model when given), by model, then creation time, then id. */
  async list(project: string, modelId?: string): Promise<ReferenceDataset[]> {
    return readReferenceDatasets(this.store, { project, modelId })
  }

  /** See {@link importReferenceDataset}. */
  async import(options: ImportReferenceOptions): Promise<ReferenceDataset> {
    return importReferenceDataset(this.store, options)
  }
}
