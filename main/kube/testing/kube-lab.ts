/**
 * Test helper: the practice lab's real HTTPS Kubernetes API (fake Pis as nodes, a fast lab
 * clock) and a KubeConnection to it from the kubeconfig `microk8s config` would print.
 */
import type { LabFixture } from '../../lab/kube/testing/lab-fixture';
import { startFixture, until } from '../../lab/kube/testing/lab-fixture';
import type { KubeConnectOptions } from '../kube-connection';
import { KubeConnection } from '../kube-connection';

export { until };

export interface KubeLab {
  lab: LabFixture;
  conn: KubeConnection;
  stop(): Promise<void>;
}

export async function startKubeLab(options: { nodes: string[]; speed?: number; connect?: Partial<KubeConnectOptions> }): Promise<KubeLab> {
  const lab = await startFixture({ nodes: options.nodes, speed: options.speed });
  const conn = await KubeConnection.create({ kubeconfig: lab.api.kubeconfig(), ...options.connect });
  await conn.connect();
  await until('nodes registered', async () => {
    const list = await conn.request<{ items: unknown[] }>({ method: 'GET', path: '/api/v1/nodes' });
    return list.items.length === options.nodes.length;
  });
  return {
    lab,
    conn,
    async stop() {
      conn.close();
      await lab.api.stop();
    },
  };
}
