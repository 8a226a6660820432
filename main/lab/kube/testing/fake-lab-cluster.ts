/** An in-memory LabClusterView for tests and the benchmark: add nodes, flip readiness, remove. */
import { EventEmitter } from 'node:events';
import type { LabClusterView, LabNodeInfo } from '../../lab-cluster';

export class FakeLabCluster extends EventEmitter implements LabClusterView {
  #nodes = new Map<string, LabNodeInfo>();

  nodes(): LabNodeInfo[] {
    return [...this.#nodes.values()].map((n) => ({ ...n }));
  }

  /** Add a Raspberry Pi 4 (4 cores, 4 GiB) node; `overrides` change any field. */
  addNode(name: string, overrides: Partial<LabNodeInfo> = {}): LabNodeInfo {
    const index = this.#nodes.size + 1;
    const node: LabNodeInfo = {
      name,
      internalIP: `192.168.1.${20 + index}`,
      role: this.#nodes.size === 0 ? 'control-plane' : 'worker',
      ready: true,
      cpu: 4,
      memoryBytes: 3_975_802_880,
      podsCapacity: 110,
      architecture: 'arm64',
      osImage: 'Ubuntu 24.04.1 LTS',
      kernelVersion: '6.8.0-1012-raspi',
      kubeletVersion: 'v1.32.3',
      containerRuntimeVersion: 'containerd://1.6.28',
      joinedAt: Date.now(),
      ...overrides,
    };
    this.#nodes.set(name, node);
    this.emit('change');
    return node;
  }

  setReady(name: string, ready: boolean, notReadyReason?: string): void {
    const n = this.#nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    n.ready = ready;
    if (notReadyReason) n.notReadyReason = notReadyReason;
    else delete n.notReadyReason;
    this.emit('change');
  }

  removeNode(name: string): void {
    this.#nodes.delete(name);
    this.emit('change');
  }
}
