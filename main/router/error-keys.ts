/**
 * Every key an error main sends can carry: the window words `errors.<key>` in the user's
 * language (what went wrong and what to do) and main's English `message` stays for logs and
 * other clients. The lists are the code's own (the SSH, disk, cluster and join codes), so a test
 * can check that both catalogues word every key main can send, and `AppError` accepts only these.
 */
import type { MessageValues } from '../../preload/contract/errors';
import { CLUSTER_ERROR_CODES, ClusterError } from '../cluster/cluster-errors';
import { JOIN_FAILURE_KINDS, JoinError } from '../cluster/join-errors';
import { DISK_ERROR_CODES, DiskError } from '../disk/disk-errors';
import { SSH_ERROR_CODES, SshError } from '../ssh/ssh-errors';

/** Keys of errors services throw on purpose (AppError), by feature. */
export const APP_ERROR_KEYS = [
  // the router and the app
  'app.internal',
  'app.invalidAnswer',
  'app.unknownMethod',
  'app.invalidParams',
  'app.switching',
  'app.jobRunning',
  'app.stepLocked',
  // jobs
  'jobs.notFound',
  'jobs.cancelled',
  'jobs.closing',
  'jobs.internal',
  // plan
  'plan.invalid',
  'plan.wifiPassphrase',
  // cards
  'cards.noPlan',
  'cards.notInPlan',
  'cards.deviceBusy',
  'cards.deviceGone',
  'cards.cancelled',
  'cards.unsupportedRelease',
  'cards.notUbuntu',
  'cards.verifyFailed',
  'cards.bootConfig',
  'cards.failed',
  'cards.driveNotAllowed',
  'cards.readOnly',
  'cards.confirmationRequired',
  'cards.largeConfirmationRequired',
  // find nodes
  'findNodes.noPlan',
  'findNodes.nothingChosen',
  'findNodes.noHostKeyChange',
  'findNodes.otherFingerprint',
  // cluster (steps 4 and 5)
  'cluster.noPlan',
  'cluster.busy',
  'cluster.notFoundYet',
  'cluster.findEveryNode',
  'cluster.noFix',
  'cluster.checksFailed',
  'cluster.noCluster',
  'cluster.notPlanned',
  'cluster.alreadyMember',
  'cluster.membersNotFound',
  'cluster.notMember',
  'cluster.firstControlPlane',
  // practice lab
  'practice.off',
  'practice.noPiRuns',
  'practice.tooManyPis',
  'practice.noPi',
  'practice.noCard',
  'practice.noReader',
  'practice.readerFull',
  'practice.shelfFull',
  'practice.cardInReader',
  'practice.cardInPi',
  'practice.powerOffFirst',
  'practice.piHasCard',
] as const;

export const ERROR_KEYS = [
  ...APP_ERROR_KEYS,
  ...SSH_ERROR_CODES.map((c) => `ssh.${c}` as const),
  ...DISK_ERROR_CODES.map((c) => `disk.${c}` as const),
  ...CLUSTER_ERROR_CODES.map((c) => `clusterError.${c}` as const),
  ...JOIN_FAILURE_KINDS.map((k) => `join.${k}` as const),
];
export type ErrorKey = (typeof ERROR_KEYS)[number];

export interface ErrorWording {
  key: ErrorKey;
  values?: MessageValues;
}

/** The key and values of an error from the SSH, disk or cluster libraries (undefined for anything else). */
export function wordingOf(error: unknown): ErrorWording | undefined {
  if (error instanceof JoinError) return { key: `join.${error.failure.kind}`, values: error.failure.values };
  if (error instanceof ClusterError) {
    if (error.code === 'CANCELLED') return { key: 'jobs.cancelled' };
    if (error.sshError) return { key: `ssh.${error.sshError.code}`, values: { host: error.sshError.host ?? '', ...error.sshError.values, node: error.node ?? error.sshError.host ?? '' } };
    if (error.code === 'SSH' && error.sshCode) return { key: `ssh.${error.sshCode}`, values: { host: error.node ?? '', node: error.node ?? '', ...error.values } };
    return { key: `clusterError.${error.code}`, values: { node: error.node ?? '', ...error.values } };
  }
  if (error instanceof SshError) {
    if (error.code === 'ABORTED') return { key: 'jobs.cancelled' };
    return { key: `ssh.${error.code}`, values: { host: error.host ?? '', node: error.host ?? '', ...error.values } };
  }
  if (error instanceof DiskError) return { key: `disk.${error.code}`, values: { detail: error.detail } };
  return undefined;
}
