/**
 * Test helper: the lab's Kubernetes API assembled from its parts (control plane, HTTP handler,
 * certificates), as `startLabKubeApi` does, but with the control plane in the test's hands, so
 * a test can write thousands of objects in-process (e.g. to push a watch's resourceVersion out
 * of the store's history and get a real 410 Gone).
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LabClock } from '../../lab/lab-clock';
import { createHttpHandler } from '../../lab/kube/api/http-handler';
import { LabControlPlane } from '../../lab/kube/controllers/control-plane';
import { FakeLabCluster } from '../../lab/kube/testing/fake-lab-cluster';
import { defaultServerNames, loadOrCreateLabCerts } from '../../lab/kube/tls/lab-certs';

const certDir = mkdtempSync(path.join(tmpdir(), 'kube-parts-certs-'));
const b64 = (s: string) => Buffer.from(s).toString('base64');

export interface PartsApi {
  plane: LabControlPlane;
  cluster: FakeLabCluster;
  url: string;
  kubeconfig(server?: string): string;
  stop(): Promise<void>;
}

export async function startPartsApi(nodes: string[], speed = 100): Promise<PartsApi> {
  const clock = new LabClock({ speed });
  const cluster = new FakeLabCluster();
  for (const n of nodes) cluster.addNode(n, { joinedAt: clock.now() });
  const certs = await loadOrCreateLabCerts(defaultServerNames('127.0.0.1'), certDir);
  const plane = new LabControlPlane(clock, cluster);
  let address = '';
  const handler = createHttpHandler(plane.api, { serverAddress: () => address, logs: plane.kubelet });
  const server = createServer({ key: certs.serverKeyPem, cert: certs.serverCertPem, ca: certs.caPem, requestCert: true, rejectUnauthorized: true }, (req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  address = `127.0.0.1:${port}`;
  plane.start();
  const url = `https://127.0.0.1:${port}`;
  return {
    plane,
    cluster,
    url,
    kubeconfig: (server = url) =>
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- cluster: { certificate-authority-data: ${b64(certs.caPem)}, server: '${server}' }`,
        '  name: microk8s-cluster',
        'contexts:',
        '- context: { cluster: microk8s-cluster, user: admin }',
        '  name: microk8s',
        'current-context: microk8s',
        'users:',
        `- name: admin`,
        `  user: { client-certificate-data: ${b64(certs.clientCertPem)}, client-key-data: ${b64(certs.clientKeyPem)} }`,
        '',
      ].join('\n'),
    async stop() {
      plane.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
