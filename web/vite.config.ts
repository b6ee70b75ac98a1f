import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The sfu serves both the signaling socket and the built page; in dev, Vite stands in front of it.
const SFU = 'http://127.0.0.1:5026';

export default defineConfig({
  // Pinned so the build lands in web/dist no matter where vite is started from.
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  server: {
    proxy: {
      '/socket.io': { target: SFU, ws: true },
      '/healthz': SFU,
    },
  },
});
