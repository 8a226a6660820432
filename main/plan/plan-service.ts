/**
 * Saves and reads the plan. Main is the authority: the draft is validated again here with the
 * stored secrets in view, secrets are derived (PSK, password hash, key pair), and the window
 * only ever gets the PlanView back.
 */
import { z } from 'zod';
import { ErrorCode } from '../../preload/contract/errors';
import type { PlanDraft, PlanView, StoredPlan } from '../../preload/contract/plan';
import { storedPlan, supportedTimeZones } from '../../preload/contract/plan';
import { validatePlanRules } from '../../preload/contract/plan-rules';
import { AppError } from '../router/app-error';
import type { Slice, SliceDef } from '../state/state-store';
import { ClusterKey, fingerprintOf } from './cluster-key';
import { passwordHash, wifiPsk } from './secrets';

export function toPlanView(plan: StoredPlan): PlanView {
  const { wifi } = plan.network;
  return {
    clusterName: plan.clusterName,
    nodes: plan.nodes,
    microk8sChannel: plan.microk8sChannel,
    ubuntuRelease: plan.ubuntuRelease,
    timezone: plan.timezone,
    network: {
      kind: plan.network.kind,
      mode: plan.network.mode,
      ...(wifi ? { wifi: { ssid: wifi.ssid, hidden: wifi.hidden, country: wifi.country, passphraseSet: true } } : {}),
      ...(plan.network.static ? { static: plan.network.static } : {}),
    },
    login: { publicKey: plan.login.publicKey, fingerprint: fingerprintOf(plan.login.publicKey), passwordSet: plan.login.passwordHash !== undefined },
    savedAt: plan.savedAt,
  };
}

/** The plan's slice of the state (one per world). */
export const planSlice: SliceDef<{ plan: StoredPlan | null }> = {
  id: 'plan',
  version: 1,
  schema: z.object({ plan: storedPlan.nullable() }),
  initial: () => ({ plan: null }),
};

export class PlanService {
  readonly key: ClusterKey;
  #listeners = new Set<(plan: StoredPlan) => void>();

  constructor(
    private readonly slice: Slice<{ plan: StoredPlan | null }>,
    /** Where the world keeps its files (the cluster key lives in `keys/`). */
    dir: string,
  ) {
    this.key = new ClusterKey(dir);
  }

  get(): PlanView | null {
    const plan = this.slice.get().plan;
    return plan ? toPlanView(plan) : null;
  }

  /** The stored plan with derived secrets, for services in main only. */
  stored(): StoredPlan | null {
    return this.slice.get().plan;
  }

  /** Called after every saved change of the plan. */
  onChange(listener: (plan: StoredPlan) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async save(draft: PlanDraft): Promise<PlanView> {
    const previous = this.slice.get().plan;
    const issues = validatePlanRules(draft, { storedWifiSsid: previous?.network.wifi?.ssid, timeZones: supportedTimeZones() });
    if (issues.length > 0) {
      throw new AppError(ErrorCode.INVALID_PARAMS, `The plan was not saved: ${issues.length} field(s) need fixing.`, { issues, key: 'plan.invalid', values: { count: issues.length } });
    }
    const key = await this.key.ensure(`pi-cluster-wizard@${draft.clusterName}`);

    let wifi: StoredPlan['network']['wifi'];
    if (draft.network.kind === 'wifi' && draft.network.wifi) {
      const w = draft.network.wifi;
      const psk = w.passphrase ? wifiPsk(w.passphrase, w.ssid) : previous?.network.wifi?.psk;
      if (!psk) throw new AppError(ErrorCode.INVALID_PARAMS, 'Enter the Wi-Fi passphrase.', { key: 'plan.wifiPassphrase' });
      wifi = { ssid: w.ssid, psk, hidden: w.hidden, country: w.country };
    }
    let hash = previous?.login.passwordHash;
    if (draft.removePassword) hash = undefined;
    if (draft.password) hash = passwordHash(draft.password);

    const plan: StoredPlan = {
      clusterName: draft.clusterName,
      nodes: draft.nodes.map((n) => ({
        hostname: n.hostname,
        role: n.role,
        ...(draft.network.mode === 'static' && n.address ? { address: n.address } : {}),
      })),
      network: {
        kind: draft.network.kind,
        mode: draft.network.mode,
        ...(wifi ? { wifi } : {}),
        ...(draft.network.mode === 'static' && draft.network.static ? { static: draft.network.static } : {}),
      },
      login: { publicKey: key.publicKey, ...(hash ? { passwordHash: hash } : {}) },
      microk8sChannel: draft.microk8sChannel,
      ubuntuRelease: draft.ubuntuRelease,
      timezone: draft.timezone,
      savedAt: Date.now(),
    };
    await this.slice.update(() => ({ plan }));
    for (const listener of this.#listeners) listener(plan);
    return toPlanView(plan);
  }
}
