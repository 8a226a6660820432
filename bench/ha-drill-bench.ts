/**
 * Benchmark: the node-failure drill of step 12 on the practice lab, wall time from power-off to
 * replacements Running beside the simulated time (see ha-drill/drill-run.ts for what is timed).
 * The app composes itself from its feature folders with Vite's import.meta.glob, so the run is
 * loaded through Vite's SSR module loader (as vitest does), not by tsx alone.
 * Writes bench/results/ha-drill.json. Run: npx tsx bench/ha-drill-bench.ts
 */
import { createServer } from 'vite';

const server = await createServer({ configFile: false, root: process.cwd(), logLevel: 'warn', appType: 'custom', server: { middlewareMode: true, hmr: false, ws: false }, optimizeDeps: { noDiscovery: true, include: [] } });
try {
  await server.ssrLoadModule('/bench/ha-drill/drill-run.ts');
} finally {
  await server.close();
}
