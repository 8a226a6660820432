// The sandboxed preload must be a single CommonJS file that requires only `electron`.
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    ssr: true,
    outDir: 'dist/preload',
    emptyOutDir: true,
    target: 'node22',
    rollupOptions: {
      input: { 'electron-preload': 'preload/electron-preload.ts' },
      external: ['electron'],
      output: { format: 'cjs', entryFileNames: '[name].cjs' },
    },
  },
  ssr: { noExternal: true },
});
