/**
 * Benchmark: imaging throughput side by side with the shell tools, on the same files and target.
 *  - write: our pass (xz decode + SHA-256 + write, first MiB last, fsync) against
 *    `xz -dc IMAGE | dd of=TARGET bs=4M conv=fsync`              (target: ours >= 0.9 of it)
 *  - verify: our read-back + SHA-256 against `sha256sum TARGET`  (target: ours >= 0.9 of it)
 *  - three targets at once against one                           (target: <= 1.3x the time)
 *  - decoding alone: @napi-rs/lzma against `xz -dc > /dev/null`  (for the record)
 * The image is a generated Ubuntu-like image (practice-image.ts) of 384 MiB: random kernel,
 * initrd and libraries (incompressible), text, an ext4 file system and free space; xz preset 6.
 * Files live in bench/tmp/imaging/ (kept between runs). Runs alternate tool/ours to share noise.
 * Run: npx tsx bench/imaging-bench.ts   Result: bench/results/imaging.json
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BlockDevice } from '../main/disk/block-device';
import { decompress } from '../main/imaging/image-source';
import { writeImage } from '../main/imaging/write-image';
import { buildPracticeImage } from '../main/lab/imaging/practice-image';
import type { PracticeImage } from '../main/lab/imaging/practice-image';

const run = promisify(execFile);
const MIB = 1024 * 1024;
const RUNS = Number(process.env.IMAGING_BENCH_RUNS ?? 3);
const dir = join('bench', 'tmp', 'imaging');
await mkdir(dir, { recursive: true });

async function benchImage(): Promise<PracticeImage> {
  const manifest = join(dir, 'image.json');
  try {
    return JSON.parse(await readFile(manifest, 'utf8')) as PracticeImage;
  } catch {
    const image = await buildPracticeImage(dir, {
      release: '24.04',
      totalMiB: 384,
      bootMiB: 256,
      kernelBytes: 48 * MIB,
      randomRootBytes: 48 * MIB,
      textRootBytes: 32 * MIB,
      xzPreset: 6,
      seed: 'pcw-imaging-bench',
    });
    await writeFile(manifest, JSON.stringify(image, null, 2));
    return image;
  }
}

async function freshTarget(name: string, bytes: number): Promise<string> {
  const path = join(dir, name);
  await rm(path, { force: true });
  const handle = await open(path, 'w');
  await handle.truncate(bytes);
  await handle.close();
  return path;
}

const seconds = (from: number) => (performance.now() - from) / 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

async function ours(image: PracticeImage, count: number): Promise<{ writeS: number; verifyS: number; totalS: number }> {
  const targets = await Promise.all(Array.from({ length: count }, (_, i) => freshTarget(`ours-${i}.img`, image.extractSize)));
  const started = performance.now();
  let writeDone = 0;
  const result = await writeImage({
    image: decompress('xz', createReadStream(image.path, { highWaterMark: 4 * MIB }) as AsyncIterable<Buffer>),
    extractSize: image.extractSize,
    extractSha256: image.extractSha256,
    targets: targets.map((path) => ({ drive: { device: path, raw: path, size: image.extractSize, mountpoints: [] } })),
    openDevice: (path, o) => BlockDevice.open(path, o),
    onCard: ({ phase }) => {
      if (phase === 'verifying' && !writeDone) writeDone = performance.now();
    },
  });
  const totalS = seconds(started);
  if (!result.cards.every((c) => c.ok)) throw new Error(`imaging failed: ${JSON.stringify(result.cards)}`);
  return { writeS: (writeDone - started) / 1000, verifyS: totalS - (writeDone - started) / 1000, totalS };
}

async function tool(image: PracticeImage): Promise<{ writeS: number; verifyS: number }> {
  const target = await freshTarget('tool.img', image.extractSize);
  let started = performance.now();
  await run('bash', ['-c', `xz -dc "$0" | dd of="$1" bs=4M conv=fsync status=none`, image.path, target]);
  const writeS = seconds(started);
  started = performance.now();
  const { stdout } = await run('sha256sum', [target]);
  const verifyS = seconds(started);
  if (!stdout.startsWith(image.extractSha256)) throw new Error('the tool pipeline wrote something else');
  return { writeS, verifyS };
}

async function decodeOnly(image: PracticeImage): Promise<{ oursS: number; xzS: number }> {
  let started = performance.now();
  let bytes = 0;
  for await (const chunk of decompress('xz', createReadStream(image.path, { highWaterMark: 4 * MIB }) as AsyncIterable<Buffer>)) bytes += chunk.length;
  const oursS = seconds(started);
  if (bytes !== image.extractSize) throw new Error('decode length');
  started = performance.now();
  await run('bash', ['-c', 'xz -dc "$0" > /dev/null', image.path]);
  return { oursS, xzS: seconds(started) };
}

const image = await benchImage();
const samples = { toolWrite: [] as number[], toolVerify: [] as number[], oursWrite: [] as number[], oursVerify: [] as number[], ours1: [] as number[], ours3: [] as number[], decodeOurs: [] as number[], decodeXz: [] as number[] };
await ours(image, 1); // warm-up (page cache of the image, JIT)
for (let i = 0; i < RUNS; i++) {
  const t = await tool(image);
  samples.toolWrite.push(t.writeS);
  samples.toolVerify.push(t.verifyS);
  const one = await ours(image, 1);
  samples.oursWrite.push(one.writeS);
  samples.oursVerify.push(one.verifyS);
  samples.ours1.push(one.totalS);
  const three = await ours(image, 3);
  samples.ours3.push(three.totalS);
  const d = await decodeOnly(image);
  samples.decodeOurs.push(d.oursS);
  samples.decodeXz.push(d.xzS);
}
const mbps = (s: number) => round(image.extractSize / 1e6 / s, 1);
const writeRatio = median(samples.toolWrite) / median(samples.oursWrite);
const verifyRatio = median(samples.toolVerify) / median(samples.oursVerify);
const threeRatio = median(samples.ours3) / median(samples.ours1);
const result = {
  at: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  loadAverageAtEnd: loadavg().map((x) => round(x, 2)),
  benchmark: 'imaging: write, verify and three-card pass vs xz|dd and sha256sum, same image and target files',
  image: { file: image.fileName, downloadBytes: image.downloadSize, extractBytes: image.extractSize, xzPreset: 6 },
  runs: RUNS,
  seconds: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, v.map((x) => round(x))])),
  write: { toolMBps: mbps(median(samples.toolWrite)), oursMBps: mbps(median(samples.oursWrite)), ratio: round(writeRatio), target: '>= 0.9', withinTarget: writeRatio >= 0.9 },
  verify: { toolMBps: mbps(median(samples.toolVerify)), oursMBps: mbps(median(samples.oursVerify)), ratio: round(verifyRatio), target: '>= 0.9', withinTarget: verifyRatio >= 0.9 },
  threeCards: { oneCardS: round(median(samples.ours1)), threeCardsS: round(median(samples.ours3)), ratio: round(threeRatio), target: '<= 1.3', withinTarget: threeRatio <= 1.3 },
  decode: { oursMBps: mbps(median(samples.decodeOurs)), xzMBps: mbps(median(samples.decodeXz)), ratio: round(median(samples.decodeXz) / median(samples.decodeOurs)) },
};
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/imaging.json', JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
for (const name of ['tool.img', 'ours-0.img', 'ours-1.img', 'ours-2.img']) await rm(join(dir, name), { force: true });
