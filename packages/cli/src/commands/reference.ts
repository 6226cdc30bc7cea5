import { createReadStream } from 'node:fs'
import { access, constants, stat } from 'node:fs/promises'
import path from 'node:path'
import type { Command } from 'commander'
import type { ReferenceDataset } from '@aims-monitor/evaluator'
import { CliError } from '../cli-error.js'
import { callCollector } from '../collector-client.js'
import { liveCollectorUrl } from '../key-manager.js'

interface ImportOptions {
  model: string
  file: string
  id?: string
  project: string
  features?: string
  attributes?: string
  data: string
  url?: string
  apiKey?: string
  json?: boolean
}

/**
 * `aims reference import --model <id> --file <csv|parquet>`: a fixed reference data set for drift
 * controls, stored with its SHA-256 and profile. Through the running collector when one holds the
 * data directory (or with --url), else directly on the store.
 */
export function registerReferenceCommand(program: Command): void {
  const reference = program.command('reference').description('reference data sets that drift controls compare with')
  reference
    .command('import')
    .description('import a CSV or Parquet file as a reference data set of a model')
    .requiredOption('-m, --model <id>', 'the model the reference belongs to')
    .requiredOption('-f, --file <path>', 'the CSV (with a header) or Parquet file')
    .option('--id <id>', 'id the policy cites (window.reference.dataset); default: file name and hash')
    .option('--project <project>', 'project of the model', 'default')
    .option('--features <names>', 'comma-separated file columns to import as features (default: those the model declares)')
    .option('--attributes <names>', 'comma-separated file columns to import as attributes (default: those the model declares)')
    .option('-d, --data <dir>', 'data directory of the embedded store', '.aims')
    .option('--url <url>', 'a running collector to import through')
    .option('--api-key <key>', 'admin key for the collector (default: AIMS_API_KEY)')
    .option('--json', 'print JSON')
    .action(async (options: ImportOptions) => {
      const file = path.resolve(options.file)
      await checkFile(file, options.file)
      const format = /\.(parquet|pq)$/i.test(file) ? 'parquet' : 'csv'
      const dataDir = path.resolve(options.data)
      const url = options.url ?? (process.env.AIMS_CLICKHOUSE_URL ? undefined : liveCollectorUrl(dataDir))
      const split = (s: string | undefined) => s?.split(',').map((x) => x.trim()).filter(Boolean)
      let dataset: ReferenceDataset
      if (url) {
        const query = new URLSearchParams({ source: path.basename(file), ...(options.id ? { id: options.id } : {}), ...(options.features ? { features: options.features } : {}), ...(options.attributes ? { attributes: options.attributes } : {}) })
        dataset = (await callCollector<{ reference: ReferenceDataset }>(url, options.apiKey ?? process.env.AIMS_API_KEY, 'POST', `/v1/models/${encodeURIComponent(options.model)}/references?${query}`, {
          raw: createReadStream(file), contentType: format === 'csv' ? 'text/csv' : 'application/vnd.apache.parquet',
        })).reference
      } else {
        const { ReferenceDatasets, ReferenceImportError } = await import('@aims-monitor/evaluator')
        const { openStore, storeConfigFromEnv } = await import('@aims-monitor/store')
        const store = await openStore(storeConfigFromEnv(process.env, { dataDir }))
        try {
          dataset = await new ReferenceDatasets(store).import({
            project: options.project, modelId: options.model, file, format, id: options.id,
            features: split(options.features), attributes: split(options.attributes), createdBy: `cli:${process.env.USER ?? 'unknown'}`,
          })
        } catch (error) {
          if (error instanceof ReferenceImportError) throw new CliError(error.message, 2)
          throw error
        } finally {
          await store.close()
        }
      }
      if (options.json) process.stdout.write(JSON.stringify(dataset) + '\n')
      else process.stdout.write(`imported reference ${dataset.id} of model ${dataset.modelId}: ${dataset.rowCount} rows, ${Object.keys(dataset.profile.columns).length} columns, sha256 ${dataset.sha256}\n`)
    })
}

/**
 * The file is checked before anything is sent: a stream of a missing file would fail inside the
 * request (an unhandled stream error with a stack trace) and one of a directory as "cannot reach
 * the collector", blaming the collector for the operator's path.
 */
async function checkFile(file: string, given: string): Promise<void> {
  let stats
  try {
    stats = await stat(file)
    await access(file, constants.R_OK)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new CliError(`--file ${given}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message}`, 2)
  }
  if (stats.isDirectory()) throw new CliError(`--file ${given}: it is a directory, not a CSV or Parquet file`, 2)
  if (!stats.isFile()) throw new CliError(`--file ${given}: not a regular file`, 2)
}
