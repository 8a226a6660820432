/**
 * A failed `microk8s join`, recognised from MicroK8s' own text (see microk8s-cli.md) and told in
 * plain words, with what the app does next: retry with a fresh token, retry after a pause, fix
 * the hosts entries first, or stop because only the user can fix it.
 */

import { ClusterError } from './cluster-errors';

export const JOIN_FAILURE_KINDS = [
  'invalid-token',
  'hostname-not-resolvable',
  'identity-check',
  'same-ip',
  'agent-refused',
  'agent-unreachable',
  'clock',
  'datastore-busy',
  'invalid-address',
  'not-running',
  'unknown',
] as const;
export type JoinFailureKind = (typeof JOIN_FAILURE_KINDS)[number];

export type JoinRetry = 'new-token' | 'fix-hosts' | 'wait' | 'no';

export interface JoinFailure {
  kind: JoinFailureKind;
  /** Plain-words explanation: what happened and what to do. */
  explanation: string;
  retry: JoinRetry;
  /** The line of MicroK8s' output that decided it. */
  evidence: string;
  /** For the window's wording (`join.<kind>`): the nodes, addresses and names involved. */
  values: Record<string, string>;
}

export interface JoinContext {
  node: string;
  nodeAddress: string;
  controlPlane: string;
  controlPlaneAddress: string;
}

interface Rule {
  kind: JoinFailureKind;
  match: RegExp;
  retry: JoinRetry;
  explain(c: JoinContext, m: RegExpExecArray): string;
}

const RULES: Rule[] = [
  {
    kind: 'invalid-token',
    match: /Connection failed\. Invalid token \(500\)/,
    retry: 'new-token',
    explain: (c) =>
      `${c.controlPlane} did not accept the join token: it was already used (a token works once, even for a join that failed) or it expired. The app asks ${c.controlPlane} for a new token.`,
  },
  {
    kind: 'hostname-not-resolvable',
    match: /The hostname \((\S+)\) of the joining node does not resolve to the IP "([^"]+)"/,
    retry: 'fix-hosts',
    explain: (c, m) => `${c.controlPlane} looked up the name "${m[1]}" and did not find ${m[2]}. Its /etc/hosts needs a line "${m[2]} ${m[1]}"; the app writes it and tries again.`,
  },
  {
    kind: 'identity-check',
    match: /Could not verify the identity of (\S+)\./,
    retry: 'new-token',
    explain: (c, m) =>
      `${c.node} reached ${m[1]}, but its certificate does not match the fingerprint in the join command: ${c.controlPlane} has new certificates since the token was made, or another machine answers at that address. The app gets a fresh join command from ${c.controlPlane}.`,
  },
  {
    kind: 'same-ip',
    match: /The joining node has the same IP \(([^)]+)\) as the node we contact/,
    retry: 'no',
    explain: (c, m) => `${c.node} and ${c.controlPlane} both use the address ${m[1]}. Give every node its own address in the plan (or in the router's DHCP reservations) and re-write the card of one of them.`,
  },
  {
    kind: 'agent-refused',
    match: /ConnectionRefusedError/,
    retry: 'wait',
    explain: (c) => `${c.node} could not connect to ${c.controlPlaneAddress}:25000: nothing answered there (the cluster agent on ${c.controlPlane} is not running yet). The app waits a moment and tries again.`,
  },
  {
    kind: 'agent-unreachable',
    match: /TimeoutError|ConnectTimeout/,
    retry: 'new-token',
    explain: (c) =>
      `${c.node} could not reach port 25000 on ${c.controlPlaneAddress}: the connection timed out, which means a firewall between the nodes drops it (ufw on ${c.controlPlane}, the router, or a VM host). Allow TCP 25000, 16443, 19001, 10250 and UDP 4789 between the nodes.`,
  },
  {
    kind: 'clock',
    match: /x509: certificate has expired or is not yet valid/,
    retry: 'no',
    explain: (c) =>
      `The certificates are "not yet valid" because a clock is wrong (a Pi has no battery clock and keeps the image's date until it reaches a time server). Check that ${c.node} and ${c.controlPlane} have internet access for network time (timedatectl shows "System clock synchronized: yes"), then join again.`,
  },
  {
    kind: 'datastore-busy',
    match: /Failed to retrieve dqlite cluster nodes/,
    retry: 'wait',
    explain: (c) => `${c.controlPlane} is still taking in the previous control plane (its datastore is busy). The app waits until that node is Ready and tries again.`,
  },
  {
    kind: 'invalid-address',
    match: /(Invalid master IP|Invalid connection: Expected format)/,
    retry: 'no',
    explain: (c) => `The join command for ${c.controlPlane} was malformed (it needs an IPv4 address, port 25000 and a token). This is a bug in the app; please report it.`,
  },
  {
    kind: 'not-running',
    match: /microk8s is not running/,
    retry: 'wait',
    explain: (c) => `MicroK8s on ${c.node} is not running yet, so it cannot join. The app waits for it and tries again.`,
  },
];

/** A join that failed for good (after cleanup and the retry), with MicroK8s' reason. */
export class JoinError extends ClusterError {
  constructor(
    readonly failure: JoinFailure,
    node: string,
  ) {
    super('JOIN_FAILED', failure.explanation, node);
  }
}

export function explainJoinFailure(output: string, context: JoinContext): JoinFailure {
  for (const rule of RULES) {
    const m = rule.match.exec(output);
    if (m) return { kind: rule.kind, explanation: rule.explain(context, m), retry: rule.retry, evidence: lineOf(output, m.index), values: joinValues(context, m) };
  }
  const last = output.trim().split('\n').pop()?.trim() ?? '';
  return {
    kind: 'unknown',
    explanation: `Joining ${context.node} to ${context.controlPlane} failed with a message the app does not know: "${last}". Run "microk8s inspect" on both nodes for details.`,
    retry: 'no',
    evidence: last,
    values: { ...joinValues(context), detail: last },
  };
}

/** What the texts of every kind may name: the two nodes, their addresses, and what MicroK8s matched. */
function joinValues(c: JoinContext, m?: RegExpExecArray): Record<string, string> {
  return { node: c.node, nodeAddress: c.nodeAddress, controlPlane: c.controlPlane, controlPlaneAddress: c.controlPlaneAddress, name: m?.[1] ?? '', address: m?.[2] ?? m?.[1] ?? '' };
}

function lineOf(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index) + 1;
  const end = text.indexOf('\n', index);
  return text.slice(start, end < 0 ? undefined : end).trim();
}
