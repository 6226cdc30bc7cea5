import { createHmac, timingSafeEqual } from 'node:crypto'

export const SIGNATURE_HEADER = 'x-aims-signature'
export const TIMESTAMP_HEADER = 'x-aims-timestamp'
export const DELIVERY_HEADER = 'x-aims-delivery'

/** `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`: the timestamp is signed so a captured message cannot be replayed later. */
export function webhookSignature(body: string | Uint8Array, secret: string, timestampSeconds: number): string {
  const hmac = createHmac('sha256', secret)
  hmac.update(`${timestampSeconds}.`)
  hmac.update(body)
  return `sha256=${hmac.digest('hex')}`
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>

/**
 * For receivers: true when `body` (the raw bytes received, before any JSON parsing) carries a valid
 * X-AIMS-Signature for `secret` and its X-AIMS-Timestamp is within `toleranceSeconds` of now.
 * Compares in constant time. Accepts Node's `req.headers` or a fetch `Headers`.
 *
 * @example
 *   // express: app.post('/aims', express.raw({ type: 'application/json' }), (req, res) => {
 *   if (!verifyWebhookSignature(req.body, req.headers, process.env.AIMS_WEBHOOK_SECRET!)) return res.sendStatus(401)
 */
export function verifyWebhookSignature(
  body: string | Uint8Array,
  headers: HeaderSource,
  secret: string,
  toleranceSeconds = 300,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  const timestampText = header(headers, TIMESTAMP_HEADER)
  const signature = header(headers, SIGNATURE_HEADER)
  if (timestampText === undefined || signature === undefined || !/^\d{1,15}$/.test(timestampText)) return false
  const timestamp = Number(timestampText)
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false
  const expected = Buffer.from(webhookSignature(body, secret, timestamp))
  const received = Buffer.from(signature)
  // timingSafeEqual needs equal lengths; the length of a well-formed signature is public anyway.
  return expected.length === received.length && timingSafeEqual(expected, received)
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined
  const value = headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1]
  return Array.isArray(value) ? value[0] : value
}
