/** What `microk8s config` and `microk8s enable|disable` need from the lab's Kubernetes API server (main/lab/kube supplies it). */
import type { AddonObjects } from '../kube/addons/lab-addons';

export interface KubeApiEndpoint {
  /** The kubeconfig with cluster microk8s-cluster, user admin, context microk8s, for `serverUrl`. */
  kubeconfig(serverUrl?: string): string;
  /** The kubectl steps of the addon scripts; without it, addons that need objects only print their texts. */
  addons?: AddonObjects;
}
