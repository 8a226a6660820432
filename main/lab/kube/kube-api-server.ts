/**
 * The practice lab's Kubernetes API server: HTTPS with a generated CA and an `admin` client
 * certificate (the kubeconfig `microk8s config` prints), the REST API real kubectl and
 * @kubernetes/client-node use, and the controllers that make the objects behave as on
 * MicroK8s. All simulated time runs on the shared lab clock; nodes come from the lab's Pis.
 */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { LabClock } from '../lab-clock';
import type { LabClusterView } from '../lab-cluster';
import { createHttpHandler } from './api/http-handler';
import { LabControlPlane } from './controllers/control-plane';
import { defaultServerNames, loadOrCreateLabCerts } from './tls/lab-certs';
import type { AddonObjects } from './addons/lab-addons';

export interface LabKubeApiOptions {
  clock: LabClock;
  cluster: LabClusterView;
  host?: string;
  port?: number;
  /** Where generated certificates are cached (RSA keygen is skipped on the next start). */
  dataDir?: string;
}

export interface LabKubeApi {
  /** `https://host:port` */
  url: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** A kubeconfig as `microk8s config` prints it: cluster microk8s-cluster, user admin, context microk8s. */
  kubeconfig(serverUrl?: string): string;
  /** The kubectl steps of MicroK8s' addon scripts (`microk8s enable metallb` on a virtual Pi runs them). */
  addons: AddonObjects;
  /** Simulated CPU use of a deployment's pods (total millicores, spread over its running pods), for metrics-server and the HPA. */
  setLoad(namespace: string, deployment: string, cpuMillicores: number): void;
  stop(): Promise<void>;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

export async function startLabKubeApi(options: LabKubeApiOptions): Promise<LabKubeApi> {
  const host = options.host ?? '127.0.0.1';
  const certs = await loadOrCreateLabCerts(defaultServerNames(host), options.dataDir);
  const plane = new LabControlPlane(options.clock, options.cluster, { caPem: certs.caPem });
  let address = '';
  const handler = createHttpHandler(plane.api, { serverAddress: () => address, logs: plane.kubelet });
  const server = createServer(
    { key: certs.serverKeyPem, cert: certs.serverCertPem, ca: certs.caPem, requestCert: true, rejectUnauthorized: true },
    (req, res) => void handler(req, res),
  );
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  address = `${host}:${port}`;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  plane.start();

  return {
    url,
    caPem: certs.caPem,
    clientCertPem: certs.clientCertPem,
    clientKeyPem: certs.clientKeyPem,
    kubeconfig(serverUrl = url) {
      return [
        'apiVersion: v1',
        'clusters:',
        '- cluster:',
        `    certificate-authority-data: ${b64(certs.caPem)}`,
        `    server: ${serverUrl}`,
        '  name: microk8s-cluster',
        'contexts:',
        '- context:',
        '    cluster: microk8s-cluster',
        '    user: admin',
        '  name: microk8s',
        'current-context: microk8s',
        'kind: Config',
        'preferences: {}',
        'users:',
        '- name: admin',
        '  user:',
        `    client-certificate-data: ${b64(certs.clientCertPem)}`,
        `    client-key-data: ${b64(certs.clientKeyPem)}`,
        '',
      ].join('\n');
    },
    addons: plane.addons,
    setLoad: (namespace, deployment, cpuMillicores) => plane.metrics.setLoad(namespace, deployment, cpuMillicores),
    async stop() {
      plane.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
