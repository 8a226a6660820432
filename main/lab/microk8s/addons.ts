/** MicroK8s core addons as `microk8s status` lists them, and what enable/disable print. */

export interface AddonInfo {
  name: string;
  description: string;
  version: string;
  /** Display name in "Enabling X" / "X is enabled". */
  title: string;
  enableSteps: string[];
}

export const CORE_ADDONS: AddonInfo[] = [
  { name: 'dashboard', description: 'The Kubernetes dashboard', version: '2.7.0', title: 'Kubernetes Dashboard', enableSteps: ['Applying manifest'] },
  {
    name: 'dns',
    description: 'CoreDNS',
    version: '1.13.1',
    title: 'DNS',
    enableSteps: [
      'Using host configuration from /run/systemd/resolve/resolv.conf',
      'Applying manifest',
      'serviceaccount/coredns created',
      'configmap/coredns created',
      'deployment.apps/coredns created',
      'service/kube-dns created',
      'clusterrole.rbac.authorization.k8s.io/coredns created',
      'clusterrolebinding.rbac.authorization.k8s.io/coredns created',
      'CoreDNS service deployed with IP address 10.152.183.10',
      'Restarting kubelet',
    ],
  },
  { name: 'ha-cluster', description: 'Configure high availability on the current node', version: '', title: 'HA', enableSteps: [] },
  { name: 'helm', description: 'Helm - the package manager for Kubernetes', version: '3.9.1', title: 'Helm', enableSteps: [] },
  { name: 'helm3', description: 'Helm 3 - the package manager for Kubernetes', version: '3.9.1', title: 'Helm 3', enableSteps: [] },
  { name: 'hostpath-storage', description: 'Storage class; allocates storage from host directory', version: '1.0.0', title: 'default storage', enableSteps: ['deployment.apps/hostpath-provisioner created', 'storageclass.storage.k8s.io/microk8s-hostpath created'] },
  { name: 'ingress', description: 'Ingress controller for external access', version: '1.10.1', title: 'Ingress', enableSteps: ['ingressclass.networking.k8s.io/public created', 'ingressclass.networking.k8s.io/nginx created', 'daemonset.apps/nginx-ingress-microk8s-controller created'] },
  {
    name: 'metallb',
    description: 'Loadbalancer for your Kubernetes cluster',
    version: '0.13.10',
    title: 'MetalLB',
    enableSteps: ['Applying Metallb manifest', 'namespace/metallb-system created', 'deployment.apps/controller created', 'daemonset.apps/speaker created', 'Waiting for Metallb controller to be ready.', 'deployment.apps/controller condition met', 'ipaddresspool.metallb.io/default-addresspool created', 'l2advertisement.metallb.io/default-advertise-all-pools created'],
  },
  {
    name: 'metrics-server',
    description: 'K8s Metrics Server for API access to service metrics',
    version: '0.7.0',
    title: 'Metrics-Server',
    enableSteps: ['serviceaccount/metrics-server created', 'deployment.apps/metrics-server created', 'service/metrics-server created', 'apiservice.apiregistration.k8s.io/v1beta1.metrics.k8s.io created', 'Adding argument --authentication-token-webhook to nodes.'],
  },
  { name: 'rbac', description: 'Role-Based Access Control for authorisation', version: '', title: 'RBAC', enableSteps: ['Reconfiguring apiserver'] },
  { name: 'registry', description: 'Private image registry exposed on localhost:32000', version: '2.8.1', title: 'the private registry', enableSteps: ['namespace/container-registry created', 'deployment.apps/registry created', 'service/registry created'] },
  { name: 'storage', description: 'Alias to hostpath-storage add-on, deprecated', version: '1.0.0', title: 'default storage', enableSteps: [] },
];

export const DEFAULT_ADDONS = ['dns', 'ha-cluster', 'helm', 'helm3'];
