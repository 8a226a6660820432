// Node-side build: the Electron main process, the browser host and the lab CLI.
// Dependencies stay external (resolved from node_modules at run time).
import { build, defineConfig } from 'vite';
import type { Plugin } from 'vite';
import { builtinModules } from 'node:module';
import { existsSync } from 'node:fs';
import pkg from './package.json' with { type: 'json' };

const external = [
  'electron',
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  ...Object.keys(pkg.dependencies),
  ...Object.keys(pkg.optionalDependencies),
].map((m) => new RegExp(`^${m.replace(/[/.]/g, '\\$&')}(/.*)?$`));

/**
 * The administrator helper (main/disk/elevated/raw-device-helper.ts) as a file of its own for the
 * browser host, which runs under plain Node and has pkexec/osascript/UAC start `node <file>`: one
 * self-contained file, dist/main/raw-device-helper.mjs (no shared chunks). The Electron app runs the
 * same code inside its own binary (helper-cli.ts), so the packaged app never starts this file.
 */
function rawDeviceHelper(): Plugin {
  let outDir = 'dist/main';
  return {
    name: 'pcw-raw-device-helper',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    async closeBundle() {
      await build({
        configFile: false,
        logLevel: 'warn',
        build: {
          ssr: true,
          outDir,
          emptyOutDir: false,
          target: 'node22',
          sourcemap: true,
          rollupOptions: {
            input: { 'raw-device-helper': 'main/disk/elevated/raw-device-helper-main.ts' },
            external,
            // .mjs: an ES module wherever it is unpacked (no package.json "type" needed).
            output: { format: 'es', entryFileNames: '[name].mjs' },
          },
        },
      });
    },
  };
}

export default defineConfig({
  plugins: [rawDeviceHelper()],
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
