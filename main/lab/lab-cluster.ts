/**
 * The seam between the two halves of the practice lab.
 * Part 1 (virtual Pis, main/lab/pi/) owns the machines and the MicroK8s membership
 * (who joined, as control plane or worker, who is powered on). Part 2 (the Kubernetes API,
 * main/lab/kube/) turns that view into Node objects and reacts to changes (NotReady, eviction).
 */
import type { EventEmitter } from 'node:events';

export type LabNodeRole = 'control-plane' | 'worker';

export interface LabNodeInfo {
  /** Node name = the Pi's hostname (lowercase RFC 1123). */
  name: string;
  /** The address the node reports as InternalIP (the address the card asked for, or its DHCP lease). */
  internalIP: string;
  role: LabNodeRole;
  /** Powered on, kubelet running and the memory cgroup enabled. */
  ready: boolean;
  /** Why the node is not ready, in the kubelet's words, when `ready` is false. */
  notReadyReason?: string;
  /**
   * The kubelet posts nothing (Pi powered off, MicroK8s stopped, the node left): the node
   * controller keeps the last status until the monitor grace period, then marks it Unknown.
   * Without it, a not-ready node is one whose kubelet reports NotReady (`notReadyReason`).
   */
  silent?: boolean;
  /** How many times the node's kubelet has started (a new boot ID each time). */
  bootCount?: number;
  cpu: number;
  memoryBytes: number;
  podsCapacity: number;
  architecture: 'arm64' | 'amd64';
  osImage: string; // e.g. "Ubuntu 24.04.1 LTS"
  kernelVersion: string; // e.g. "6.8.0-1012-raspi"
  kubeletVersion: string; // e.g. "v1.32.3"
  containerRuntimeVersion: string; // e.g. "containerd://1.6.28"
  /** Lab epoch ms when the node joined the cluster (creationTimestamp). */
  joinedAt: number;
}

/** Emits 'change' whenever a node is added, removed or changes readiness. */
export interface LabClusterView extends EventEmitter {
  nodes(): LabNodeInfo[];
}
