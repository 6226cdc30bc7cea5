import { mkdtemp, rm } from 'node:fs/promises'
import { createWriteStream } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Router } from 'express'
import { z } from 'zod'
import { ReferenceImportError, type ReferenceDatasets, type ReferenceImportErrorCode } from '@aims-monitor/evaluator'
import type { ApiKeyRepository } from '@aims-monitor/store'
import { requireScope } from '../auth/authenticate.js'
import { HttpError } from '../http/http-error.js'
import type { AuditRecorder } from '../audit-recorder.js'
import { parseOr400 } from './governance-request.js'

const list = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
const importQuery = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'expected 1-128 letters, digits, ".", "_" or "-"').optional(),
  features: list.optional(),
  attributes: list.optional(),
  /** The file name the data came from (lineage). */
  source: z.string().min(1).max(300).optional(),
})

/** Every refusal is the client's file or options (422/400), except a taken id (409). */
const STATUS_OF: Record<ReferenceImportErrorCode, number> = {
  invalid_options: 400, unreadable_file: 422, empty_file: 422, bad_file: 422, bad_values: 422,
  missing_column: 422, no_columns: 422, conflict: 409, unsupported_format: 415,
}

const FORMAT_OF: Record<string, 'csv' | 'parquet'> = {
  'text/csv': 'csv',
  'application/vnd.apache.parquet': 'parquet',
  'application/x-parquet': 'parquet',
}

/**
 * Reference data sets of a model: import (admin scope; the body is the CSV or Parquet file itself,
 * streamed to a temporary file and read from there, so its size is bounded by disk, not memory)
 * and list (read scope).
 */
export function referencesRoute(deps: { keys: ApiKeyRepository; references: ReferenceDatasets; maxReferenceBytes: number; audit: AuditRecorder }): Router {
  const router = Router()
  router.get('/v1/models/:model/references', requireScope(deps.keys, 'read'), async (req, res) => {
    res.json({ references: await deps.references.list(req.project!, String(req.params.model)) })
  })
  router.post('/v1/models/:model/references', requireScope(deps.keys, 'admin'), async (req, res) => {
    const query = parseOr400(importQuery, req.query, 'invalid_reference_request')
    const contentType = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
    const format = FORMAT_OF[contentType]
    if (!format) throw new HttpError(415, 'unsupported_media_type', `send the reference as text/csv or application/vnd.apache.parquet, not ${contentType || 'no content type'}`)
    const length = Number(req.headers['content-length'] ?? 0)
    if (length > deps.maxReferenceBytes) throw new HttpError(413, 'payload_too_large', `the reference file is ${length} bytes; the limit is ${deps.maxReferenceBytes}`)
    const dir = await mkdtemp(path.join(tmpdir(), 'aims-reference-'))
    try {
      const file = path.join(dir, `upload.${format}`)
      let received = 0
      req.on('data', (chunk: Buffer) => {
        received += chunk.length
        if (received > deps.maxReferenceBytes) req.destroy(new HttpError(413, 'payload_too_large', `the reference file exceeds ${deps.maxReferenceBytes} bytes`))
      })
      await pipeline(req, createWriteStream(file))
      const dataset = await deps.references.import({
        project: req.project!, modelId: String(req.params.model), file, format,
        id: query.id, features: query.features, attributes: query.attributes,
        createdBy: req.apiKey!.name, sourceName: query.source ?? `upload.${format}`,
      }).catch((error: unknown) => {
        if (error instanceof ReferenceImportError) throw new HttpError(STATUS_OF[error.code], error.code, error.message, { cause: error })
        throw error
      })
      await deps.audit(req, 'reference.imported', dataset.id, { model: dataset.modelId, sha256: dataset.sha256, rows: dataset.rowCount })
      res.status(201).json({ reference: dataset })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
  return router
}
