import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { verify } from 'unixcrypt';
import { describe, expect, it } from 'vitest';
import type { PlanDraft } from '../../preload/contract/plan';
import { StateStore } from '../state/state-store';
import { PlanService, planSlice } from './plan-service';
import { wifiPsk } from './secrets';

function draft(overrides: Partial<PlanDraft> = {}): PlanDraft {
  return {
    clusterName: 'home-lab',
    nodes: [
      { hostname: 'pi-01', role: 'control-plane' },
      { hostname: 'pi-02', role: 'worker' },
    ],
    network: { kind: 'wifi', mode: 'dhcp', wifi: { ssid: 'Home "5G": #1', passphrase: 'correct horse', hidden: false, country: 'CN' } },
    microk8sChannel: '1.32/stable',
    ubuntuRelease: '24.04',
    timezone: 'Asia/Shanghai',
    password: 'new-secret-1',
    ...overrides,
  };
}

async function service(): Promise<{ plans: PlanService; store: StateStore }> {
  const store = new StateStore(await mkdtemp(path.join(tmpdir(), 'pcw-plan-')));
  await store.load();
  return { plans: new PlanService(store.slice(planSlice, 'real'), store.dataDir), store };
}

describe('wifiPsk', () => {
  it('matches the IEEE 802.11i test vector', () => {
    expect(wifiPsk('password', 'IEEE')).toBe('f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e');
  });
});

describe('PlanService', () => {
  it('saves a valid plan with derived secrets only, and a 0600 private key', async () => {
    const { plans, store } = await service();
    const view = await plans.save(draft());
    expect(view.login.publicKey).toMatch(/^ssh-ed25519 AAAA/);
    expect(view.login.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(view.network.wifi).toEqual({ ssid: 'Home "5G": #1', hidden: false, country: 'CN', passphraseSet: true });
    expect(JSON.stringify(view)).not.toContain('correct horse');

    const file = await readFile(store.file, 'utf8');
    expect(file).not.toContain('correct horse');
    expect(file).not.toContain('new-secret-1');
    const stored = plans.stored();
    expect(stored?.network.wifi?.psk).toBe(wifiPsk('correct horse', 'Home "5G": #1'));
    expect(await verify('new-secret-1', stored?.login.passwordHash ?? '')).toBe(true);
    expect((await stat(plans.key.privateKeyPath)).mode & 0o777).toBe(0o600);
    expect(await readFile(plans.key.privateKeyPath, 'utf8')).toContain('OPENSSH PRIVATE KEY');
  });

  it('keeps the stored passphrase and password when the form leaves them empty', async () => {
    const { plans } = await service();
    await plans.save(draft());
    const firstPsk = plans.stored()?.network.wifi?.psk;
    const firstHash = plans.stored()?.login.passwordHash;
    await plans.save(draft({ network: { kind: 'wifi', mode: 'dhcp', wifi: { ssid: 'Home "5G": #1', passphrase: '', hidden: true, country: 'CN' } }, password: undefined }));
    expect(plans.stored()?.network.wifi?.psk).toBe(firstPsk);
    expect(plans.stored()?.network.wifi?.hidden).toBe(true);
    expect(plans.stored()?.login.passwordHash).toBe(firstHash);
  });

  it('saves nothing when the plan is invalid, and says what to fix per field', async () => {
    const { plans, store } = await service();
    await expect(
      plans.save(
        draft({
          nodes: [
            { hostname: 'Pi_01', role: 'control-plane' },
            { hostname: 'pi-02', role: 'worker' },
            { hostname: 'pi-02', role: 'worker' },
          ],
          network: { kind: 'wifi', mode: 'dhcp', wifi: { ssid: 'home', passphrase: 'short12', hidden: false, country: 'CN' } },
        }),
      ),
    ).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
      issues: expect.arrayContaining([
        expect.objectContaining({ path: 'nodes.0.hostname', key: 'hostname.uppercase' }),
        expect.objectContaining({ path: 'nodes.1.hostname', key: 'hostname.duplicate' }),
        expect.objectContaining({ path: 'nodes.2.hostname', key: 'hostname.duplicate' }),
        expect.objectContaining({ path: 'network.wifi.passphrase', key: 'passphrase.length' }),
      ]),
    });
    expect(store.slice(planSlice, 'real').get().plan).toBeNull();
  });
});
