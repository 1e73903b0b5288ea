import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The web app: index.html at the project root loads src/web/main.tsx; `vite build` writes the
 * single-page app to dist/web, which the server serves (with an index.html fallback for client
 * routes). In development `npx vite` proxies /api to the server on port 3000.
 */
export default defineConfig({
  root: '.',
  plugins: [react()],
  publicDir: false,
  build: {
    outDir: 'dist/web',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 700,
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: 'http://localhost:3000', changeOrigin: false },
    },
  },
});
