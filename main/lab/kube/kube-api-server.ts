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
import { handleExecUpgrade } from './api/exec-websocket';
import { createHttpHandler } from './api/http-handler';
import { LabControlPlane } from './controllers/control-plane';
import { defaultServerNames, loadOrCreateLabCerts } from './tls/lab-certs';
import type { AddonObjects } from './addons/lab-addons';
import type { LanAddressMap, LanEndpoint } from './proxy/service-proxy';
import { ServiceProxy } from './proxy/service-proxy';

export interface LabKubeApiOptions {
  clock: LabClock;
  cluster: LabClusterView;
  host?: string;
  port?: number;
  /** Where generated certificates are cached (RSA keygen is skipped on the next start). */
  dataDir?: string;
  /** The loopback addresses that stand for lab LAN addresses: with it, NodePort and LoadBalancer Services answer on them. */
  lan?: LanAddressMap;
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
  /** Where to connect for `http://<LAN address>:<port>` of a NodePort or LoadBalancer Service (undefined: nothing listens). */
  lanEndpoint(lanIp: string, port: number): { host: string; port: number } | undefined;
  /** Every LAN address and port the lab's Services answer on now, with its loopback stand-in. */
  lanEndpoints(): LanEndpoint[];
  /** Resolves once the Service listeners match the current Services and MetalLB announcements. */
  servicesSettled(): Promise<void>;
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
  // kubectl exec: WebSocket upgrades of pods/<name>/exec.
  server.on('upgrade', (req, socket, head) => {
    if (!handleExecUpgrade(plane.kubelet, req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  address = `${host}:${port}`;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  plane.start();
  const proxy = options.lan ? new ServiceProxy(plane.api, plane.kubelet, plane.metallb, options.lan) : undefined;
  proxy?.start();

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
    lanEndpoint: (lanIp, port) => proxy?.endpoint(lanIp, port),
    lanEndpoints: () => proxy?.endpoints() ?? [],
    servicesSettled: async () => {
      await proxy?.settled();
    },
    setLoad: (namespace, deployment, cpuMillicores) => plane.metrics.setLoad(namespace, deployment, cpuMillicores),
    async stop() {
      await proxy?.stop();
      plane.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
