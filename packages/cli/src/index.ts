export { CliError } from './cli-error.js'
export { openKeyManager } from './key-manager.js'
export type { KeyManager, KeyManagerOptions } from './key-manager.js'
