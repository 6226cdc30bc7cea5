import { OtlpDecodeError } from './otlp-decode-error.js'
import type { OtlpAnyValue, OtlpKeyValue, OtlpLogsRequest } from './otlp-model.js'

/**
 * AnyValues nested deeper than this (arrays and kvlists in arrays and kvlists…) make the request
 * undecodable, whatever its encoding, so JSON and protobuf senders meet the same rule. AIMS reads
 * scalars only; the bound is there so no body can make the collector recurse without limit.
 */
export const MAX_ANY_VALUE_DEPTH = 32

/** Throws OtlpDecodeError when an attribute of any resource or record nests deeper than the bound. */
export function checkAnyValueDepth(request: OtlpLogsRequest): void {
  for (const resource of request.resourceLogs) {
    checkList(resource.resourceAttributes, 1)
    for (const scope of resource.scopeLogs) for (const record of scope.logRecords) checkList(record.attributes, 1)
  }
}

/**
 * Throws OtlpDecodeError for an array or kvlist at `depth` (a record's attribute value is at 1) when
 * that is past the bound; the protobuf decoder calls it while reading, the JSON one after parsing.
 */
export function checkNestingDepth(depth: number): void {
  if (depth >= MAX_ANY_VALUE_DEPTH) throw new OtlpDecodeError(`an attribute value nests arrays or kvlists more than ${MAX_ANY_VALUE_DEPTH} levels deep`)
}

function checkList(list: readonly OtlpKeyValue[], depth: number): void {
  for (const kv of list) checkValue(kv.value, depth)
}

function checkValue(value: OtlpAnyValue, depth: number): void {
  if (value.kind !== 'array' && value.kind !== 'kvlist') return
  checkNestingDepth(depth)
  if (value.kind === 'array') for (const v of value.values) checkValue(v, depth + 1)
  else checkList(value.values, depth + 1)
}
