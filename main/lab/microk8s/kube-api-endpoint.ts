/**
 * What the MicroK8s CLI on a Pi needs from the lab's Kubernetes API servers (`microk8s config`,
 * `microk8s kubectl`, `microk8s enable|disable`); main/lab/microk8s/cluster-apis.ts supplies it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AddonObjects } from '../kube/addons/lab-addons';
import type { VirtualPi } from '../pi/virtual-pi';

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query, e.g. `/api/v1/namespaces/default/pods?labelSelector=app%3Dnginx`. */
  path: string;
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** Streamed responses (watch, logs -f): each chunk as it arrives; `text` is then empty. */
  onChunk?: (chunk: string) => void;
  signal?: AbortSignal;
}

export interface ApiResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface KubeApiEndpoint {
  /** The kubeconfig with cluster microk8s-cluster, user admin, context microk8s, for `serverUrl`. */
  kubeconfig(serverUrl: string): string;
  /**
   * An HTTPS request to the API server the Pi itself serves, as `microk8s kubectl` on a control
   * plane makes it to 127.0.0.1:16443. Rejects (ECONNREFUSED) when the Pi serves none.
   */
  request?(pi: VirtualPi, req: ApiRequest): Promise<ApiResponse>;
  /** The kubectl steps of the addon scripts, against the Pi's own cluster; without them, addons that need objects only print their texts. */
  addonsFor?(pi: VirtualPi): AddonObjects | undefined;
  /** One API for the whole lab (a single control plane): its addon steps. */
  addons?: AddonObjects;
}
