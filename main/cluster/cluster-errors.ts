/**
 * Errors of cluster operations: a stable `code` the UI can branch on (and translate later), the
 * node it happened on, and an English message that says what went wrong and what to do.
 * Messages never carry passwords, keys or join tokens.
 */
import { SshError } from '../ssh/ssh-errors';

export const CLUSTER_ERROR_CODES = [
  /** SSH failed (see `sshCode`): unreachable, login refused, host key changed, connection lost... */
  'SSH',
  /** sudo wants a password the app was not given. */
  'SUDO_PASSWORD_REQUIRED',
  /** A command ended with a non-zero exit code the app has no better explanation for. */
  'COMMAND_FAILED',
  'INSTALL_FAILED',
  /** MicroK8s did not become ready in time. */
  'MICROK8S_NOT_READY',
  /** A join failed; `joinFailure` in the message's source explains which way. */
  'JOIN_FAILED',
  /** A node did not reach Ready in the Kubernetes API in time. */
  'NODE_NOT_READY',
  'NODE_DID_NOT_COME_BACK',
  'KUBECONFIG_INVALID',
  /** A node's kubeconfig asked for something that could run code or weaken TLS on this computer. */
  'KUBECONFIG_REFUSED',
  'NO_CONTROL_PLANE',
  'REMOVE_FAILED',
  'CANCELLED',
] as const;
export type ClusterErrorCode = (typeof CLUSTER_ERROR_CODES)[number];

export class ClusterError extends Error {
  override readonly name = 'ClusterError';
  constructor(
    readonly code: ClusterErrorCode,
    message: string,
    /** Hostname of the node, when the error belongs to one. */
    readonly node?: string,
    /** The SSH layer's code when `code` is 'SSH'. */
    readonly sshCode?: SshError['code'],
    /** The SSH error itself when `code` is 'SSH' (e.g. the host key change to show). */
    readonly sshError?: SshError,
    /** For the window's wording (`cluster.<code>`): e.g. `detail`, the command's own last line. */
    readonly values?: Record<string, string | number>,
  ) {
    super(message);
  }
}

/** Wraps anything thrown by the SSH layer or an abort into a ClusterError for `node`. */
export function toClusterError(err: unknown, node: string): ClusterError {
  if (err instanceof ClusterError) return err;
  if (err instanceof SshError) {
    if (err.code === 'ABORTED') return new ClusterError('CANCELLED', `The operation on ${node} was cancelled.`, node);
    if (err.code === 'SUDO_PASSWORD_REQUIRED') return new ClusterError('SUDO_PASSWORD_REQUIRED', err.message, node);
    return new ClusterError('SSH', `${node}: ${err.message}`, node, err.code, err);
  }
  if ((err as { name?: string } | null)?.name === 'AbortError') return new ClusterError('CANCELLED', `The operation on ${node} was cancelled.`, node);
  return new ClusterError('COMMAND_FAILED', `${node}: ${(err as Error)?.message ?? String(err)}`, node, undefined, undefined, { detail: (err as Error)?.message ?? String(err) });
}
