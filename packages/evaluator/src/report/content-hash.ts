import { createHash } from 'node:crypto'
import { canonicalJson } from '@aims-monitor/store'
import type { ReportData } from './report-data.js'

/**
 * The report's content hash: sha256 of the canonical JSON (RFC 8785) of everything but the hash, so
 * anyone holding the JSON can recompute it, and the Markdown, HTML and PDF renderings of the same
 * data print the same value.
 *
 * @example
 * reportContentHash(report) === report.contentHash // true for an unaltered report
 */
export function reportContentHash(report: Omit<ReportData, 'contentHash'> & { contentHash?: string }): string {
  const { contentHash: _ignored, ...content } = report
  return createHash('sha256').update(canonicalJson(content)).digest('hex')
}
