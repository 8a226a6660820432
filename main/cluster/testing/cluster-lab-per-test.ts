/** Vitest helper (kept apart from cluster-lab.ts, which the benchmark imports without vitest). */
import { afterEach } from 'vitest';
import { openAll, type NodeSession } from '../node-session';
import { startClusterLab, type ClusterLab, type LabNodeSpec } from './cluster-lab';

/**
 * A fresh lab per test with every node's session open, stopped after the test:
 * `const start = clusterLabPerTest(); const { lab, sessions } = await start([...nodes]);`
 */
export function clusterLabPerTest(): (nodes: LabNodeSpec[]) => Promise<{ lab: ClusterLab; sessions: NodeSession[] }> {
  let lab: ClusterLab | undefined;
  let sessions: NodeSession[] = [];
  afterEach(async () => {
    for (const s of sessions) s.close();
    sessions = [];
    await lab?.stop();
    lab = undefined;
  });
  return async (nodes) => {
    lab = await startClusterLab({ nodes });
    sessions = await openAll(lab.targets, lab.login, lab.ctx);
    return { lab, sessions };
  };
}
