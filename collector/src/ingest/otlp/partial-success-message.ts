import { formatLocation, type RecordRejection } from './process-logs-request.js'

/** Records described in a partial-success message; the rest are counted. */
const MAX_RECORDS_DESCRIBED = 5
/** Errors described per record. */
const MAX_ERRORS_PER_RECORD = 3

/**
 * The developer-facing `errorMessage` of an ExportLogsPartialSuccess: for the first few rejected
 * records, where each is in the request and why (attribute and message), then how many more.
 * Exporters log it, so it has to say what to fix without the collector's log.
 */
export function partialSuccessMessage(rejected: readonly RecordRejection[], total: number): string {
  const described = rejected.slice(0, MAX_RECORDS_DESCRIBED).map((r) => {
    const errors = r.errors.slice(0, MAX_ERRORS_PER_RECORD).map((e) => (e.path === '' ? e.message : `${e.path}: ${e.message}`))
    if (r.errors.length > MAX_ERRORS_PER_RECORD) errors.push(`and ${r.errors.length - MAX_ERRORS_PER_RECORD} more errors`)
    return `${formatLocation(r.location)}: ${errors.join('; ')}`
  })
  const more = rejected.length > MAX_RECORDS_DESCRIBED ? ` … and ${rejected.length - MAX_RECORDS_DESCRIBED} more rejected records` : ''
  return `${rejected.length} of ${total} log records rejected: ${described.join(' | ')}${more}`
}
