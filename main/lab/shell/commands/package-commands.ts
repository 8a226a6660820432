/** Software on the Pi: snap (list/install), apt-get/apt install, modinfo. */
import type { CommandContext, CommandFn } from '../shell';
import type { SnapInfo } from '../machine';
import { MICROK8S_LATEST, MICROK8S_VERSIONS } from '../../pi/ubuntu-releases';

/** snapd's verified-publisher mark: `✓` on a terminal, `**` otherwise. */
function verified(ctx: CommandContext): string {
  return ctx.session.tty ? '✓' : '**';
}

/** Go's tabwriter as snap uses it (minwidth 5, padding 2). */
function snapTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(5, ...rows.map((r) => [...r[c]!].length + 2)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell + ' '.repeat(widths[c]! - [...cell].length))).join('')).join('\n') + '\n';
}

function snapList(ctx: CommandContext, names: string[]): number {
  const rows = [['Name', 'Version', 'Rev', 'Tracking', 'Publisher', 'Notes']];
  const shown = ctx.machine.snaps().filter((s) => names.length === 0 || names.includes(s.name));
  if (shown.length === 0) {
    ctx.stderr(names.length ? `error: no matching snaps installed\n` : 'No snaps are installed yet. Try \'snap install hello-world\'.\n');
    return 1;
  }
  for (const s of [...shown].sort((a, b) => a.name.localeCompare(b.name))) {
    rows.push([s.name, s.version, s.rev, s.tracking, s.publisher === 'canonical' ? `canonical${verified(ctx)}` : s.publisher, s.notes]);
  }
  ctx.stdout(snapTable(rows));
  return 0;
}

const CLASSIC_TEXT = `error: This revision of snap "microk8s" was published using classic confinement and thus may perform
       arbitrary system changes outside of the security sandbox that snaps are usually confined to,
       which may put your system at risk.

       If you understand and want to proceed repeat the command including --classic.
`;

async function snapInstall(ctx: CommandContext, args: string[]): Promise<number> {
  let channel: string | undefined;
  let classic = false;
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--classic') classic = true;
    else if (a === '--channel') channel = args[++i];
    else if (a.startsWith('--channel=')) channel = a.slice('--channel='.length);
    else if (!a.startsWith('-')) names.push(a);
  }
  const name = names[0];
  if (!name) {
    ctx.stderr('error: the required argument `<snap> (at least 1 argument)` was not provided\n');
    return 1;
  }
  if (ctx.user !== 'root') {
    ctx.stderr('error: access denied (try with sudo)\n');
    return 1;
  }
  if (ctx.machine.snaps().some((s) => s.name === name)) {
    ctx.stderr(`snap "${name}" is already installed, see 'snap help refresh'\n`);
    return 0;
  }
  if (name !== 'microk8s') {
    ctx.stderr(`error: snap "${name}" not found\n`);
    return 1;
  }
  if (!classic) {
    ctx.stderr(CLASSIC_TEXT);
    return 1;
  }
  const info: SnapInfo = await ctx.machine.installSnap(name, channel, ctx.signal);
  const shown = info.tracking === 'latest/stable' ? '' : ` (${info.tracking})`;
  ctx.stdout(`${name}${shown} ${info.version} from Canonical${verified(ctx)} installed\n`);
  return 0;
}

const snap: CommandFn = async (ctx) => {
  const [verb, ...rest] = ctx.argv.slice(1);
  if (verb === 'list') return snapList(ctx, rest.filter((a) => !a.startsWith('-')));
  if (verb === 'info') return snapInfo(ctx, rest[0]);
  if (verb === 'install') return snapInstall(ctx, rest);
  if (verb === 'alias' || verb === 'unalias') return snapAlias(ctx, verb, rest.filter((a) => !a.startsWith('-')));
  if (verb === 'version') {
    ctx.stdout(`snap    2.65.3+24.04\nsnapd   2.65.3+24.04\nseries  16\nubuntu  ${ctx.machine.release.version}\nkernel  ${ctx.machine.release.kernelRelease}\n`);
    return 0;
  }
  ctx.stderr(`error: unknown command "${verb ?? ''}", see 'snap help'.\n`);
  return 1;
};

/** Apps of the microk8s snap an alias may point at. */
const MICROK8S_APPS = ['microk8s', 'add-node', 'config', 'ctr', 'dashboard-proxy', 'dbctl', 'disable', 'enable', 'helm', 'helm3', 'inspect', 'join', 'kubectl', 'leave', 'refresh-certs', 'remove-node', 'reset', 'start', 'status', 'stop', 'version'];

/** Where manual snap aliases are kept on the Pi (the lab's stand-in for snapd's state). */
export const SNAP_ALIASES_DIR = '/var/lib/snapd/lab-aliases';

/** `sudo snap alias microk8s.kubectl kubectl` (and `snap unalias kubectl`), with snapd's texts. */
function snapAlias(ctx: CommandContext, verb: 'alias' | 'unalias', args: string[]): number {
  if (ctx.user !== 'root') {
    ctx.stderr('error: access denied (try with sudo)\n');
    return 1;
  }
  const fs = ctx.machine.fs;
  if (verb === 'unalias') {
    const alias = args[0];
    const file = `${SNAP_ALIASES_DIR}/${alias}`;
    if (!alias || !fs.exists(file)) {
      ctx.stderr(`error: cannot find manual alias "${alias ?? ''}" in any snap\n`);
      return 1;
    }
    const target = fs.read(file).trim();
    fs.remove(file);
    ctx.stdout(`Removed:\n  - ${target} as ${alias}\n`);
    return 0;
  }
  const [app, alias] = args;
  if (!app || !alias) {
    ctx.stderr('error: the required argument `<snap.app>` was not provided\n');
    return 1;
  }
  const [snapName, appName = snapName] = app.split('.');
  if (!ctx.machine.snaps().some((s) => s.name === snapName)) {
    ctx.stderr(`error: snap "${snapName}" is not installed\n`);
    return 1;
  }
  if (snapName !== 'microk8s' || !MICROK8S_APPS.includes(appName!)) {
    ctx.stderr(`error: cannot perform the following tasks:\n- Setup manual alias "${alias}" => "${appName}" for snap "${snapName}" (cannot enable alias "${alias}" for "${snapName}", target application "${appName}" does not exist)\n`);
    return 1;
  }
  fs.mkdirp(SNAP_ALIASES_DIR);
  fs.write(`${SNAP_ALIASES_DIR}/${alias}`, `${app}\n`);
  ctx.stdout(`Added:\n  - ${app} as ${alias}\n`);
  return 0;
}

/** `snap info microk8s`: the store's answer (the lab's store is always reachable). */
function snapInfo(ctx: CommandContext, name: string | undefined): number {
  if (name !== 'microk8s') {
    ctx.stderr(`error: no snap found for "${name ?? ''}"\n`);
    return 1;
  }
  const installed = ctx.machine.snaps().find((s) => s.name === 'microk8s');
  const channels = Object.entries(MICROK8S_VERSIONS).map(([track, v]) => `  ${`${track}/stable:`.padEnd(18)}${v.version.padEnd(9)} (${v.rev}) 168MB classic`);
  const latest = MICROK8S_VERSIONS[MICROK8S_LATEST]!;
  ctx.stdout(
    [
      'name:      microk8s',
      'summary:   Kubernetes for workstations and appliances',
      `publisher: Canonical${verified(ctx)}`,
      'store-url: https://snapcraft.io/microk8s',
      'contact:   https://github.com/canonical/microk8s',
      'license:   Apache-2.0',
      'description: |',
      '  MicroK8s is a small, fast, secure, single node Kubernetes that installs on',
      '  just about any Linux box. Use it for offline development, prototyping,',
      '  testing, or use it on a VM as a small, cheap, reliable k8s for CI/CD. It\'s',
      '  also a great k8s for appliances - develop your IoT apps for k8s and deploy',
      '  them to MicroK8s on your boxes.',
      'commands:',
      '  - microk8s.add-node',
      '  - microk8s.config',
      '  - microk8s.join',
      '  - microk8s.kubectl',
      '  - microk8s.leave',
      '  - microk8s.remove-node',
      '  - microk8s.status',
      '  - microk8s',
      'snap-id:      EaXqgt1lyCaxKaQCU349mlodBkDCXRcg',
      ...(installed ? [`tracking:     ${installed.tracking}`, `installed:    ${installed.version.padEnd(9)} (${installed.rev}) 168MB classic`] : []),
      'channels:',
      `  ${'latest/stable:'.padEnd(18)}${latest.version.padEnd(9)} (${latest.rev}) 168MB classic`,
      ...channels,
      '',
    ].join('\n'),
  );
  return 0;
}

const KNOWN_DEBS = new Set(['linux-modules-extra-raspi', 'curl', 'nfs-common', 'open-iscsi', 'avahi-daemon', 'git', 'htop', 'jq', 'vim']);

const aptGet: CommandFn = async (ctx) => {
  const args = ctx.argv.slice(1).filter((a) => !a.startsWith('-'));
  const verb = args[0];
  const lockError = 'E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)\nE: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), are you root?\n';
  if (verb === 'update') {
    if (ctx.user !== 'root') {
      ctx.stderr('Reading package lists...\nE: Could not open lock file /var/lib/apt/lists/lock - open (13: Permission denied)\nE: Unable to lock directory /var/lib/apt/lists/\n');
      return 100;
    }
    await ctx.machine.clock.sleep(12_000, ctx.signal);
    ctx.stdout(`Hit:1 http://ports.ubuntu.com/ubuntu-ports ${codename(ctx)} InRelease\nReading package lists...\n`);
    return 0;
  }
  if (verb !== 'install') {
    ctx.stderr(`E: Invalid operation ${verb ?? ''}\n`);
    return 100;
  }
  if (ctx.user !== 'root') {
    ctx.stderr(lockError);
    return 100;
  }
  ctx.stdout('Reading package lists...\nBuilding dependency tree...\nReading state information...\n');
  const pkgs = args.slice(1);
  for (const p of pkgs) {
    if (!KNOWN_DEBS.has(p)) {
      ctx.stderr(`E: Unable to locate package ${p}\n`);
      return 100;
    }
  }
  const fresh = pkgs.filter((p) => !ctx.machine.debInstalled(p));
  for (const p of pkgs.filter((q) => !fresh.includes(q))) ctx.stdout(`${p} is already the newest version.\n`);
  if (fresh.length === 0) {
    ctx.stdout('0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n');
    return 0;
  }
  ctx.stdout(`The following NEW packages will be installed:\n  ${fresh.join(' ')}\n0 upgraded, ${fresh.length} newly installed, 0 to remove and 0 not upgraded.\n`);
  for (const p of fresh) {
    await ctx.machine.installDeb(p, ctx.signal);
    ctx.stdout(`Setting up ${p} ...\n`);
  }
  return 0;
};

function codename(ctx: CommandContext): string {
  return ctx.machine.release.version === '24.04' ? 'noble' : 'jammy';
}

const modinfo: CommandFn = (ctx) => {
  const mod = ctx.argv.slice(1).find((a) => !a.startsWith('-'));
  const k = ctx.machine.release.kernelRelease;
  const hasVxlan = ctx.machine.release.hasVxlan || ctx.machine.debInstalled('linux-modules-extra-raspi');
  if (mod !== 'vxlan' || !hasVxlan) {
    ctx.stderr(`modinfo: ERROR: Module ${mod ?? ''} not found.\n`);
    return 1;
  }
  const ext = ctx.machine.release.version === '24.04' ? '.ko.zst' : '.ko';
  const fields: [string, string][] = [
    ['filename', `/lib/modules/${k}/kernel/drivers/net/vxlan${ctx.machine.release.version === '24.04' ? '/vxlan' : '/vxlan'}${ext}`],
    ['alias', 'rtnl-link-vxlan'],
    ['description', 'Driver for VXLAN encapsulated traffic'],
    ['author', 'Stephen Hemminger <stephen@networkplumber.org>'],
    ['version', '0.1'],
    ['license', 'GPL'],
    ['depends', 'udp_tunnel,ip6_udp_tunnel'],
    ['intree', 'Y'],
    ['name', 'vxlan'],
    ['vermagic', `${k} SMP ${ctx.machine.release.version === '24.04' ? 'preempt' : 'preempt'} mod_unload modversions aarch64`],
  ];
  ctx.stdout(fields.map(([f, v]) => `${(f + ':').padEnd(16)}${v}`).join('\n') + '\n');
  return 0;
};

export const packageCommands: Record<string, CommandFn> = {
  snap,
  'apt-get': aptGet,
  apt: aptGet,
  modinfo,
};
