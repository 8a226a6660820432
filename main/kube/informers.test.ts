/**
 * The reconnect story of the live views, against the lab's real API: the connection lost and
 * back (state reconnecting -> connected, changes made meanwhile caught up), a silent server
 * given up for another control plane, and a watch position compacted away (a real 410 Gone
 * from the lab's store) answered by listing again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeViewSnapshot } from '../../preload/contract/kube';
import { resourceForKind } from '../lab/kube/api/resource-registry';
import type { KubeObject } from '../lab/kube/api/types';
import { parse, stringify } from 'yaml';
import { KubeConnection } from './kube-connection';
import { openView } from './kube-views';
import type { KubeLab } from './testing/kube-lab';
import { startKubeLab, until } from './testing/kube-lab';
import type { PartsApi } from './testing/lab-parts-api';
import { startPartsApi } from './testing/lab-parts-api';
import { TcpGate } from './testing/tcp-gate';
import { WatchHub } from './watch-hub';

let k: KubeLab;

beforeAll(async () => {
  k = await startKubeLab({ nodes: ['pi-01', 'pi-02'] });
});

afterAll(async () => {
  await k?.stop();
});

function withServer(kubeconfig: string, server: string): string {
  const doc = parse(kubeconfig);
  doc.clusters[0].cluster.server = server;
  return stringify(doc);
}

const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { a: '1' } });

async function createPod(conn: KubeConnection, name: string): Promise<void> {
  await conn.request({ method: 'POST', path: '/api/v1/namespaces/default/pods', body: { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx:1.16.1' }] } } });
}

describe('losing the connection', () => {
  it('says reconnecting, retries, and catches up with what changed meanwhile', async () => {
    const gate = await new TcpGate('127.0.0.1', Number(new URL(k.lab.api.url).port)).start();
    const conn = await KubeConnection.create({ kubeconfig: withServer(k.lab.api.kubeconfig(), gate.url) });
    const hub = new WatchHub(conn, { backoff: { initialMs: 100, maxMs: 400 }, heartbeatMs: 0 });
    const snaps: KubeViewSnapshot[] = [];
    const view = openView(hub, { kinds: ['pods'], namespace: 'default' }, (s) => snaps.push(s));
    try {
      await createPod(k.conn, 'before');
      await until('connected with pod before', () => snaps.at(-1)?.connection.state === 'connected' && snaps.at(-1)?.pods?.some((p) => p.name === 'before'));
      await gate.close();
      const down = await until('reconnecting', () => snaps.find((s) => s.connection.state === 'reconnecting'));
      expect(down.connection.error).toMatchObject({ code: 'UNAVAILABLE' });
      expect(down.connection.nextAttemptAt).toBeGreaterThan(0);
      // Meanwhile, through another connection: one pod added, one deleted.
      await createPod(k.conn, 'during');
      await k.conn.request({ method: 'DELETE', path: '/api/v1/namespaces/default/pods/before', query: { gracePeriodSeconds: 0 } });
      await gate.open();
      const back = await until('caught up', () => {
        const s = snaps.at(-1);
        return s?.connection.state === 'connected' && s.pods?.some((p) => p.name === 'during') && !s.pods.some((p) => p.name === 'before') && s;
      });
      expect(back.connection.server).toBe(gate.url);
      const informer = hub.informers[0]!;
      expect(informer.stats.reconnects).toBeGreaterThanOrEqual(1);
      // Resumed from where the watch stopped: no second full list was needed.
      expect(informer.stats.lists).toBe(1);
    } finally {
      view.close();
      await hub.close();
      conn.close();
      await gate.close();
    }
  });

  it('gives up a silent server for another control plane', async () => {
    const gate = await new TcpGate('127.0.0.1', Number(new URL(k.lab.api.url).port)).start();
    const conn = await KubeConnection.create({ kubeconfig: withServer(k.lab.api.kubeconfig(), gate.url), alternativeServers: [k.lab.api.url], requestTimeoutMs: 1_000, probeTimeoutMs: 500 });
    const hub = new WatchHub(conn, { backoff: { initialMs: 100, maxMs: 400 }, heartbeatMs: 200, heartbeatTimeoutMs: 500 });
    const snaps: KubeViewSnapshot[] = [];
    const view = openView(hub, { kinds: ['nodes'] }, (s) => snaps.push(s));
    try {
      await until('connected through the gate', () => snaps.at(-1)?.connection.state === 'connected' && snaps.at(-1)?.connection.server === gate.url);
      // The first control plane loses power: its sockets stay open and go quiet.
      gate.blackhole();
      const moved = await until('on the other control plane', () => {
        const s = snaps.at(-1);
        return s?.connection.state === 'connected' && s.connection.server === k.lab.api.url && s;
      });
      expect(moved.nodes?.map((n) => n.name)).toEqual(['pi-01', 'pi-02']);
      expect(conn.server).toBe(k.lab.api.url);
    } finally {
      view.close();
      await hub.close();
      conn.close();
      await gate.close();
    }
  });
});

describe('a compacted watch position (410 Gone)', () => {
  let parts: PartsApi;

  beforeAll(async () => {
    parts = await startPartsApi(['pi-01']);
  });

  afterAll(async () => {
    await parts?.stop();
  });

  it('lists again and shows what changed', async () => {
    const gate = await new TcpGate('127.0.0.1', Number(new URL(parts.url).port)).start();
    const conn = await KubeConnection.create({ kubeconfig: parts.kubeconfig(gate.url) });
    const hub = new WatchHub(conn, { backoff: { initialMs: 100, maxMs: 400 }, heartbeatMs: 0 });
    const snaps: KubeViewSnapshot[] = [];
    const view = openView(hub, { kinds: ['pods'], namespace: 'default' }, (s) => snaps.push(s));
    const api = parts.plane.api;
    try {
      api.create(resourceForKind('Pod'), 'default', { metadata: { name: 'first' }, spec: { containers: [{ name: 'c', image: 'nginx:1.16.1' }] } } as KubeObject, { fieldManager: 'test' });
      await until('first pod seen', () => snaps.at(-1)?.connection.state === 'connected' && snaps.at(-1)?.pods?.some((p) => p.name === 'first'));
      await gate.close();
      await until('reconnecting', () => snaps.at(-1)?.connection.state === 'reconnecting');
      // More writes than the store keeps history for (20 000): the watch's position is gone.
      const cm = resourceForKind('ConfigMap');
      api.create(cm, 'default', configMap('churn') as KubeObject, { fieldManager: 'test' });
      for (let i = 0; i < 20_050; i++) api.update(cm, 'default', 'churn', { ...configMap('churn'), data: { n: String(i) } } as KubeObject, { fieldManager: 'test' });
      api.create(resourceForKind('Pod'), 'default', { metadata: { name: 'second' }, spec: { containers: [{ name: 'c', image: 'nginx:1.16.1' }] } } as KubeObject, { fieldManager: 'test' });
      await gate.open();
      await until('second pod seen', () => snaps.at(-1)?.connection.state === 'connected' && snaps.at(-1)?.pods?.some((p) => p.name === 'second'), 30_000);
      const informer = hub.informers[0]!;
      expect(informer.stats.expired).toBe(1);
      expect(informer.stats.lists).toBe(2);
      expect(snaps.at(-1)!.pods!.map((p) => p.name).sort()).toEqual(['first', 'second']);
    } finally {
      view.close();
      await hub.close();
      conn.close();
      await gate.close();
    }
  });
});
