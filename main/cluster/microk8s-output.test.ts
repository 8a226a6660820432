/** Parsers of MicroK8s' outputs, on the texts upstream prints (microk8s-cli.md). */
import { describe, expect, it } from 'vitest';
import { isWorkerNotice, parseAddNodeJson, parseGetNodes, parseStatus } from './microk8s-output';
import { parseNcResult } from './preflight';

describe('MicroK8s outputs', () => {
  it('kubectl get nodes -o wide, including NotReady and cordoned nodes', () => {
    const text = `NAME    STATUS   ROLES    AGE   VERSION   INTERNAL-IP    EXTERNAL-IP   OS-IMAGE             KERNEL-VERSION      CONTAINER-RUNTIME
pi-01   Ready    <none>   13m   v1.32.3   192.168.1.21   <none>        Ubuntu 24.04.1 LTS   6.8.0-1012-raspi    containerd://1.6.28
pi-02   NotReady   <none>   2m   v1.32.3   192.168.1.22   <none>        Ubuntu 24.04.1 LTS   6.8.0-1012-raspi    containerd://1.6.28
pi-03   Ready,SchedulingDisabled   <none>   2m   v1.32.3   192.168.1.23   <none>        Ubuntu 24.04.1 LTS   6.8.0-1012-raspi    containerd://1.6.28
`;
    expect(parseGetNodes(text)).toEqual([
      { name: 'pi-01', status: 'Ready', ready: true },
      { name: 'pi-02', status: 'NotReady', ready: false },
      { name: 'pi-03', status: 'Ready,SchedulingDisabled', ready: true },
    ]);
    expect(parseGetNodes('This MicroK8s deployment is acting as a node in a cluster.\nPlease use the control plane node.\n')).toEqual([]);
    expect(isWorkerNotice('This MicroK8s deployment is acting as a node in a cluster.\nPlease use the control plane node.\n')).toBe(true);
  });

  it('add-node --format json and status (pretty)', () => {
    expect(parseAddNodeJson('{\n  "token": "92b2db237428470dc4fcfc4ebbd9dc81/2c0cb3284b05",\n  "urls": [\n    "192.168.1.230:25000/92b2db237428470dc4fcfc4ebbd9dc81/2c0cb3284b05"\n  ]\n}\n')).toEqual({
      token: '92b2db237428470dc4fcfc4ebbd9dc81/2c0cb3284b05',
      urls: ['192.168.1.230:25000/92b2db237428470dc4fcfc4ebbd9dc81/2c0cb3284b05'],
    });
    expect(parseAddNodeJson('Invalid token size.  It must be 32 characters long.')).toBeUndefined();
    expect(parseStatus('microk8s is running\nhigh-availability: yes\n  datastore master nodes: 10.0.0.1:19001 10.0.0.2:19001 10.0.0.3:19001\n  datastore standby nodes: none\naddons:\n')).toEqual({
      running: true,
      highAvailability: true,
      voters: ['10.0.0.1:19001', '10.0.0.2:19001', '10.0.0.3:19001'],
    });
    expect(parseStatus('microk8s is not running. Use microk8s inspect for a deeper inspection.\n')).toEqual({ running: false, highAvailability: false, voters: [] });
  });

  it('nc -zv: refused means reachable, a timeout means a firewall', () => {
    expect(parseNcResult('Connection to 192.168.1.21 25000 port [tcp/*] succeeded!\n', 0)).toBe('open');
    expect(parseNcResult('nc: connect to 192.168.1.21 port 25000 (tcp) failed: Connection refused\n', 1)).toBe('refused');
    expect(parseNcResult('nc: connect to 192.168.1.21 port 25000 (tcp) timed out: Operation now in progress\n', 1)).toBe('blocked');
    expect(parseNcResult('nc: getaddrinfo for host "pi-09" port 25000: Temporary failure in name resolution\n', 1)).toBe('unresolved');
  });
});
