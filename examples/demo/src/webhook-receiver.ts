import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { verifyWebhookSignature, type AlertNotification } from '@aims-monitor/notify'

/** What a governance system would receive: the webhook body (docs/notifiers.md). */
export type WebhookAlert = AlertNotification & { type: 'aims.alert'; specVersion: number }

export interface WebhookReceiver {
  /** e.g. http://127.0.0.1:4319/aims-alerts */
  readonly url: string
  readonly port: number
  /** Alerts received with a valid signature. */
  readonly verified: number
  /** Requests refused: bad or missing signature, or not an alert. */
  readonly refused: number
  close(): Promise<void>
}

const MAX_BODY_BYTES = 1024 * 1024

/**
 * A stand-in for the governance system's webhook endpoint on 127.0.0.1: checks each message's
 * HMAC signature (X-AIMS-Signature over the raw body, with the shared secret) before trusting it,
 * then hands the alert to `onAlert`. Answers 204 to a verified alert, 401 to a bad signature (the
 * collector records the failed delivery and retries).
 *
 * @example
 * const receiver = await startWebhookReceiver({ port: 0, path: '/aims-alerts', secret, onAlert: (a) => console.log(a.summary), onRefused: console.error })
 */
export async function startWebhookReceiver(options: {
  port: number
  path: string
  secret: string
  onAlert: (alert: WebhookAlert) => void
  onRefused: (reason: string) => void
}): Promise<WebhookReceiver> {
  let verified = 0
  let refused = 0
  const refuse = (res: import('node:http').ServerResponse, status: number, reason: string) => {
    refused++
    options.onRefused(reason)
    res.writeHead(status, { 'content-type': 'text/plain' }).end(reason)
  }
  const server: Server = createServer((req, res) => {
    void readBody(req).then(
      (body) => {
        if (req.method !== 'POST' || req.url !== options.path) return refuse(res, 404, `${req.method} ${req.url}: not the alert endpoint`)
        if (!verifyWebhookSignature(body, req.headers, options.secret)) return refuse(res, 401, 'signature missing or invalid')
        let alert: WebhookAlert
        try {
          alert = JSON.parse(body.toString('utf8')) as WebhookAlert
        } catch (error) {
          return refuse(res, 400, `signed body is not JSON: ${(error as Error).message}`)
        }
        if (alert.type !== 'aims.alert') return refuse(res, 400, `unexpected message type ${JSON.stringify(alert.type)}`)
        verified++
        res.writeHead(204).end()
        options.onAlert(alert)
      },
      (error: Error) => refuse(res, 413, error.message),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}${options.path}`,
    port,
    get verified() {
      return verified
    },
    get refused() {
      return refused
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`body over ${MAX_BODY_BYTES} bytes`))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.once('end', () => resolve(Buffer.concat(chunks)))
    req.once('error', reject)
  })
}

/** One readable line per alert: event, level, severity, the collector's summary, the signature check. */
export function alertLine(alert: WebhookAlert): string {
  return `ALERT ${alert.event} · ${alert.outcome} · ${alert.severity} · ${alert.summary} · model ${alert.model.id} · ISO/IEC 42001 ${alert.control.references.iso42001.join(', ')} · signature verified`
}
