import { NotifierConfigError } from './errors.js'

/**
 * Reads a secret the policy names by its environment variable. Unset or empty fails at creation
 * with the notifier and the variable named; the value itself never appears in a message.
 */
export function requireEnv(env: NodeJS.ProcessEnv, notifier: string, type: string, variable: string, field: string): string {
  const value = env[variable]
  if (value === undefined || value === '') {
    throw new NotifierConfigError([{ notifier, variable, message: `notifier "${notifier}" (${type}): environment variable ${variable} (${field}) is not set` }])
  }
  return value
}

/** A secret that must be an http(s) URL (Slack's incoming-webhook URL). */
export function requireEnvUrl(env: NodeJS.ProcessEnv, notifier: string, type: string, variable: string, field: string): string {
  const value = requireEnv(env, notifier, type, variable, field)
  // The value is a secret: it is checked without being quoted in any message.
  const protocol = URL.canParse(value) ? new URL(value).protocol : undefined
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new NotifierConfigError([{ notifier, variable, message: `notifier "${notifier}" (${type}): environment variable ${variable} (${field}) is not an http(s) URL` }])
  }
  return value
}
