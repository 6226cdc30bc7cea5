// Where the built dashboard lives, for the collector that serves it (`vite build` writes dist/).
import { fileURLToPath } from 'node:url'

/** Absolute path of the built static assets (index.html, assets/); may not exist before a build. */
export const dashboardDistDir = fileURLToPath(new URL('./dist/', import.meta.url))
