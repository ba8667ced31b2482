/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'
import tailwindcss from '@tailwindcss/vite'

// The Go server (go run ./examples/server) answers /api, /openapi.json and
// /docs during `npm run dev`; KPBOT_DEV_API overrides its address.
const api = process.env.KPBOT_DEV_API ?? 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [react(), tailwindcss()],
  build: {
    outDir: 'dist',
    emptyOutDir: true, // scripts/postbuild.mjs then adds dist/docs and the .gz/.br siblings
    assetsDir: 'assets',
    sourcemap: false,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      // The hub accepts its own origin: present the API's, not the dev server's.
      '/api/ws': {
        target: api.replace(/^http/, 'ws'),
        ws: true,
        changeOrigin: true,
        configure: (proxy) => proxy.on('proxyReqWs', (req) => req.setHeader('Origin', api)),
      },
      '/api': { target: api, changeOrigin: true },
      '/openapi.json': { target: api, changeOrigin: true },
      '/docs': { target: api, changeOrigin: true },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
  },
})
