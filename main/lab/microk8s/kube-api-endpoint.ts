/** What `microk8s config` needs from the lab's Kubernetes API server (main/lab/kube supplies it). */
export interface KubeApiEndpoint {
  /** The kubeconfig with cluster microk8s-cluster, user admin, context microk8s, for `serverUrl`. */
  kubeconfig(serverUrl?: string): string;
}
