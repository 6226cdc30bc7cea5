#!/usr/bin/env node
// `pnpm bench <name> [args…]`: runs bench/<name>/index.mjs, which prints its figures as one JSON line last.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const [name, ...args] = process.argv.slice(2)
const available = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'index.mjs')))
  .map((d) => d.name)
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: pnpm bench <name> [args]\navailable: ${available.join(', ')}\n`)
  process.exit(2)
}
const result = spawnSync(process.execPath, [join(here, name, 'index.mjs'), ...args], { stdio: 'inherit' })
process.exit(result.status ?? 1)
