import { describe, expect, it } from 'vitest'
import { LIMITS } from '@aims-monitor/schema'
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer'
import { encodeExportLogsResponse } from './encode-export-response.js'
import { encodeStatus, rpcCodeForHttpStatus } from './encode-status.js'
import type { OtlpAnyValue, OtlpKeyValue, OtlpLogRecord, OtlpLogsRequest } from './otlp-model.js'
import { otlpProtoTypes } from './otlp-proto-root.js'
import { partialSuccessMessage } from './partial-success-message.js'
import { processLogsRequest } from './process-logs-request.js'

const str = (value: string): OtlpAnyValue => ({ kind: 'string', value })
const dbl = (value: number): OtlpAnyValue => ({ kind: 'double', value })
const attrs = (object: Record<string, OtlpAnyValue>): OtlpKeyValue[] => Object.entries(object).map(([key, value]) => ({ key, value }))
const NOW_NANOS = BigInt(Date.now()) * 1_000_000n

function prediction(id: string, extra: Record<string, OtlpAnyValue> = {}, over: Partial<OtlpLogRecord> = {}): OtlpLogRecord {
  return {
    timeUnixNano: NOW_NANOS,
    observedTimeUnixNano: 0n,
    eventName: 'aims.prediction',
    attributes: attrs({ 'aims.prediction.id': str(id), 'aims.output.score': dbl(0.5), ...extra }),
    traceId: '',
    spanId: '',
    ...over,
  }
}

const resource = attrs({ 'aims.model.id': str('credit'), 'aims.model.version': str('1') })

describe('processLogsRequest', () => {
  it('accepts valid records and rejects the rest per record, with wire-schema rules and OTLP names', () => {
    const request: OtlpLogsRequest = {
      resourceLogs: [
        {
          resourceAttributes: resource,
          scopeLogs: [
            { logRecords: [prediction('a'), prediction('b', { 'aims.output.score': dbl(NaN) }), prediction('c', {}, { eventName: 'http.request' })] },
            { logRecords: [prediction('a'), prediction('d', { 'aims.feature.region': str('x'.repeat(LIMITS.maxStringValueLength + 1)) })] },
          ],
        },
        {
          resourceAttributes: [],
          scopeLogs: [{ logRecords: [prediction('e', {}, { timeUnixNano: NOW_NANOS + 3_600_000_000_000n }), prediction('f', { 'aims.model.id': str('m') })] }],
        },
      ],
    }
    const result = processLogsRequest(request)
    expect(result.total).toBe(7)
    expect(result.accepted.map((e) => (e.type === 'prediction' ? e.id : ''))).toEqual(['a'])
    expect(result.rejected).toEqual([
      { location: { resource: 0, scope: 0, record: 1 }, reason: 'invalid_event', errors: [{ path: 'aims.output.score', message: expect.stringContaining('finite') }] },
      { location: { resource: 0, scope: 0, record: 2 }, reason: 'not_aims_event', errors: [{ path: '', message: expect.stringContaining('not an AIMS event') }] },
      {
        location: { resource: 0, scope: 1, record: 0 },
        reason: 'duplicate_in_batch',
        errors: [{ path: 'aims.prediction.id', message: 'duplicate of the record at resourceLogs[0].scopeLogs[0].logRecords[0] in this request' }],
      },
      { location: { resource: 0, scope: 1, record: 1 }, reason: 'invalid_event', errors: [{ path: 'aims.feature.region', message: expect.stringContaining('at most') }] },
      { location: { resource: 1, scope: 0, record: 0 }, reason: 'invalid_event', errors: expect.arrayContaining([{ path: 'timeUnixNano', message: expect.stringContaining('in the future') }]) },
      { location: { resource: 1, scope: 0, record: 1 }, reason: 'invalid_event', errors: [{ path: 'aims.model.version', message: expect.stringContaining('required') }] },
    ])
  })

  it('explains rejections in a bounded partial-success message', () => {
    const records = Array.from({ length: 8 }, (_, i) => prediction(`p${i}`, {}, { eventName: `other.${i}` }))
    const { rejected, total } = processLogsRequest({ resourceLogs: [{ resourceAttributes: resource, scopeLogs: [{ logRecords: records }] }] })
    const message = partialSuccessMessage(rejected, total)
    expect(message).toMatch(/^8 of 8 log records rejected: resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[0\]: not an AIMS event: eventName is "other\.0"/)
    expect(message).toContain('logRecords[4]')
    expect(message).not.toContain('logRecords[5]')
    expect(message).toMatch(/and 3 more rejected records$/)
  })
})

describe('OTLP responses', () => {
  it('encodes ExportLogsServiceResponse in JSON and protobuf, readable by the official exporters', () => {
    expect(encodeExportLogsResponse('json').toString()).toBe('{}')
    expect(encodeExportLogsResponse('protobuf')).toHaveLength(0)
    const partial = { rejectedLogRecords: 3, errorMessage: 'three bad' }
    expect(JSON.parse(encodeExportLogsResponse('json', partial).toString())).toEqual({ partialSuccess: { rejectedLogRecords: '3', errorMessage: 'three bad' } })
    expect(ProtobufLogsSerializer.deserializeResponse(encodeExportLogsResponse('protobuf', partial))).toEqual({ partialSuccess: partial })
  })

  it('encodes google.rpc.Status for errors', () => {
    expect(JSON.parse(encodeStatus('json', 3, 'bad body').toString())).toEqual({ code: 3, message: 'bad body' })
    const status = otlpProtoTypes().status
    expect(status.toObject(status.decode(encodeStatus('protobuf', 16, 'no key')))).toEqual({ code: 16, message: 'no key' })
    expect([400, 401, 403, 413, 415, 503].map(rpcCodeForHttpStatus)).toEqual([3, 16, 7, 8, 3, 14])
  })
})
