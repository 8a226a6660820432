/**
 * Test fixture: loopback stand-ins for a FakeLabCluster's LAN addresses, on a random 127.x.y.0/24
 * so parallel test files never collide: node 192.168.1.21 -> 127.x.y.21, and each LoadBalancer
 * address gets the next free one from 127.x.y.100 on.
 */
import type { LanAddressMap } from '../proxy/service-proxy';

export class TestLan implements LanAddressMap {
  readonly base = `127.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  #lb = new Map<string, string>();

  nodeLoopback(lanIp: string): string | undefined {
    const m = /^192\.168\.1\.(\d+)$/.exec(lanIp);
    return m && Number(m[1]) < 100 ? `${this.base}.${m[1]}` : undefined;
  }

  loadBalancerLoopback(lanIp: string): string | undefined {
    let host = this.#lb.get(lanIp);
    if (!host && this.#lb.size < 150) this.#lb.set(lanIp, (host = `${this.base}.${100 + this.#lb.size}`));
    return host;
  }
}
