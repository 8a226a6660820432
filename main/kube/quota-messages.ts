/**
 * Reads the ResourceQuota and LimitRange refusals out of the API's 403 message, in the formats
 * upstream writes them (apiserver `pkg/admission/plugin/resourcequota/controller.go`,
 * kubernetes `pkg/quota/v1/evaluator/core/pods.go`, `plugin/pkg/admission/limitranger`), so the
 * window can show "quota q1: pods 3 of 3 used" in the user's language instead of the raw text.
 */

export interface QuotaExceeded {
  kind: 'quota-exceeded';
  quota: string;
  /** resource -> quantity as the API printed it, e.g. `{ pods: '1', 'limits.cpu': '500m' }`. */
  requested: Record<string, string>;
  used: Record<string, string>;
  limited: Record<string, string>;
}

export interface QuotaMustSpecify {
  kind: 'quota-must-specify';
  quota: string;
  /** Each resource the containers must set, with the containers that did not. */
  missing: { resource: string; containers: string[] }[];
}

export interface QuotaStatusUnknown {
  kind: 'quota-status-unknown';
  quota: string;
  resources: string[];
}

export interface QuotaInsufficient {
  kind: 'quota-insufficient';
  resources: string[];
}

export interface LimitRangeRefusal {
  kind: 'limit-range';
  /** Each refusal, e.g. `maximum cpu usage per Container is 500m, but limit is 1`. */
  reasons: string[];
}

export type ForbiddenDetail = QuotaExceeded | QuotaMustSpecify | QuotaStatusUnknown | QuotaInsufficient | LimitRangeRefusal;

/** `pods=1,requests.cpu=500m` -> `{ pods: '1', 'requests.cpu': '500m' }` */
function pairs(list: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of list.split(',')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

/** The reason after `<kind> "<name>" is forbidden: `, or the whole message. */
function reasonText(message: string): string {
  const m = /^.*? is forbidden: ([\s\S]*)$/.exec(message);
  return m ? m[1]! : message;
}

const LIMIT_RANGE = /(minimum|maximum) (\S+) usage per (Container|Pod|PersistentVolumeClaim) is|(\S+) max limit to request ratio per (Container|Pod) is/;

/** Classifies a Forbidden message; undefined when it is neither a quota nor a LimitRange refusal. */
export function parseForbidden(message: string): ForbiddenDetail | undefined {
  const text = reasonText(message);
  let m = /exceeded quota: ([^,]+), requested: (\S+), used: (\S+), limited: (\S+)/.exec(text);
  if (m) return { kind: 'quota-exceeded', quota: m[1]!, requested: pairs(m[2]!), used: pairs(m[3]!), limited: pairs(m[4]!) };
  m = /failed quota: ([^:]+): must specify (.+)$/.exec(text);
  if (m) {
    const missing = m[2]!.split('; ').flatMap((part) => {
      const p = /^(\S+) for: (.+)$/.exec(part.trim());
      return p ? [{ resource: p[1]!, containers: p[2]!.split(',').map((c) => c.trim()) }] : [];
    });
    return { kind: 'quota-must-specify', quota: m[1]!.trim(), missing };
  }
  m = /status unknown for quota: ([^,]+), resources: (.+)$/.exec(text);
  if (m) return { kind: 'quota-status-unknown', quota: m[1]!, resources: m[2]!.split(',').map((r) => r.trim()) };
  m = /insufficient quota to consume: (.+)$/.exec(text);
  if (m) return { kind: 'quota-insufficient', resources: m[1]!.split(',').map((r) => r.trim()) };
  if (LIMIT_RANGE.test(text)) {
    const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1).split(', ') : [text];
    return { kind: 'limit-range', reasons: inner.map((r) => r.trim()) };
  }
  return undefined;
}
