/**
 * Reading the operating system from an SSH identification banner, e.g.
 * `SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5` -> Ubuntu 24.04. Only releases whose OpenSSH package
 * version is known are named; other Ubuntu banners report `ubuntu` without a release (the exact
 * release is read over SSH during preflight).
 */

export interface SshBannerInfo {
  /** The full banner line without CR/LF. */
  banner: string;
  /** e.g. "OpenSSH_9.6p1". */
  software: string;
  /** e.g. "Ubuntu-3ubuntu13.5". */
  comment?: string;
  os?: 'ubuntu' | 'debian' | 'raspbian' | 'other';
  /** Ubuntu release such as "24.04" when the package version identifies it. */
  ubuntuRelease?: string;
}

/** OpenSSH version + Ubuntu package revision prefix -> Ubuntu release. */
const UBUNTU_OPENSSH: readonly [RegExp, string][] = [
  [/^OpenSSH_9\.6p1 Ubuntu-3ubuntu13(\.|$)/, '24.04'],
  [/^OpenSSH_8\.9p1 Ubuntu-3ubuntu0(\.|$)/, '22.04'],
  [/^OpenSSH_8\.2p1 Ubuntu-4ubuntu0(\.|$)/, '20.04'],
];

export function parseSshBanner(line: string): SshBannerInfo | undefined {
  const banner = line.replace(/\r?\n$/, '').trim();
  const m = /^SSH-(?:2\.0|1\.99)-(\S+)(?: (.*))?$/.exec(banner);
  if (!m) return undefined;
  const software = m[1]!;
  const comment = m[2];
  const info: SshBannerInfo = { banner, software, ...(comment ? { comment } : {}) };
  const tail = comment ?? '';
  if (/^Ubuntu-/i.test(tail)) {
    info.os = 'ubuntu';
    const release = UBUNTU_OPENSSH.find(([re]) => re.test(`${software} ${tail}`))?.[1];
    if (release) info.ubuntuRelease = release;
  } else if (/^Raspbian-/i.test(tail)) info.os = 'raspbian';
  else if (/^Debian-/i.test(tail)) info.os = 'debian';
  else info.os = 'other';
  return info;
}
