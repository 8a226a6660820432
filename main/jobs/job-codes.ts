/**
 * What a job is and where it is, as codes the window words (`jobs.title.<kind>`,
 * `jobs.phase.<phase>`): every kind and phase main can send is listed here, so a test can check
 * that both catalogues word each one, and `JobManager` accepts only these. A feature adding a
 * job adds its kind (and any new phase) here and its words to renderer/src/jobs/messages.ts.
 */

export const JOB_KINDS = [
  'prepare-card',
  'find-nodes',
  'cluster.preflight',
  'cluster.fix',
  'cluster.build',
  'cluster.addNode',
  'cluster.removeNode',
  'cluster.reset',
  'imaging',
  'lessons.reset',
] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const JOB_PHASES = [
  // every job
  'starting',
  'done',
  'failed',
  'cancelling',
  'cancelled',
  // find nodes
  'searching',
  /** Values: `nodes` (the planned nodes not found yet). */
  'waiting-for',
  // cards
  'checking-card',
  'writing',
  'verifying',
  'ejecting',
  // cluster
  'connecting',
  'checking',
  'fixing',
  'installing',
  'forming',
  'saving',
  'installing-and-joining',
  'removing',
  'resetting',
  // imaging
  'reading-checksums',
  'checking-cache',
  'downloading',
  'downloading-and-writing',
  // lessons
  'deleting',
] as const;
export type JobPhase = (typeof JOB_PHASES)[number];
