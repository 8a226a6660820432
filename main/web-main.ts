/**
 * Entry of the browser host (`npm run web`, and `npm start` where Electron is missing).
 * Options: --port N (default: any free port), PCW_DATA_DIR for the data directory.
 */
// First: sizes libuv's thread pool before anything uses it.
import './imaging/thread-pool-size';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from './app/create-app';
import { defaultDataDir } from './app/data-dir';
import { startWebHost } from './hosts/web-host';

const here = path.dirname(fileURLToPath(import.meta.url));

function portArg(argv: string[]): number | undefined {
  const i = argv.indexOf('--port');
  const raw = i >= 0 ? argv[i + 1] : process.env.PCW_PORT;
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a number from 0 to 65535, got "${raw}".`);
    process.exit(2);
  }
  return port;
}

const dataDir = defaultDataDir();
const app = await createApp({
  dataDir,
  host: 'browser',
  onInternalError: (method, error) => console.error(`[internal] ${method}:`, error instanceof Error ? error.stack : error),
});
const host = await startWebHost({
  app,
  rendererDir: path.resolve(here, '../renderer'),
  port: portArg(process.argv.slice(2)),
  log: (line) => console.log(line),
});
console.log(`Pi Cluster Wizard (browser host) is running. Open: ${host.launchUrl}`);
console.log(`Data directory: ${dataDir}`);

const stop = async () => {
  await host.close();
  await app.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
