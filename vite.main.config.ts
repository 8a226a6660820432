// Node-side build: the Electron main process, the browser host and the lab CLI.
// Dependencies stay external (resolved from node_modules at run time).
import { defineConfig } from 'vite';
import { builtinModules } from 'node:module';
import { existsSync } from 'node:fs';
import pkg from './package.json' with { type: 'json' };

const external = [
  'electron',
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  ...Object.keys(pkg.dependencies),
].map((m) => new RegExp(`^${m.replace(/[/.]/g, '\\$&')}(/.*)?$`));

export default defineConfig({
  build: {
    ssr: true,
    outDir: 'dist/main',
    emptyOutDir: true,
    target: 'node22',
    sourcemap: true,
    rollupOptions: {
      input: {
        'electron-main': 'main/electron-main.ts',
        'web-main': 'main/web-main.ts',
        ...(existsSync('main/lab-main.ts') ? { 'lab-main': 'main/lab-main.ts' } : {}),
      },
      external,
      output: { format: 'es', entryFileNames: '[name].js' },
    },
  },
});
