/**
 * Service IP and NodePort allocation at admission, as MicroK8s configures the API server:
 * ClusterIPs from 10.152.183.0/24 and NodePorts from 30000-32767, with upstream's
 * "already allocated" errors for requested values in use.
 */
import type { AdmissionPlugin, KubeApi, Operation } from '../api/kube-api';
import type { ResourceType } from '../api/resource-registry';
import { invalid, invalidValue } from '../api/status-errors';
import type { FieldError } from '../api/status-errors';
import type { KubeObject, Service } from '../api/types';

const PREFIX = '10.152.183.';

export class ServiceAllocator implements AdmissionPlugin {
  admit(op: Operation, t: ResourceType, object: KubeObject, old: KubeObject | undefined, api: KubeApi): void {
    if (t.kind !== 'Service') return;
    const svc = object as Service;
    const prev = old as Service | undefined;
    const others = api.objects<Service>('Service').filter((s) => s.metadata.uid !== prev?.metadata.uid);
    const errs: FieldError[] = [];
    if (svc.spec.type !== 'ExternalName') {
      if (op === 'UPDATE' && prev?.spec.clusterIP) {
        svc.spec.clusterIP ??= prev.spec.clusterIP;
        svc.spec.clusterIPs ??= prev.spec.clusterIPs;
      }
      const usedIPs = new Set(others.map((s) => s.spec.clusterIP));
      if (!svc.spec.clusterIP) {
        let ip: string | undefined;
        for (let i = 0; i < 1000 && !ip; i++) {
          const candidate = `${PREFIX}${2 + Math.floor(Math.random() * 252)}`;
          if (!usedIPs.has(candidate) && candidate !== `${PREFIX}10`) ip = candidate;
        }
        svc.spec.clusterIP = ip;
      } else if (svc.spec.clusterIP !== 'None' && op === 'CREATE' && usedIPs.has(svc.spec.clusterIP)) {
        errs.push(invalidValue('spec.clusterIPs', [svc.spec.clusterIP], `failed to allocate IP ${svc.spec.clusterIP}: provided IP is already allocated`));
      }
      svc.spec.clusterIPs = [svc.spec.clusterIP!];
    }
    if (svc.spec.type === 'NodePort' || svc.spec.type === 'LoadBalancer') {
      const used = new Set(others.flatMap((s) => (s.spec.ports ?? []).map((p) => p.nodePort)));
      (svc.spec.ports ?? []).forEach((p, i) => {
        const before = prev?.spec.ports?.find((x) => x.port === p.port)?.nodePort;
        if (p.nodePort === undefined) p.nodePort = before ?? this.#freePort(used);
        else if (p.nodePort !== before && used.has(p.nodePort)) errs.push(invalidValue(`spec.ports[${i}].nodePort`, p.nodePort, 'provided port is already allocated'));
        used.add(p.nodePort);
      });
    }
    if (errs.length) throw invalid(t, svc.metadata.name ?? '', errs);
  }

  #freePort(used: Set<number | undefined>): number {
    for (;;) {
      const p = 30000 + Math.floor(Math.random() * 2768);
      if (!used.has(p)) return p;
    }
  }
}
