// `npm run electronegativity`: Doyensec's Electronegativity over the Electron-facing code (the
// list in electronegativity.config.json), failing on any HIGH or MEDIUM finding that the config
// does not accept with a reason, on any file it could not parse (a file it cannot read hides its
// findings), and on an acceptance that no longer matches anything (so the list stays true).
// Run offline: its HTTP client (got) is replaced by one that fails at once, so it neither fetches
// translations nor Electron's release list (the check that needs that list is excluded, with why).
//   node scripts/electronegativity.mjs [--config <file>]
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const at = process.argv.indexOf('--config');
const configFile = path.resolve(at > 0 ? process.argv[at + 1] : path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'electronegativity.config.json'));
const root = path.dirname(configFile);
const config = JSON.parse(readFileSync(configFile, 'utf8'));

// Offline: no translations, no release list, no packets.
const runnerPath = require.resolve('@doyensec/electronegativity/dist/runner.js');
const local = createRequire(runnerPath);
const gotPath = local.resolve('got');
const offline = () => Promise.reject(new Error('Electronegativity runs offline here'));
Object.assign(offline, { default: offline, get: offline, stream: offline, extend: () => offline });
require.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: offline, children: [], paths: [] };
process.env.LANG = 'en-US';
const log = console.log;
console.log = (...args) => {
  if (!String(args[0]).startsWith('Could not retrieve updated translations')) log(...args);
};
const run = require(runnerPath);
const { severity } = local('./finder/attributes');

// The files to scan, copied with their paths into one folder (tests left out).
const staged = mkdtempSync(path.join(tmpdir(), 'pcw-electronegativity-'));
let failed = false;
try {
  for (const entry of config.scan) {
    cpSync(path.join(root, entry), path.join(staged, entry), { recursive: true, filter: (src) => !/\.test\.tsx?$/.test(src) && (statSync(src).isDirectory() || /\.(ts|tsx|js|mjs|cjs|html|json)$/.test(src)) });
  }
  const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
  const result = await run(
    {
      input: staged,
      customScan: [],
      excludeFromScan: config.excludeChecks.map((c) => c.check.toLowerCase()),
      severitySet: 'informational',
      confidenceSet: 'tentative',
      isRelative: true,
      isVerbose: false,
      electronVersionOverride: electronVersion,
      parserPlugins: [],
    },
    false,
  );
  const used = new Set();
  const lines = [];
  for (const issue of result.issues) {
    const file = issue.file.split(path.sep).join('/');
    const accepted = config.accepted.find((a) => a.check === issue.id && a.file === file);
    if (accepted) used.add(accepted);
    const blocking = issue.severity.value >= severity.MEDIUM.value && !accepted;
    if (blocking) failed = true;
    const where = issue.location?.line ? `${file}:${issue.location.line}` : file;
    lines.push(`${blocking ? 'FAIL    ' : accepted ? 'accepted' : 'note    '} ${issue.severity.name.padEnd(13)} ${issue.confidence.name.padEnd(9)} ${issue.id.padEnd(40)} ${where}${accepted ? `: ${accepted.reason}` : ''}`);
  }
  for (const error of result.errors) {
    failed = true;
    lines.push(`FAIL     could not parse ${error.file}: ${error.message}`);
  }
  for (const stale of config.accepted.filter((a) => !used.has(a))) {
    failed = true;
    lines.push(`FAIL     the acceptance of ${stale.check} in ${stale.file} matches no finding any more: remove it from ${path.basename(configFile)}`);
  }
  log(`Electronegativity ${require('@doyensec/electronegativity/package.json').version} (Electron ${electronVersion}), ${result.atomicChecks + result.globalChecks} checks over ${config.scan.join(', ')}:`);
  for (const line of lines) log(`  ${line}`);
  for (const excluded of config.excludeChecks) log(`  excluded ${excluded.check}: ${excluded.reason}`);
  log(failed ? 'Electronegativity: findings above need a fix or an accepted reason.' : 'Electronegativity: no HIGH or MEDIUM finding left unexplained.');
} finally {
  rmSync(staged, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
