import { describe, expect, it } from 'vitest';
import { testPlan } from '../cards/testing/plan-fixtures';
import { planTargets } from './plan-targets';

describe('plan targets', () => {
  it('puts the first control plane first and reaches static nodes at their planned address', () => {
    const plan = testPlan({
      nodes: [
        { hostname: 'pi-02', role: 'worker', address: '192.168.1.102' },
        { hostname: 'pi-01', role: 'control-plane', address: '192.168.1.101' },
      ],
    });
    const targets = planTargets(plan);
    expect(targets.map((t) => ({ hostname: t.hostname, role: t.role, host: t.host, port: t.port, address: t.address }))).toEqual([
      { hostname: 'pi-01', role: 'control-plane', host: '192.168.1.101', port: 22, address: '192.168.1.101' },
      { hostname: 'pi-02', role: 'worker', host: '192.168.1.102', port: 22, address: '192.168.1.102' },
    ]);
  });

  it('uses discovered addresses for DHCP nodes and asks the endpoint mapping at every connect', () => {
    const plan = testPlan({ nodes: [{ hostname: 'pi-01', role: 'control-plane' }] });
    expect(() => planTargets(plan)).toThrow('pi-01 has not been found on the network yet');
    let port = 40001;
    const [t] = planTargets(plan, new Map([['pi-01', '192.168.1.150']]), (a) => (a === '192.168.1.150' ? { host: '127.0.0.11', port } : undefined));
    expect([t!.host, t!.port, t!.address]).toEqual(['127.0.0.11', 40001, '192.168.1.150']);
    port = 40002;
    expect(t!.port).toBe(40002);
    const [gone] = planTargets(plan, new Map([['pi-01', '192.168.1.150']]), () => undefined);
    expect(() => gone!.host).toThrow('pi-01 (192.168.1.150) is not reachable right now.');
    expect(() => planTargets(testPlan({ nodes: [{ hostname: 'pi-01', role: 'worker', address: '10.0.0.1' }] }))).toThrow(/no control-plane node/);
  });
});
