import { z } from 'zod'
import { CliError } from './cli-error.js'

const errorBody = z.object({ error: z.object({ code: z.string().optional(), message: z.string() }) })

/** A request to a running collector with a bearer key; a non-2xx answer becomes a CliError with the collector's message. */
export async function callCollector<T>(url: string, apiKey: string | undefined, method: string, route: string, body?: { json: unknown } | { raw: Buffer | NodeJS.ReadableStream; contentType: string }): Promise<T> {
  if (!apiKey) throw new CliError(`a collector at ${url} is needed for this: pass a key with --api-key or AIMS_API_KEY`)
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` }
  let payload: unknown = null
  if (body && 'json' in body) {
    headers['content-type'] = 'application/json'
    payload = JSON.stringify(body.json)
  } else if (body) {
    headers['content-type'] = body.contentType
    payload = body.raw
  }
  let response: Response
  try {
    response = await fetch(new URL(route, url), { method, headers, body: payload as RequestInit["body"], ...(body && 'raw' in body ? { duplex: 'half' } : {}) } as RequestInit)
  } catch (error) {
    throw new CliError(`cannot reach the collector at ${url}: ${(error as Error).message}`)
  }
  const json = (await response.json().catch(() => ({}))) as T
  if (!response.ok) {
    const parsed = errorBody.safeParse(json)
    throw new CliError(`the collector answered ${response.status}: ${parsed.success ? parsed.data.error.message : 'no details'}`)
  }
  return json
}
