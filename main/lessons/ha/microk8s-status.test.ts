/** `microk8s status` as upstream prints it (reference: microk8s-cli.md), read into facts. */
import { describe, expect, it } from 'vitest';
import { datastoreHost, parseMicrok8sStatus } from './microk8s-status';

describe('parseMicrok8sStatus', () => {
  it('reads a single control plane: not HA, one master, no standby', () => {
    const out = `microk8s is running
high-availability: no
  datastore master nodes: 127.0.0.1:19001
  datastore standby nodes: none
addons:
  enabled:
    dns                  # (core) CoreDNS
    ha-cluster           # (core) Configure high availability on the current node
  disabled:
    metallb              # (core) Loadbalancer for your Kubernetes cluster
`;
    expect(parseMicrok8sStatus(out)).toEqual({ running: true, highAvailability: false, masters: ['127.0.0.1:19001'], standby: [], worker: false });
  });

  it('reads three voters and standbys', () => {
    const out = 'microk8s is running\nhigh-availability: yes\n  datastore master nodes: 192.168.1.21:19001 192.168.1.22:19001 192.168.1.23:19001\n  datastore standby nodes: 192.168.1.24:19001\naddons:\n';
    const s = parseMicrok8sStatus(out);
    expect(s.highAvailability).toBe(true);
    expect(s.masters.map(datastoreHost)).toEqual(['192.168.1.21', '192.168.1.22', '192.168.1.23']);
    expect(s.standby).toEqual(['192.168.1.24:19001']);
  });

  it('knows a worker and a stopped MicroK8s', () => {
    expect(parseMicrok8sStatus('This MicroK8s deployment is acting as a node in a cluster.\nPlease use the control plane node.\n')).toMatchObject({ worker: true, running: false, masters: [] });
    const stopped = parseMicrok8sStatus('microk8s is not running. Use microk8s inspect for a deeper inspection.\n');
    expect(stopped.running).toBe(false);
    expect(stopped.highAvailability).toBeUndefined();
  });

  it('splits IPv6 datastore addresses', () => {
    expect(datastoreHost('[fd00::21]:19001')).toBe('fd00::21');
  });
});
