/**
 * `cmdline.txt`: the kernel command line, one line. MicroK8s needs the memory cgroup, so
 * `cgroup_enable=memory cgroup_memory=1` is prepended (the tutorial's step); on 22.04 the
 * Wi-Fi regulatory domain goes here too as `cfg80211.ieee80211_regdom=XX`. Idempotent: earlier
 * copies of these arguments are removed first (a regulatory domain only when a new one is set),
 * every other argument is kept in order.
 */

export const CGROUP_ARGS = ['cgroup_enable=memory', 'cgroup_memory=1'] as const;
const REGDOM_PREFIX = 'cfg80211.ieee80211_regdom=';

export interface CmdlineOptions {
  /** Two-letter regulatory domain to set on the kernel command line, if any. */
  regdom?: string;
}

/** The first line of a cmdline.txt split into arguments (the firmware ignores further lines). */
export function cmdlineArgs(text: string): string[] {
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '';
  return firstLine.split(/\s+/).filter(Boolean);
}

export function patchCmdline(original: string, options: CmdlineOptions = {}): string {
  const ours = new Set<string>(CGROUP_ARGS);
  const kept = cmdlineArgs(original).filter((arg) => !ours.has(arg) && !(options.regdom && arg.startsWith(REGDOM_PREFIX)));
  const prefix = [...CGROUP_ARGS, ...(options.regdom ? [REGDOM_PREFIX + options.regdom] : [])];
  return `${[...prefix, ...kept].join(' ')}\n`;
}
