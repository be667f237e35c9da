// Builds the operator panel into web/dist, which Switchboard serves at `/`
// (src/api/http/panel-static.ts). `npm run dev:web` serves it with hot reload
// and proxies the API to a running Switchboard (SWITCHBOARD_URL, default :8080).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const target = process.env.SWITCHBOARD_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  server: {
    // The panel bundles src/core/presence.ts from the repository root.
    fs: { allow: [`${import.meta.dirname}/..`] },
    proxy: {
      '/api/v1/events': { target, ws: true },
      '/api': target,
      '/recordings': target,
    },
  },
});
