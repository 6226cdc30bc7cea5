// Type-checks the dashboard's sources, then bundles them with Vite into dist/. Run by the root
// `pnpm build` and postinstall (after `tsc -b`), so a fresh install leaves the dashboard servable.
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { constants, gzipSync } from 'node:zlib'
import { build } from 'vite'

const here = import.meta.dirname
const require = createRequire(import.meta.url)
const tsc = path.join(path.dirname(require.resolve('typescript/package.json')), 'bin', 'tsc')
const check = spawnSync(process.execPath, [tsc, '-p', path.join(here, 'tsconfig.json')], { stdio: 'inherit' })
if (check.status !== 0) {
  console.error('dashboard-web: type errors (see above); not built')
  process.exit(check.status ?? 1)
}
await build({ configFile: path.join(here, 'vite.config.js'), logLevel: 'warn' })
// Pre-compressed copies (the bundle is ~700 kB, ~230 kB gzipped): the collector sends `x.js.gz` to
// browsers that accept gzip, without compressing on every request.
const assets = path.join(here, 'dist', 'assets')
for (const name of readdirSync(assets).filter((n) => /\.(js|css|svg)$/.test(n))) {
  writeFileSync(path.join(assets, `${name}.gz`), gzipSync(readFileSync(path.join(assets, name)), { level: constants.Z_BEST_COMPRESSION }))
}
console.log(`dashboard-web: built ${path.join(here, 'dist')}`)
