import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The renderer bundle: one build, loaded by the app over app:// and by browsers from `hangar serve`. */
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
  },
});
