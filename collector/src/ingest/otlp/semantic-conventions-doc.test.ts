import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeJsonLogsRequest } from './decode-json.js'
import { processLogsRequest } from './process-logs-request.js'
import { AIMS_ATTRIBUTES } from '@aims-monitor/schema'

/** docs/semantic-conventions.md is normative: its example must map to the events it shows. */
const doc = readFileSync(new URL('../../../../docs/semantic-conventions.md', import.meta.url), 'utf8')

function jsonBlocksAfter(heading: string): string[] {
  const section = doc.slice(doc.indexOf(heading))
  return [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!)
}

describe('docs/semantic-conventions.md', () => {
  it('maps its OTLP/JSON example to exactly the native events it documents', () => {
    const [request, events] = jsonBlocksAfter('## Example')
    const result = processLogsRequest(decodeJsonLogsRequest(Buffer.from(request!)))
    expect(result.rejected).toEqual([])
    const documented = events!.trim().split(/\n(?=\{)/).map((text) => JSON.parse(text))
    expect(result.accepted).toEqual(documented)
  })

  it('lists every attribute the collector reads', () => {
    for (const name of Object.values(AIMS_ATTRIBUTES)) expect(doc).toContain(name.endsWith('.') ? `\`${name}<name>\`` : `\`${name}\``)
  })
})
