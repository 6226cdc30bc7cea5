/**
 * Absolute path of the built dashboard (index.html and hashed assets/), written by `vite build`
 * (the root `pnpm build` and postinstall run it). It may not exist yet: check for index.html.
 *
 * @example
 * import { dashboardDistDir } from '@aims-monitor/dashboard-web'
 * app.use(express.static(dashboardDistDir))
 */
export declare const dashboardDistDir: string
