/**
 * "Boot & discover": find the planned nodes on the network once they are powered on. Only the
 * subnets and hosts the user chose are ever contacted.
 */
import { z } from 'zod';
import { event, method } from './define';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const SUBNET_MESSAGE = 'Write a subnet as address/prefix with a prefix from 16 to 32, for example 192.168.1.0/24.';
/** `params.key`: the window words the issue as `issues.<key>` (see main/router issuesFromZod). */
export const cidr = z
  .string()
  .max(18, SUBNET_MESSAGE)
  .refine(
    (s) => {
      const [ip, prefix] = s.split('/');
      return !!ip && IPV4.test(ip) && prefix !== undefined && /^\d{1,2}$/.test(prefix) && Number(prefix) >= 16 && Number(prefix) <= 32;
    },
    { message: SUBNET_MESSAGE, params: { key: 'subnet.invalid', message: SUBNET_MESSAGE } },
  );
const HOST_MESSAGE = 'Write a host as an IPv4 address or a name such as pi-01.local.';
/** An IPv4 address or a host name (a VM, or a Pi on another subnet). */
export const hostOrAddress = z
  .string()
  .min(1)
  .max(253)
  .refine((s) => /^[A-Za-z0-9.-]+$/.test(s), { message: HOST_MESSAGE, params: { key: 'host.invalid', message: HOST_MESSAGE } });

export const candidateSubnet = z.object({
  cidr: z.string(),
  interfaceName: z.string(),
  localAddress: z.string(),
  narrowedFrom: z.string().optional(),
  /** The practice lab's network (simulated Pis on this computer). */
  practice: z.boolean(),
});

export const foundHost = z.object({
  address: z.string(),
  port: z.number().int(),
  mac: z.string().optional(),
  isPi: z.boolean(),
  /** From the SSH banner, e.g. "Ubuntu 24.04" (English, for logs). */
  system: z.string().optional(),
  /** The same as codes the window words (`find.os.<os>`): the system and, for Ubuntu, its release. */
  os: z.enum(['ubuntu', 'debian', 'raspbian', 'other']).optional(),
  osRelease: z.string().optional(),
  sshReady: z.boolean(),
  hostname: z.string().optional(),
  fingerprint: z.string().optional(),
  plannedNode: z.string().optional(),
  matchedBy: z.enum(['hostname', 'host-key', 'reverse-dns', 'dns', 'mdns']).optional(),
  /** 'unconfirmed': its key waits for the user's confirmation; 'refused': not the node it claims to be. */
  hostKeyStatus: z.enum(['unconfirmed', 'refused']).optional(),
});
export type FoundHost = z.infer<typeof foundHost>;

export const foundNode = z.object({ address: z.string(), port: z.number().int(), fingerprint: z.string().optional(), foundAt: z.number() });
export type FoundNode = z.infer<typeof foundNode>;

/** A host whose SSH key differs from the one pinned earlier: nothing is sent to it until the user decides. */
export const hostKeyChange = z.object({
  host: z.string(),
  port: z.number().int(),
  /** The planned node last found at this address. */
  node: z.string().optional(),
  keyType: z.string(),
  pinnedFingerprint: z.string(),
  presentedFingerprint: z.string(),
  /** When a card was prepared for that node after it was first found (a fresh system makes new host keys). */
  cardPreparedAt: z.string().optional(),
  seenAt: z.number(),
});
export type HostKeyChangeView = z.infer<typeof hostKeyChange>;

const fingerprint = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'A fingerprint looks like SHA256: followed by 43 characters.');

/**
 * First contact with a host the app did not prepare (a card imaged elsewhere, a VM): the app only
 * asked its name; nothing else is sent to it until the user confirms exactly this key.
 */
export const unconfirmedHost = z.object({
  host: z.string(),
  port: z.number().int(),
  keyType: z.string(),
  fingerprint: z.string(),
  /** What it says its hostname is. */
  hostname: z.string().optional(),
  seenAt: z.number(),
});
export type UnconfirmedHostView = z.infer<typeof unconfirmedHost>;

/**
 * A host refused because it is not the node it claims to be: it says it is (`hostname`), or answers
 * at the planned address of (`address`), a node whose card the app prepared, with another key.
 */
export const refusedHost = z.object({
  host: z.string(),
  port: z.number().int(),
  node: z.string(),
  reason: z.enum(['hostname', 'address']),
  keyType: z.string(),
  /** The key the app wrote to the node's card. */
  expectedFingerprint: z.string(),
  presentedFingerprint: z.string(),
  seenAt: z.number(),
});
export type RefusedHostView = z.infer<typeof refusedHost>;

export const findNodesState = z.object({
  /** The running search job, if any. */
  jobId: z.string().optional(),
  subnets: z.array(z.string()),
  hosts: z.array(foundHost),
  /** Planned hostname -> where it was found (kept across restarts). */
  found: z.record(z.string(), foundNode),
  missing: z.array(z.string()),
  /** Hosts refused because their SSH host key changed. */
  hostKeyChanges: z.array(hostKeyChange),
  /** Hosts met for the first time whose key waits for the user's confirmation (`findNodes.confirmHostKey`). */
  unconfirmedHosts: z.array(unconfirmedHost),
  /** Hosts refused for pretending to be a node the app prepared. */
  refusedHosts: z.array(refusedHost),
  /** Planned node -> fingerprint of the host key the app wrote to its card (known before it ever answers). */
  preparedKeys: z.record(z.string(), z.string()),
});
export type FindNodesState = z.infer<typeof findNodesState>;

export const findNodesMethods = {
  'findNodes.subnets': method(z.object({}).strict(), z.object({ subnets: z.array(candidateSubnet) }), 'Networks this computer is on (virtual, VPN and container interfaces left out).'),
  'findNodes.start': method(
    z
      .object({
        subnets: z.array(cidr).max(8),
        extraHosts: z.array(hostOrAddress).max(20).default([]),
        /** Allow subnets of more than 1024 addresses. */
        widen: z.boolean().default(false),
      })
      .strict(),
    findNodesState,
    'Search the chosen subnets and hosts until every planned node is found (a job; cancel to stop).',
  ),
  'findNodes.stop': method(z.object({}).strict(), findNodesState, 'Stop searching.'),
  'findNodes.state': method(z.object({}).strict(), findNodesState, 'What has been found so far.'),
  'findNodes.trustNewHostKey': method(
    z
      .object({
        host: z.string().min(1).max(253),
        port: z.number().int().min(1).max(65535),
        /** The new key the user was shown; only exactly this key will be trusted. */
        fingerprint,
      })
      .strict(),
    findNodesState,
    'After the user confirms the host was re-installed: forget its old key and trust exactly the new one on the next connection.',
  ),
  'findNodes.confirmHostKey': method(
    z
      .object({
        host: z.string().min(1).max(253),
        port: z.number().int().min(1).max(65535),
        /** The key the user was shown for this first contact; exactly this key is pinned. */
        fingerprint,
      })
      .strict(),
    findNodesState,
    'First contact with a host the app did not prepare: the user compared its key and trusts exactly that key from now on.',
  ),
};

export const findNodesEvents = {
  'findNodes.changed': event(findNodesState, 'Hosts found or matched, or the search stopped.'),
};
