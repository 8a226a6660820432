/**
 * State files written before typed slices (version 1: a plan, step statuses and a free-form
 * `records` bag) become version 2: each feature's data in its own slice, in the world it
 * belonged to. Version 1 had one world: when practice mode was on, the plan, card reports, found
 * nodes, cluster and their files (cluster key, known hosts, kubeconfigs) were the practice
 * lab's, so they move into the practice world; otherwise they stay the real world's.
 *
 * Only the shapes are moved here; each feature validates its own slice when it reads it.
 */
import path from 'node:path';
import { z } from 'zod';
import { preferences } from '../../preload/contract/app';
import type { PersistedState } from './state-store';

const v1 = z.object({
  version: z.literal(1),
  preferences,
  plan: z.unknown().nullable(),
  steps: z.record(z.string(), z.unknown()),
  records: z.record(z.string(), z.unknown()),
});

export type MigrationResult = { ok: true; state: PersistedState; moves: Array<{ from: string; to: string }> } | { ok: false; detail: string };

const record = (data: unknown) => ({ v: 1, data });
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function migrateV1(raw: unknown, dirs: { dataDir: string; practiceDir: string }): MigrationResult {
  const parsed = v1.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, detail: `version 1: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}` };
  }
  const { preferences: prefs, plan, records } = parsed.data;
  const practice = records['practice'] === true;
  const world: PersistedState['worlds']['real'] = {};
  if (plan) world['plan'] = record({ plan });
  if (isObject(records['cardReports'])) world['cards'] = record({ reports: records['cardReports'] });
  if (isObject(records['foundNodes'])) world['findNodes'] = record({ found: records['foundNodes'] });
  const built = records['clusterBuilt'];
  const running = records['clusterBuildRunning'];
  if (isObject(built) || isObject(running)) {
    let cluster: Record<string, unknown> = {};
    if (isObject(built)) {
      // v1 kept the kubeconfig's absolute path; v2 derives it from the cluster's name and the world's folder.
      const { kubeconfigPath, ...rest } = built;
      const clusterName = typeof kubeconfigPath === 'string' ? path.basename(path.dirname(kubeconfigPath)) : undefined;
      cluster = { built: { ...rest, ...(clusterName ? { clusterName } : {}) } };
    }
    if (isObject(running)) cluster['running'] = running;
    world['cluster'] = record(cluster);
  }
  const app: PersistedState['app'] = {};
  const shelf: Record<string, unknown> = {};
  if (typeof records['practiceSpeed'] === 'number') shelf['speed'] = records['practiceSpeed'];
  if (Array.isArray(records['practiceCards'])) shelf['cards'] = records['practiceCards'];
  if (Array.isArray(records['practicePis'])) shelf['pis'] = records['practicePis'];
  if (Object.keys(shelf).length > 0) app['practice'] = record(shelf);

  const moves = practice
    ? ['keys', 'known_hosts', 'clusters'].map((name) => ({ from: path.join(dirs.dataDir, name), to: path.join(dirs.practiceDir, name) }))
    : [];
  return {
    ok: true,
    moves,
    state: {
      version: 2,
      preferences: prefs,
      mode: practice ? 'practice' : 'real',
      app,
      worlds: { real: practice ? {} : world, practice: practice ? world : {} },
    },
  };
}
