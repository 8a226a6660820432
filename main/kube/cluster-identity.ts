/**
 * Which cluster this is, so a lesson started on one cluster is never applied to another (a
 * reset Pi cluster at the same address is a new cluster). The `kube-system` namespace's UID is
 * created once per cluster and shared by every control plane; the CA fingerprint says which
 * authority the kubeconfig trusts. The caller stores an identity and compares later ones.
 */

export interface ClusterIdentity {
  /** metadata.uid of the kube-system namespace. */
  kubeSystemUid: string;
  /** SHA-256 fingerprint of the CA in the kubeconfig (`AB:CD:...`), when it embeds one. */
  caFingerprint?: string;
  /** The server that answered (informational: every control plane of one cluster has the same identity). */
  server: string;
}

export type IdentityComparison = 'same' | 'different-cluster' | 'different-ca';

/** `same` when both name the same cluster; a CA is compared only when both identities carry one. */
export function compareIdentity(expected: Pick<ClusterIdentity, 'kubeSystemUid' | 'caFingerprint'>, actual: Pick<ClusterIdentity, 'kubeSystemUid' | 'caFingerprint'>): IdentityComparison {
  if (expected.kubeSystemUid !== actual.kubeSystemUid) return 'different-cluster';
  if (expected.caFingerprint && actual.caFingerprint && expected.caFingerprint !== actual.caFingerprint) return 'different-ca';
  return 'same';
}
