import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';

// The sfu serves both the signaling socket and the built page; in dev, Vite stands in front of it.
const SFU = 'http://127.0.0.1:5026';

export default defineConfig({
  // Pinned so the build lands in web/dist no matter where vite is started from.
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [
    react(),
    VitePWA({
      // A new version waits until the person chooses to reload (never mid-meeting); see UpdatePrompt.
      registerType: 'prompt',
      // Registered from the app (virtual:pwa-register), no inline script: the CSP allows none.
      injectRegister: false,
      includeAssets: ['favicon.svg', 'icons/apple-touch-icon.png'],
      manifest: {
        name: 'Parley — live translated captions',
        short_name: 'Parley',
        description: 'Speak your language. Read everyone in yours: live, translated captions for meetings, classes and talks.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'any',
        background_color: '#0f1117',
        theme_color: '#4f46e5',
        categories: ['productivity', 'utilities'],
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: '/favicon.svg', sizes: 'any', type: 'image/svg+xml' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        navigateFallback: '/index.html',
        // The socket, sign-in and the API always go to the server, never to a cached page.
        navigateFallbackDenylist: [/^\/auth\//, /^\/api\//, /^\/socket\.io\//, /^\/healthz/, /^\/readyz/, /^\/metrics/],
        cleanupOutdatedCaches: true,
        // Only the app's own files are cached; nothing else is intercepted at run time.
        runtimeCaching: [],
      },
    }),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  server: {
    proxy: {
      '/socket.io': { target: SFU, ws: true },
      '/api': SFU,
      '/auth': SFU,
      '/healthz': SFU,
    },
  },
});
