/**
 * The cluster plan: what the user wants to build. The window edits a draft; main validates it
 * with the same rules, derives secrets (Wi-Fi PSK, password hash, SSH key pair) and stores
 * only the derived values. The window never receives a secret back.
 */
import { z } from 'zod';
import { method } from './define';
import { validatePlanRules } from './plan-rules';

export const nodeRole = z.enum(['control-plane', 'worker']);
export type NodeRole = z.infer<typeof nodeRole>;
export const ubuntuRelease = z.enum(['24.04', '22.04']);
export type UbuntuRelease = z.infer<typeof ubuntuRelease>;

const shortText = z.string().max(253);

const planNode = z.object({
  hostname: z.string().max(253),
  role: nodeRole,
  address: z.string().max(64).optional(),
});

const staticNetwork = z.object({
  prefix: z.number().int(),
  gateway: shortText,
  dns: z.array(shortText).max(4),
});

const planBase = {
  clusterName: shortText,
  nodes: z.array(planNode).max(64),
  microk8sChannel: z.string().max(64),
  ubuntuRelease,
  timezone: z.string().max(64),
};

/** What the form sends. Empty passphrase / absent password mean "keep what is stored". */
export const planDraftShape = z
  .object({
    ...planBase,
    network: z.object({
      kind: z.enum(['ethernet', 'wifi']),
      wifi: z
        .object({ ssid: z.string().max(128), passphrase: z.string().max(128).optional(), hidden: z.boolean(), country: z.string().max(8) })
        .optional(),
      mode: z.enum(['dhcp', 'static']),
      static: staticNetwork.optional(),
    }),
    /** New ubuntu password; undefined keeps the stored hash; '' with removePassword clears it. */
    password: z.string().max(256).optional(),
    removePassword: z.boolean().optional(),
  })
  .strict();
export type PlanDraft = z.infer<typeof planDraftShape>;

/** The draft schema with every plan rule applied (context-free: no stored secrets known). */
export const planDraft = planDraftShape.superRefine((draft, ctx) => {
  for (const issue of validatePlanRules(draft, { timeZones: supportedTimeZones() })) {
    ctx.addIssue({ code: 'custom', path: issue.path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)), message: issue.message, params: issue });
  }
});

export function supportedTimeZones(): readonly string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
}

/** What main stores (state file, mode 0600). The private key lives in its own 0600 file. */
export const storedPlan = z.object({
  ...planBase,
  network: z.object({
    kind: z.enum(['ethernet', 'wifi']),
    wifi: z.object({ ssid: z.string(), psk: z.string().regex(/^[0-9a-f]{64}$/), hidden: z.boolean(), country: z.string() }).optional(),
    mode: z.enum(['dhcp', 'static']),
    static: staticNetwork.optional(),
  }),
  login: z.object({ publicKey: z.string(), passwordHash: z.string().optional() }),
  savedAt: z.number(),
});
export type StoredPlan = z.infer<typeof storedPlan>;

/** What the window sees of a stored plan: no PSK, no hash, only whether they are set. */
export const planView = z.object({
  ...planBase,
  network: z.object({
    kind: z.enum(['ethernet', 'wifi']),
    wifi: z.object({ ssid: z.string(), hidden: z.boolean(), country: z.string(), passphraseSet: z.boolean() }).optional(),
    mode: z.enum(['dhcp', 'static']),
    static: staticNetwork.optional(),
  }),
  login: z.object({ publicKey: z.string(), fingerprint: z.string(), passwordSet: z.boolean() }),
  savedAt: z.number(),
});
export type PlanView = z.infer<typeof planView>;

export const planMethods = {
  'plan.get': method(z.object({}).strict(), planView.nullable(), 'The saved plan, or null before the first save.'),
  'plan.save': method(
    z.object({ draft: planDraftShape }).strict(),
    planView,
    'Validate and save the plan; generates the cluster SSH key on first save. Nothing invalid is saved.',
  ),
};
