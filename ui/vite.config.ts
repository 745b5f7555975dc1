/**
 * The web UI's build (`npm run build:ui`, part of `prepare`): Preact with
 * esbuild's JSX, Observable Plot, vscode-textmate + vscode-oniguruma for
 * highlighting with the project's grammar; everything bundled into
 * dist/ui (no CDN: the server serves these files, see src/server/ui-static.ts).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  publicDir: false,
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1500,
    sourcemap: false,
    target: 'es2022',
  },
  server: { fs: { allow: ['..'] } },
});
