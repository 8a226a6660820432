/**
 * Opening a cluster from its kubeconfig against the lab's real HTTPS API: identity, refusing
 * credential plugins without running them, failing over to another control plane when the
 * saved one refuses or stays silent, and never to a server of another cluster.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startFixture } from '../lab/kube/testing/lab-fixture';
import type { LabFixture } from '../lab/kube/testing/lab-fixture';
import { compareIdentity } from './cluster-identity';
import { KubeConnection } from './kube-connection';
import { KubeError } from './kube-errors';
import { TcpGate, startSilentServer, unusedPort } from './testing/tcp-gate';

let lab: LabFixture;
let other: LabFixture;

beforeAll(async () => {
  // One after the other, so the second lab reuses the first one's cached CA and client certificate.
  lab = await startFixture({ nodes: ['pi-01', 'pi-02'] });
  other = await startFixture({ nodes: ['pi-09'] });
});

afterAll(async () => {
  await Promise.all([lab?.api.stop(), other?.api.stop()]);
});

function withServer(kubeconfig: string, server: string): string {
  const doc = parse(kubeconfig);
  doc.clusters[0].cluster.server = server;
  return stringify(doc);
}

async function thrown(p: Promise<unknown>): Promise<KubeError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KubeError);
    return e as KubeError;
  }
  throw new Error('expected a KubeError');
}

describe('connection and identity', () => {
  it('reads the kube-system UID and the kubeconfig CA fingerprint', async () => {
    const conn = await KubeConnection.create({ kubeconfig: lab.api.kubeconfig() });
    try {
      const result = await conn.connect();
      expect(result).toMatchObject({ server: lab.api.url, failedOver: false });
      const ns = await conn.request<{ metadata: { uid: string } }>({ method: 'GET', path: '/api/v1/namespaces/kube-system' });
      const id = await conn.identity();
      expect(id.kubeSystemUid).toBe(ns.metadata.uid);
      expect(id.kubeSystemUid).toMatch(/^[0-9a-f-]{36}$/);
      expect(id.caFingerprint).toBe(new X509Certificate(lab.api.caPem).fingerprint256);
      expect(result.identity).toEqual(id);

      const otherConn = await KubeConnection.create({ kubeconfig: other.api.kubeconfig() });
      const otherId = await otherConn.identity();
      otherConn.close();
      // The two labs share one CA (cached certificates) but are two clusters.
      expect(otherId.caFingerprint).toBe(id.caFingerprint);
      expect(compareIdentity(id, otherId)).toBe('different-cluster');
      expect(compareIdentity(id, { kubeSystemUid: id.kubeSystemUid, caFingerprint: id.caFingerprint })).toBe('same');
    } finally {
      conn.close();
    }
  });

  it('refuses exec and auth-provider users without running anything', async () => {
    const marker = path.join(mkdtempSync(path.join(tmpdir(), 'kube-exec-')), 'ran');
    const doc = parse(lab.api.kubeconfig());
    doc.users[0].user = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'sh', args: ['-c', `touch ${marker}`] } };
    const err = await thrown(KubeConnection.create({ kubeconfig: stringify(doc) }));
    expect(err.code).toBe('KUBECONFIG_PLUGIN_REFUSED');
    expect(err.values).toEqual({ plugin: 'exec', user: 'admin' });
    expect(existsSync(marker)).toBe(false);

    doc.users[0].user = { 'auth-provider': { name: 'oidc', config: { 'idp-issuer-url': 'https://127.0.0.1:1' } } };
    expect((await thrown(KubeConnection.create({ kubeconfig: stringify(doc) }))).values).toMatchObject({ plugin: 'auth-provider' });
  });

  it('says what is wrong with a broken kubeconfig', async () => {
    expect((await thrown(KubeConnection.create({ kubeconfig: 'clusters: [' }))).code).toBe('KUBECONFIG_INVALID');
    const doc = parse(lab.api.kubeconfig());
    doc['current-context'] = 'nope';
    expect((await thrown(KubeConnection.create({ kubeconfig: stringify(doc) }))).values).toEqual({ what: 'context' });
    const err = await thrown(KubeConnection.create({ kubeconfig: lab.api.kubeconfig(), alternativeServers: ['192.168.1.22:16443'] }));
    expect(err.values).toMatchObject({ what: 'alternative-server' });
  });
});

describe('failing over to another control plane', () => {
  it('skips a refused and a silent server and reports the one that answered', async () => {
    const refused = `https://127.0.0.1:${await unusedPort()}`;
    const silent = await startSilentServer();
    const conn = await KubeConnection.create({ kubeconfig: withServer(lab.api.kubeconfig(), refused), alternativeServers: [silent.url, lab.api.url], probeTimeoutMs: 1_000 });
    try {
      const result = await conn.connect();
      expect(result.server).toBe(lab.api.url);
      expect(result.failedOver).toBe(true);
      expect(result.attempts.map((a) => [a.server, a.ok, a.error?.code, a.error?.network?.code])).toEqual([
        [refused, false, 'UNAVAILABLE', 'ECONNREFUSED'],
        [silent.url, false, 'UNAVAILABLE', 'ETIMEDOUT'],
        [lab.api.url, true, undefined, undefined],
      ]);
      expect(conn.server).toBe(lab.api.url);
      expect(conn.savedServer).toBe(refused);
      // Watches built on the client-node KubeConfig follow too.
      expect(conn.kc.getCurrentCluster()?.server).toBe(lab.api.url);
      const nodes = await conn.request<{ items: unknown[] }>({ method: 'GET', path: '/api/v1/nodes' });
      expect(nodes.items).toHaveLength(2);
    } finally {
      conn.close();
      await silent.stop();
    }
  });

  it('moves a request to the next server when the current one goes down', async () => {
    const gate = await new TcpGate('127.0.0.1', Number(new URL(lab.api.url).port)).start();
    const conn = await KubeConnection.create({ kubeconfig: withServer(lab.api.kubeconfig(), gate.url), alternativeServers: [lab.api.url] });
    const changes: string[] = [];
    conn.onServerChange((s) => changes.push(s));
    try {
      expect((await conn.connect()).server).toBe(gate.url);
      await gate.close();
      const ns = await conn.request<{ metadata: { name: string } }>({ method: 'GET', path: '/api/v1/namespaces/default' });
      expect(ns.metadata.name).toBe('default');
      expect(conn.server).toBe(lab.api.url);
      expect(changes).toEqual([lab.api.url]);
    } finally {
      conn.close();
      await gate.close();
    }
  });

  it('never fails over to another cluster', async () => {
    const refused = `https://127.0.0.1:${await unusedPort()}`;
    const conn = await KubeConnection.create({ kubeconfig: withServer(lab.api.kubeconfig(), refused), alternativeServers: [other.api.url] });
    const first = await KubeConnection.create({ kubeconfig: lab.api.kubeconfig() });
    const expected = await first.identity();
    first.close();
    try {
      const err = await thrown(KubeConnection.create({ kubeconfig: withServer(lab.api.kubeconfig(), refused), alternativeServers: [other.api.url], expectedIdentity: expected }).then((c) => c.connect().finally(() => c.close())));
      expect(err.code).toBe('CLUSTER_MISMATCH');
      // Without an expected identity the first answer is taken; the caller compares `identity()`.
      const result = await conn.connect();
      expect(compareIdentity(expected, result.identity)).toBe('different-cluster');
    } finally {
      conn.close();
    }
  });

  it('is UNAVAILABLE when no server answers', async () => {
    const refused = `https://127.0.0.1:${await unusedPort()}`;
    const conn = await KubeConnection.create({ kubeconfig: withServer(lab.api.kubeconfig(), refused) });
    try {
      const err = await thrown(conn.connect());
      expect(err.code).toBe('UNAVAILABLE');
      expect(err.network).toMatchObject({ code: 'ECONNREFUSED', server: refused, phase: 'connect' });
      expect(conn.lastAttempts).toHaveLength(1);
    } finally {
      conn.close();
    }
  });
});
