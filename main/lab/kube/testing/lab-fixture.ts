/** Test fixture: a lab API server on 127.0.0.1 over a FakeLabCluster with a fast lab clock. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LabClock } from '../../lab-clock';
import type { LabKubeApi } from '../kube-api-server';
import { startLabKubeApi } from '../kube-api-server';
import { FakeLabCluster } from './fake-lab-cluster';
import { TestLan } from './test-lan';

export interface LabFixture {
  clock: LabClock;
  cluster: FakeLabCluster;
  api: LabKubeApi;
  /** Loopback stand-ins of the nodes' and LoadBalancers' LAN addresses. */
  lan: TestLan;
}

/** Certificates are cached across test files in one temp dir per process. */
const certDir = mkdtempSync(path.join(tmpdir(), 'lab-kube-certs-'));

export async function startFixture(options: { nodes: string[]; speed?: number }): Promise<LabFixture> {
  const clock = new LabClock({ speed: options.speed ?? 100 });
  const cluster = new FakeLabCluster();
  for (const n of options.nodes) cluster.addNode(n, { joinedAt: clock.now() });
  const lan = new TestLan();
  const api = await startLabKubeApi({ clock, cluster, dataDir: certDir, lan });
  return { clock, cluster, api, lan };
}

/** Poll `check` (real time) until it returns a truthy value; fails with `what` after `timeoutMs`. */
type Falsy = false | 0 | '' | null | undefined;

export async function until<T>(what: string, check: () => T | Falsy | Promise<T | Falsy>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
