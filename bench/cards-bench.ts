/**
 * Benchmark: write + verify one node's boot configuration on a 512 MB card image (a virtual
 * Ubuntu 24.04 card in a practice reader, through the raw-device path a real card takes).
 * Budget: under one second per card. Prints JSON and writes bench/results/cards.json.
 * Run: npx tsx bench/cards-bench.ts
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareCard } from '../main/cards/card-writer';
import { testPlan } from '../main/cards/testing/plan-fixtures';
import { createVirtualCard } from '../main/lab/cards/virtual-card-image';
import { VirtualCardReaders } from '../main/lab/cards/virtual-card-readers';

const MB = 1_000_000;
const MIB = 1024 * 1024;
const RUNS = 15;
const BUDGET_MS = 1000;

const dir = await mkdtemp(join(tmpdir(), 'cards-bench-'));
try {
  const image = join(dir, 'card-512mb.img');
  const cardBytes = 512 * MB - ((512 * MB) % 512);
  await createVirtualCard(image, { os: 'ubuntu', release: '24.04' }, { sizeBytes: cardBytes, bootBytes: 224 * MIB });
  const readers = new VirtualCardReaders({ dir: join(dir, 'readers') });
  const plan = testPlan();
  const samples: number[] = [];
  let bytes = 0;
  for (let run = 0; run < RUNS; run++) {
    const device = await readers.insert(1, image);
    const started = performance.now();
    const report = await prepareCard({
      plan,
      hostname: run % 2 ? 'pi-02' : 'pi-01',
      device,
      confirmDevice: device,
      drives: await readers.list(),
      safety: { appPaths: [dir], practiceDevices: new Set([device]) },
      eject: async (drive) => ({ ejected: await readers.ejectDevice(drive.device), message: 'ejected' }),
    });
    samples.push(performance.now() - started);
    bytes = report.files.reduce((sum, f) => sum + f.bytes, 0);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const pick = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10;
  const result = {
    at: new Date().toISOString(),
    node: process.version,
    benchmark: 'write + verify one node boot configuration (6 files) on a 512 MB virtual card, raw FAT path',
    cardBytes,
    configBytes: bytes,
    runs: RUNS,
    medianMs: pick(0.5),
    p90Ms: pick(0.9),
    maxMs: pick(1),
    firstRunMs: Math.round(samples[0]! * 10) / 10,
    budgetMs: BUDGET_MS,
    withinBudget: sorted[sorted.length - 1]! < BUDGET_MS,
  };
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/cards.json', JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
  if (!result.withinBudget) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
