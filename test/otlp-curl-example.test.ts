import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCollectorFixture, type CollectorFixture } from './support/collector-fixture.js'

// examples/otlp-curl/README.md documents sending events with plain OTLP/HTTP JSON and curl. This
// test reads the command from the README and sends exactly its body (with $NOW expanded as the
// shell would), so the documentation cannot drift from what the collector accepts.
const README = readFileSync(fileURLToPath(new URL('../examples/otlp-curl/README.md', import.meta.url)), 'utf8')

/** The documented command: the ```sh block that POSTs to /v1/logs with a here-document body. */
function documentedCommand() {
  const block = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('/v1/logs') && b.includes('<<EOF'))
  if (!block) throw new Error('examples/otlp-curl/README.md has no ```sh block with the curl command to /v1/logs')
  const heredoc = /--data-binary @- <<EOF\n([\s\S]*?)\nEOF\n/.exec(block)
  if (!heredoc) throw new Error('the curl command has no `--data-binary @- <<EOF … EOF` body')
  return { block, body: heredoc[1]! }
}

describe('examples/otlp-curl: the documented curl command', () => {
  let c: CollectorFixture
  let body: string

  beforeAll(async () => {
    c = await startCollectorFixture()
  })
  afterAll(async () => {
    await c?.close()
  })

  it('is a POST of OTLP JSON to /v1/logs with a bearer key, its timestamps set to now', () => {
    const command = documentedCommand()
    expect(command.block).toMatch(/^NOW=\$\(date \+%s\)000000000 /m)
    expect(command.block).toContain('curl -sS http://127.0.0.1:4318/v1/logs')
    expect(command.block).toContain('-H "Authorization: Bearer $AIMS_API_KEY"')
    expect(command.block).toContain("-H 'Content-Type: application/json'")
    // The shell expands $NOW in the unquoted here-document, and nothing else may need expanding.
    expect(command.body.replaceAll('$NOW', '')).not.toMatch(/[$`\\]/)
    body = command.body.replaceAll('$NOW', `${Math.floor(Date.now() / 1000)}000000000`)
    expect(() => JSON.parse(body)).not.toThrow()
  })

  it('is accepted whole (`{}`), and stores two predictions and one outcome of credit-risk', async () => {
    const res = await c.post('/v1/logs', body, { headers: { 'content-type': 'application/json' } })
    expect(res.status, res.text).toBe(200)
    expect(res.json).toEqual({})
    const model = (await c.getModels()).models.find((m) => m.id === 'credit-risk')
    expect(model).toMatchObject({ predictionCount: 2, outcomeCount: 1, versions: [expect.objectContaining({ version: '2.3.1' })] })
  })

  it('answers a bad record as the README says: 200 with partialSuccess naming it, the others stored', async () => {
    const bad = body.replace('{ "key": "aims.output.score", "value": { "doubleValue": 0.23 } }', '{ "key": "aims.output.score", "value": { "stringValue": "0.23" } }')
    expect(bad).not.toBe(body)
    const res = await c.post('/v1/logs', bad, { headers: { 'content-type': 'application/json' } })
    expect(res.status, res.text).toBe(200)
    expect(res.json.partialSuccess.rejectedLogRecords).toBe('1')
    expect(res.json.partialSuccess.errorMessage).toMatch(/^1 of 3 log records rejected: resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[1\]: aims\.output\.score/)
  })
})
