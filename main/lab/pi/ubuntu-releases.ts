/** What differs between Ubuntu Server 24.04 and 22.04 for Raspberry Pi, as the lab shows it. */
import type { ReleaseFacts, SnapInfo } from '../shell/machine';
import type { UbuntuRelease } from '../../../preload/contract/plan';

export type { UbuntuRelease };

export interface ReleaseProfile extends ReleaseFacts {
  sshIdent: string;
  /** Snaps preinstalled on the server image. */
  snaps: SnapInfo[];
}

const COMMON_OS_RELEASE = `ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
`;

export const RELEASES: Record<UbuntuRelease, ReleaseProfile> = {
  '24.04': {
    version: '24.04',
    osRelease: `PRETTY_NAME="Ubuntu 24.04.1 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION="24.04.1 LTS (Noble Numbat)"
VERSION_CODENAME=noble
${COMMON_OS_RELEASE}UBUNTU_CODENAME=noble
LOGO=ubuntu-logo
`,
    kernelRelease: '6.8.0-1012-raspi',
    kernelBuild: '#13-Ubuntu SMP PREEMPT_DYNAMIC Fri Aug  9 12:33:59 UTC 2024',
    hasVxlan: true,
    sshIdent: 'OpenSSH_9.6p1 Ubuntu-3ubuntu13.5',
    snaps: [
      { name: 'core22', version: '20240823', rev: '1614', tracking: 'latest/stable', publisher: 'canonical', notes: 'base' },
      { name: 'lxd', version: '5.21.2-2f4ba6b', rev: '30131', tracking: '5.21/stable', publisher: 'canonical', notes: '-' },
      { name: 'snapd', version: '2.65.3', rev: '21761', tracking: 'latest/stable', publisher: 'canonical', notes: 'snapd' },
    ],
  },
  '22.04': {
    version: '22.04',
    osRelease: `PRETTY_NAME="Ubuntu 22.04.5 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.5 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
${COMMON_OS_RELEASE}UBUNTU_CODENAME=jammy
`,
    kernelRelease: '5.15.0-1062-raspi',
    kernelBuild: '#65-Ubuntu SMP PREEMPT Tue Aug 27 09:37:01 UTC 2024',
    hasVxlan: false,
    sshIdent: 'OpenSSH_8.9p1 Ubuntu-3ubuntu0.10',
    snaps: [
      { name: 'core20', version: '20240705', rev: '2321', tracking: 'latest/stable', publisher: 'canonical', notes: 'base' },
      { name: 'lxd', version: '5.0.3-80aeff7', rev: '29351', tracking: '5.0/stable', publisher: 'canonical', notes: '-' },
      { name: 'snapd', version: '2.63', rev: '21761', tracking: 'latest/stable', publisher: 'canonical', notes: 'snapd' },
    ],
  },
};

/** The `osImage` Kubernetes reports for a release. */
export function osImage(release: UbuntuRelease): string {
  return /PRETTY_NAME="([^"]+)"/.exec(RELEASES[release].osRelease)![1]!;
}

/** MicroK8s versions by snap track; `latest` follows the newest stable. */
export const MICROK8S_VERSIONS: Record<string, { version: string; rev: string }> = {
  '1.32': { version: 'v1.32.3', rev: '7964' },
  '1.31': { version: 'v1.31.7', rev: '7860' },
  '1.30': { version: 'v1.30.11', rev: '7830' },
  '1.29': { version: 'v1.29.15', rev: '7797' },
  '1.28': { version: 'v1.28.15', rev: '7434' },
  '1.27': { version: 'v1.27.16', rev: '7137' },
};
export const MICROK8S_LATEST = '1.32';

/** Lab durations (lab ms) of the slow steps, close to a Raspberry Pi 4 with a decent card. */
export const DURATIONS = {
  boot: 75_000,
  firstBootExtra: 15_000,
  cloudInit: 40_000,
  shutdown: 6_000,
  snapInstall: 150_000,
  aptInstall: 45_000,
  microk8sStart: 60_000,
};
