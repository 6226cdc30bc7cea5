import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The annotated policy the demo loads (examples/demo/policy.yaml). */
export const POLICY_FILE = fileURLToPath(new URL('../policy.yaml', import.meta.url))

/** The receiver URL written in policy.yaml; the demo listens there when the port is free. */
export const POLICY_WEBHOOK = { port: 4319, path: '/aims-alerts', url: 'http://127.0.0.1:4319/aims-alerts' } as const

/** The environment variable policy.yaml names for the webhook's HMAC secret. */
export const WEBHOOK_SECRET_ENV = 'AIMS_DEMO_WEBHOOK_SECRET'

/**
 * The policy file `aims up` should load: policy.yaml itself when the receiver got the port the file
 * names, else a copy in `workDir` with the receiver's actual URL (the file's SHA-256, cited by every
 * evaluation record, then differs from the one in the repository).
 */
export async function policyFileFor(receiverUrl: string, workDir: string): Promise<string> {
  if (receiverUrl === POLICY_WEBHOOK.url) return POLICY_FILE
  const text = await readFile(POLICY_FILE, 'utf8')
  if (!text.includes(POLICY_WEBHOOK.url)) throw new Error(`${POLICY_FILE} no longer names the webhook ${POLICY_WEBHOOK.url}; update POLICY_WEBHOOK in ${fileURLToPath(import.meta.url)}`)
  const copy = path.join(workDir, 'policy.yaml')
  await writeFile(copy, text.replaceAll(POLICY_WEBHOOK.url, receiverUrl))
  return copy
}
