/**
 * Discovery benchmark: a /24 holding N hosts running real sshd inside network namespaces (see
 * tests/netns), swept by our port sweep and by `nmap -sT -p22 --open` from the same "laptop"
 * namespace. Prints JSON and writes bench/results/discovery.json. Root only.
 *
 *   npx tsx bench/discovery-bench.ts [N ...]      (default: 10 50)
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createNetnsLab, netnsUnavailable, REPO_ROOT } from '../tests/netns/netns-lab';
import { generateKeyPair, makeTempDir, realSshdUnavailable, startSshd, type RunningSshd } from '../tests/netns/sshd';

const RUNS = 3;
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0 && n <= 250);
if (sizes.length === 0) sizes.push(10, 50);

const unavailable = netnsUnavailable() ?? realSshdUnavailable() ?? (existsSync('/usr/bin/nmap') ? undefined : 'nmap is missing (apt-get install nmap)');
if (unavailable) {
  console.error(`discovery benchmark skipped: ${unavailable}`);
  process.exit(0);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timed(cmd: string, args: string[], stdin = ''): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} failed: ${err.message}\n${stderr}`)) : resolve({ ms: performance.now() - started, stdout }),
    );
    child.stdin?.end(stdin);
  });
}

/** N host octets spread over the /24 (the laptop is .1). */
function octets(n: number): number[] {
  return Array.from({ length: n }, (_, i) => 2 + Math.floor((i * 252) / n));
}

const dir = await makeTempDir('pcw-bench-');
const results = [];
try {
  const key = await generateKeyPair(dir, 'bench_ed25519');
  for (const n of sizes) {
    const lab = createNetnsLab(octets(n));
    const sshds: RunningSshd[] = [];
    try {
      for (const h of lab.hosts) sshds.push(await startSshd({ listenAddress: h.address, netns: h.netns, authorizedKeys: key.publicKey, dir }));
      const expected = lab.hosts.map((h) => h.address);
      const ours: number[] = [];
      const oursWall: number[] = [];
      const nmap: number[] = [];
      let oursFound = 0;
      let nmapFound = 0;
      for (let run = 0; run < RUNS; run++) {
        const job = [{ op: 'sweep', targets: [lab.subnet], port: 22, exclude: [lab.laptopAddress] }];
        const sweep = await timed('ip', ['netns', 'exec', lab.laptopNetns, process.execPath, '--import', 'tsx', 'tests/netns/laptop-runner.ts'], JSON.stringify(job));
        const [r] = JSON.parse(sweep.stdout) as { ok: boolean; value: { found: { address: string }[]; ms: number } }[];
        if (!r?.ok) throw new Error(`sweep failed: ${sweep.stdout}`);
        ours.push(r.value.ms);
        oursWall.push(sweep.ms);
        oursFound = r.value.found.filter((h) => expected.includes(h.address)).length;

        const scan = await timed('ip', ['netns', 'exec', lab.laptopNetns, 'nmap', '-sT', '-p22', '--open', '-n', '-oG', '-', '--exclude', lab.laptopAddress, lab.subnet]);
        nmap.push(scan.ms);
        nmapFound = scan.stdout.split('\n').filter((l) => /Ports: 22\/open/.test(l)).length;
      }
      results.push({
        hosts: n,
        subnet: '/24',
        ours: { medianMs: Math.round(median(ours)), medianWallMsWithNodeStartup: Math.round(median(oursWall)), found: oursFound, runsMs: ours.map(Math.round) },
        nmap: { medianMs: Math.round(median(nmap)), found: nmapFound, runsMs: nmap.map(Math.round), command: 'nmap -sT -p22 --open -n' },
        ratio: Number((median(ours) / median(nmap)).toFixed(2)),
        targetMet: median(ours) <= median(nmap) && oursFound === n,
      });
    } finally {
      for (const s of sshds) await s.stop();
      lab.destroy();
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const report = { benchmark: 'discovery', date: new Date().toISOString(), runsPerSize: RUNS, limits: { maxConcurrent: 128, maxNewConnectionsPerSecond: 250, connectTimeoutMs: 500 }, results };
console.log(JSON.stringify(report, null, 2));
await mkdir(join(REPO_ROOT, 'bench/results'), { recursive: true });
await writeFile(join(REPO_ROOT, 'bench/results/discovery.json'), `${JSON.stringify(report, null, 2)}\n`);
