// `npm run bench`: every benchmark writes JSON under bench/results/. Benchmarks measure; tests never time.
// Runs the house's own benchmarks (renderer bundle size, browser-host start to first paint of the
// Plan step) and then every bench/*-bench.ts of the features, each in its own process.
import { spawnSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';

// `npm run bench -- house cards` runs only the named benchmarks (house = bundle size + first paint).
const only = process.argv.slice(2);
const wanted = (name) => only.length === 0 || only.includes(name);
const results = path.resolve('bench/results');
mkdirSync(results, { recursive: true });

function rendererBundle() {
  const html = readFileSync('dist/renderer/index.html', 'utf8');
  const scripts = [...html.matchAll(/<script[^>]+src="\.?\/?([^"]+)"/g)].map((m) => m[1]);
  const preloads = [...html.matchAll(/<link rel="modulepreload"[^>]+href="\.?\/?([^"]+)"/g)].map((m) => m[1]);
  const files = [...new Set([...scripts, ...preloads])];
  const bytes = files.map((f) => {
    const body = readFileSync(path.join('dist/renderer', f));
    return { file: f, raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
  });
  const gzipTotal = bytes.reduce((a, b) => a + b.gzip, 0);
  return { files: bytes, gzipBytes: gzipTotal, budgetBytes: 300_000, withinBudget: gzipTotal <= 300_000 };
}

async function firstPaint(runs = 5) {
  const { chromium } = await import('@playwright/test');
  const browser = await chromium.launch({
    executablePath: process.env.PCW_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-gpu'],
  });
  const samples = [];
  try {
    for (let i = 0; i < runs; i++) {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'pcw-bench-'));
      const started = performance.now();
      const child = spawn(process.execPath, ['dist/main/web-main.js'], { env: { ...process.env, PCW_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'inherit'] });
      const url = await new Promise((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /Open: (\S+)/.exec(out);
          if (m) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`host exited ${code}`)));
      });
      const listening = performance.now();
      const page = await browser.newPage();
      await page.goto(url);
      await page.getByRole('heading', { name: 'Plan your cluster' }).waitFor();
      const painted = performance.now();
      samples.push({ hostStartMs: Math.round(listening - started), startToPlanPaintMs: Math.round(painted - started) });
      await page.close();
      child.kill('SIGTERM');
    }
  } finally {
    await browser.close();
  }
  const sorted = samples.map((s) => s.startToPlanPaintMs).sort((a, b) => a - b);
  return { runs, samples, medianStartToPlanPaintMs: sorted[Math.floor(sorted.length / 2)] };
}

if (wanted('house')) {
  const house = { at: new Date().toISOString(), node: process.version, rendererBundle: rendererBundle(), browserHost: await firstPaint() };
  writeFileSync(path.join(results, 'house.json'), JSON.stringify(house, null, 2));
  console.log(JSON.stringify(house, null, 2));
}

let failed = 0;
for (const file of readdirSync('bench').filter((f) => f.endsWith('-bench.ts') && wanted(f.replace(/-bench\.ts$/, ''))).sort()) {
  console.log(`\n== ${file}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join('bench', file)], { stdio: 'inherit' });
  if (run.status !== 0) {
    failed++;
    console.error(`${file} exited with ${run.status}`);
  }
}
process.exit(failed ? 1 : 0);
