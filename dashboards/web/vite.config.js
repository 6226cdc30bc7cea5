// Vite builds the dashboard into dist/: plain static files the collector serves at /. Everything
// (Preact, ECharts, styles) is bundled locally: the dashboard must work with no internet access.
import { defineConfig } from 'vite'

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  // Preact's automatic JSX runtime through esbuild: no Babel plugin needed.
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // ECharts alone is ~600 kB minified even tree-shaken; it is one cacheable, hashed file.
    chunkSizeWarningLimit: 1500,
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    // `pnpm --filter @aims-monitor/dashboard-web dev` against a collector on 127.0.0.1:4318.
    proxy: { '/v1': process.env.AIMS_URL ?? 'http://127.0.0.1:4318' },
  },
})
