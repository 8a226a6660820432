/**
 * System information and administration commands with Ubuntu's output: uname, hostname,
 * hostnamectl, timedatectl, date, free, df, ip, id, groups, whoami, systemctl, cloud-init,
 * nc, reboot/shutdown/poweroff, usermod, newgrp, passwd, command -v/which, exit, bash -c.
 */
import { ShellExit } from '../shell';
import type { CommandContext, CommandFn } from '../shell';
import { dateText, humanSize, table, timedatectlText } from './format';

/** Group ids on Ubuntu Server for Raspberry Pi (microk8s is created by the snap). */
export const GROUP_IDS: Record<string, number> = {
  root: 0,
  adm: 4,
  dialout: 20,
  cdrom: 24,
  floppy: 25,
  sudo: 27,
  audio: 29,
  dip: 30,
  video: 44,
  plugdev: 46,
  users: 100,
  netdev: 106,
  lxd: 110,
  microk8s: 998,
};

const uname: CommandFn = (ctx) => {
  const { release, hostname } = { release: ctx.machine.release, hostname: ctx.machine.hostname };
  const flags = ctx.argv.slice(1).join('').replace(/-/g, '') || 's';
  if (flags.includes('a')) {
    ctx.stdout(`Linux ${hostname} ${release.kernelRelease} ${release.kernelBuild} aarch64 aarch64 aarch64 GNU/Linux\n`);
    return 0;
  }
  const parts: string[] = [];
  for (const f of flags) {
    if (f === 's') parts.push('Linux');
    else if (f === 'n') parts.push(hostname);
    else if (f === 'r') parts.push(release.kernelRelease);
    else if (f === 'v') parts.push(release.kernelBuild);
    else if (f === 'm' || f === 'p' || f === 'i') parts.push('aarch64');
    else if (f === 'o') parts.push('GNU/Linux');
    else {
      ctx.stderr(`uname: invalid option -- '${f}'\nTry 'uname --help' for more information.\n`);
      return 1;
    }
  }
  ctx.stdout(parts.join(' ') + '\n');
  return 0;
};

export function validHostname(name: string): boolean {
  return /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(name);
}

const hostname: CommandFn = (ctx) => {
  const args = ctx.argv.slice(1);
  if (args[0] === '-I' || args[0] === '--all-ip-addresses') {
    ctx.stdout(`${ctx.machine.network.address} \n`);
    return 0;
  }
  if (args[0] === '-f' || args[0] === '-s' || args.length === 0) {
    ctx.stdout(ctx.machine.hostname + '\n');
    return 0;
  }
  if (ctx.user !== 'root') {
    ctx.stderr('hostname: you must be root to change the host name\n');
    return 1;
  }
  ctx.machine.setHostname(args[0]!);
  return 0;
};

function osPretty(ctx: CommandContext): string {
  return /PRETTY_NAME="([^"]+)"/.exec(ctx.machine.release.osRelease)![1]!;
}

const hostnamectl: CommandFn = (ctx) => {
  const args = ctx.argv.slice(1).filter((a) => !a.startsWith('--') || a === '--static');
  const verb = args[0];
  if (verb === 'set-hostname' || (verb === 'hostname' && args[1])) {
    const name = args[1];
    if (!name) {
      ctx.stderr('Too few arguments.\n');
      return 1;
    }
    if (ctx.user !== 'root') {
      ctx.stderr('Could not set static hostname: Access denied\n');
      return 1;
    }
    if (!validHostname(name.toLowerCase())) {
      ctx.stderr(`Invalid static hostname '${name}'\n`);
      return 1;
    }
    ctx.machine.setHostname(name);
    return 0;
  }
  if (verb === 'hostname' || verb === '--static') {
    ctx.stdout(ctx.machine.hostname + '\n');
    return 0;
  }
  const r = ctx.machine.release;
  ctx.stdout(
    [
      ` Static hostname: ${ctx.machine.hostname}`,
      `       Icon name: computer`,
      `      Machine ID: ${machineId(ctx)}`,
      `         Boot ID: ${bootId(ctx)}`,
      `Operating System: ${osPretty(ctx)}`,
      `          Kernel: Linux ${r.kernelRelease}`,
      `    Architecture: arm64`,
      '',
    ].join('\n'),
  );
  return 0;
};

function hex32(seed: string): string {
  let h = 2166136261;
  let out = '';
  for (let round = 0; out.length < 32; round++) {
    for (const c of seed + round) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 32);
}

function machineId(ctx: CommandContext): string {
  return ctx.machine.fs.exists('/etc/machine-id') ? ctx.machine.fs.read('/etc/machine-id').trim() : hex32(ctx.machine.network.mac);
}

function bootId(ctx: CommandContext): string {
  return hex32(`${ctx.machine.network.mac}${ctx.machine.bootedAt}`);
}

const timedatectl: CommandFn = (ctx) => {
  const args = ctx.argv.slice(1);
  const synced = ctx.machine.ntpSynchronized();
  if (args[0] === 'show') {
    const props: Record<string, string> = {
      Timezone: 'Etc/UTC',
      LocalRTC: 'no',
      CanNTP: 'yes',
      NTP: ctx.machine.ntpEnabled() ? 'yes' : 'no',
      NTPSynchronized: synced ? 'yes' : 'no',
      TimeUSec: timedatectlText(ctx.machine.localTime()),
      RTCTimeUSec: 'n/a',
    };
    const pIndex = args.findIndex((a) => a === '-p' || a.startsWith('--property'));
    const value = args.includes('--value');
    let names = Object.keys(props);
    if (pIndex >= 0) {
      const a = args[pIndex]!;
      names = (a.includes('=') ? a.split('=')[1]! : (args[pIndex + 1] ?? '')).split(',');
    }
    for (const n of names) if (props[n] !== undefined) ctx.stdout(value ? `${props[n]}\n` : `${n}=${props[n]}\n`);
    return 0;
  }
  if (args[0] && args[0] !== 'status') {
    if (ctx.user !== 'root') {
      ctx.stderr(`Failed to set ${args[0] === 'set-ntp' ? 'ntp' : 'time zone'}: Interactive authentication required.\n`);
      return 1;
    }
    if (args[0] === 'set-ntp') ctx.machine.setNtp(['true', 'yes', '1', 'on'].includes(args[1] ?? ''));
    return 0;
  }
  const t = timedatectlText(ctx.machine.localTime());
  ctx.stdout(
    [
      `               Local time: ${t}`,
      `           Universal time: ${t}`,
      `                 RTC time: n/a`,
      `                Time zone: Etc/UTC (UTC, +0000)`,
      `System clock synchronized: ${synced ? 'yes' : 'no'}`,
      `              NTP service: ${ctx.machine.ntpEnabled() ? 'active' : 'inactive'}`,
      `          RTC in local TZ: no`,
      '',
    ].join('\n'),
  );
  return 0;
};

const date: CommandFn = (ctx) => {
  const fmt = ctx.argv.slice(1).find((a) => a.startsWith('+'));
  const now = ctx.machine.localTime();
  if (ctx.argv.includes('-Is') || ctx.argv.includes('--iso-8601=seconds')) ctx.stdout(new Date(now).toISOString().replace(/\.\d+Z$/, '+00:00') + '\n');
  else if (fmt) ctx.stdout(strftime(fmt.slice(1), now) + '\n');
  else ctx.stdout(dateText(now) + '\n');
  return 0;
};

/** The strftime conversions scripts use with `date +FORMAT` (UTC). */
function strftime(format: string, ms: number): string {
  const iso = new Date(ms).toISOString();
  const parts: Record<string, string> = {
    Y: iso.slice(0, 4),
    m: iso.slice(5, 7),
    d: iso.slice(8, 10),
    H: iso.slice(11, 13),
    M: iso.slice(14, 16),
    S: iso.slice(17, 19),
    s: String(Math.floor(ms / 1000)),
    F: iso.slice(0, 10),
    T: iso.slice(11, 19),
    Z: 'UTC',
    z: '+0000',
    '%': '%',
  };
  return format.replace(/%(.)/g, (m, c: string) => parts[c] ?? m);
}

/** /proc/meminfo values in kB, derived from the Pi's RAM. */
export function memInfo(memoryBytes: number): Record<string, number> {
  const total = Math.floor((memoryBytes * 0.9475) / 1024);
  const free = Math.floor(total * 0.78);
  const buffers = Math.floor(total * 0.009);
  const cached = Math.floor(total * 0.098);
  const shmem = Math.floor(total * 0.0012);
  const sreclaim = Math.floor(total * 0.012);
  return {
    MemTotal: total,
    MemFree: free,
    MemAvailable: Math.floor(total * 0.89),
    Buffers: buffers,
    Cached: cached,
    SwapCached: 0,
    Shmem: shmem,
    SReclaimable: sreclaim,
    SwapTotal: 0,
    SwapFree: 0,
  };
}

const free: CommandFn = (ctx) => {
  const args = ctx.argv.slice(1);
  const m = memInfo(ctx.machine.memoryBytes);
  const bytes = {
    total: m.MemTotal! * 1024,
    free: m.MemFree! * 1024,
    shared: m.Shmem! * 1024,
    cache: (m.Buffers! + m.Cached! + m.SReclaimable!) * 1024,
    available: m.MemAvailable! * 1024,
  };
  const used = bytes.total - bytes.free - bytes.cache;
  const human = args.some((a) => a === '-h' || a === '--human');
  const unit = args.includes('-b') || args.includes('--bytes') ? 1 : args.includes('-m') || args.includes('--mebi') ? 1024 * 1024 : args.includes('-g') || args.includes('--gibi') ? 1024 ** 3 : 1024;
  const f = (v: number) => (human ? humanSize(v, 'i') : String(Math.floor(v / unit)));
  const row = (label: string, values: string[]) => label.padEnd(8) + values.map((v) => ' ' + v.padStart(11)).join('');
  ctx.stdout(
    [
      '               total        used        free      shared  buff/cache   available',
      row('Mem:', [f(bytes.total), f(used), f(bytes.free), f(bytes.shared), f(bytes.cache), f(bytes.available)]),
      row('Swap:', [f(0), f(0), f(0)]),
      '',
    ].join('\n'),
  );
  return 0;
};

const df: CommandFn = (ctx) => {
  const args = ctx.argv.slice(1);
  const human = args.includes('-h');
  const b1 = args.includes('-B1') || (args.includes('-B') && args[args.indexOf('-B') + 1] === '1');
  const paths = args.filter((a, i) => !a.startsWith('-') && args[i - 1] !== '-B');
  const mem = ctx.machine.memoryBytes;
  const { diskBytes, diskUsedBytes } = ctx.machine;
  const mounts = [
    { fs: 'tmpfs', size: Math.floor(mem * 0.095), used: 3_309_568, on: '/run' },
    { fs: '/dev/mmcblk0p2', size: diskBytes, used: diskUsedBytes, on: '/' },
    { fs: 'tmpfs', size: Math.floor(mem * 0.47), used: 0, on: '/dev/shm' },
    { fs: 'tmpfs', size: 5_242_880, used: 0, on: '/run/lock' },
    { fs: '/dev/mmcblk0p1', size: 528_408_576, used: 159_186_944, on: '/boot/firmware' },
  ];
  const shown = paths.length
    ? paths.map((p) => [...mounts].sort((a, b) => b.on.length - a.on.length).find((m) => p === m.on || p.startsWith(m.on === '/' ? '/' : m.on + '/'))!)
    : mounts;
  const unitHeader = human ? 'Size' : b1 ? '1B-blocks' : '1K-blocks';
  const f = (v: number) => (human ? humanSize(v) : b1 ? String(v) : String(Math.ceil(v / 1024)));
  const rows = [['Filesystem', unitHeader, 'Used', human ? 'Avail' : 'Available', 'Use%', 'Mounted on']];
  for (const m of shown) {
    const reserved = m.fs.startsWith('/dev/mmcblk0p2') ? Math.floor(m.size * 0.05) : 0;
    const avail = Math.max(0, m.size - reserved - m.used);
    const pct = m.used === 0 ? 0 : Math.ceil((m.used * 100) / (m.used + avail));
    rows.push([m.fs, f(m.size), f(m.used), f(avail), `${pct}%`, m.on]);
  }
  ctx.stdout(table(rows, ['l', 'r', 'r', 'r', 'r', 'l'], human ? [0, 5, 5, 5, 4] : [0, 0, 0, 0, 4]));
  return 0;
};

function ipAddr(ctx: CommandContext, family4: boolean, dev?: string): string {
  const n = ctx.machine.network;
  const brd = n.address.split('.').slice(0, 3).join('.') + '.255';
  const out: string[] = [];
  if (!dev || dev === 'lo') {
    out.push('1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000');
    if (!family4) out.push('    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00');
    out.push('    inet 127.0.0.1/8 scope host lo', '       valid_lft forever preferred_lft forever');
  }
  if (!dev || dev === n.iface) {
    const idx = n.iface === 'eth0' ? 2 : 3;
    out.push(`${idx}: ${n.iface}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc ${n.iface === 'eth0' ? 'mq' : 'fq_codel'} state UP group default qlen 1000`);
    if (!family4) out.push(`    link/ether ${n.mac} brd ff:ff:ff:ff:ff:ff`);
    if (n.dhcp) {
      const lease = Math.max(0, 86400 - Math.floor((ctx.machine.clock.now() - ctx.machine.bootedAt) / 1000));
      out.push(`    inet ${n.address}/${n.prefix} metric 100 brd ${brd} scope global dynamic ${n.iface}`, `       valid_lft ${lease}sec preferred_lft ${lease}sec`);
    } else out.push(`    inet ${n.address}/${n.prefix} brd ${brd} scope global ${n.iface}`, '       valid_lft forever preferred_lft forever');
  }
  return out.join('\n') + '\n';
}

function network(address: string, prefix: number): string {
  const v = address.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const net = (v & mask) >>> 0;
  return [24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.');
}

const ip: CommandFn = (ctx) => {
  const args = ctx.argv.slice(1).filter((a) => a !== '-4');
  const family4 = ctx.argv.includes('-4');
  const obj = args[0] ?? '';
  const n = ctx.machine.network;
  if ('address'.startsWith(obj) && obj.length > 0) {
    const devAt = args.indexOf('dev');
    const dev = devAt >= 0 ? args[devAt + 1] : args[1] === 'show' && args[2] ? args[2] : undefined;
    if (dev && dev !== 'lo' && dev !== n.iface) {
      ctx.stderr(`Device "${dev}" does not exist.\n`);
      return 1;
    }
    ctx.stdout(ipAddr(ctx, family4, dev));
    return 0;
  }
  if ('route'.startsWith(obj) && obj.length > 0) {
    const proto = n.dhcp ? 'dhcp' : 'static';
    if (args[1] === 'get') {
      ctx.stdout(`${args[2] ?? ''} via ${n.gateway} dev ${n.iface} src ${n.address} uid ${ctx.user === 'root' ? 0 : ctx.session.user.uid} \n    cache \n`);
      return 0;
    }
    const net = `${network(n.address, n.prefix)}/${n.prefix}`;
    const metric = n.dhcp ? ' metric 100' : '';
    const wanted = args.slice(1).filter((a) => a !== 'show' && a !== 'list');
    const lines = [`default via ${n.gateway} dev ${n.iface} proto ${proto}${n.dhcp ? ` src ${n.address}` : ''}${metric}`, `${net} dev ${n.iface} proto kernel scope link src ${n.address}${metric}`];
    if (n.dhcp) lines.push(`${n.gateway} dev ${n.iface} proto dhcp scope link src ${n.address}${metric}`);
    const shown = wanted[0] === 'default' ? lines.slice(0, 1) : lines;
    ctx.stdout(shown.join('\n') + '\n');
    return 0;
  }
  ctx.stderr(`Object "${obj}" is unknown, try "ip help".\n`);
  return 255;
};

function groupList(ctx: CommandContext, groups: string[], userName: string): string {
  const all = [userName, ...groups.filter((g) => g !== userName)];
  return all.map((g) => `${GROUP_IDS[g] ?? ctx.session.user.uid}(${g})`).join(',');
}

const id: CommandFn = (ctx) => {
  const args = ctx.argv.slice(1);
  const other = args.find((a) => !a.startsWith('-'));
  const account = other ? ctx.machine.user(other) : ctx.user === 'root' ? undefined : ctx.session.user;
  if (other && !account) {
    ctx.stderr(`id: '${other}': no such user\n`);
    return 1;
  }
  const name = account?.name ?? 'root';
  const uid = account?.uid ?? 0;
  const groups = account ? (other ? account.groups : ctx.session.loginGroups) : [];
  if (args.includes('-u')) ctx.stdout(args.includes('-n') ? `${name}\n` : `${uid}\n`);
  else if (args.includes('-G') || args.includes('-Gn')) {
    const all = [name, ...groups];
    ctx.stdout((args.includes('-n') || args.includes('-Gn') ? all.join(' ') : all.map((g) => GROUP_IDS[g] ?? uid).join(' ')) + '\n');
  } else ctx.stdout(`uid=${uid}(${name}) gid=${uid}(${name}) groups=${account ? groupList(ctx, groups, name) : '0(root)'}\n`);
  return 0;
};

const groups: CommandFn = (ctx) => {
  const other = ctx.argv[1];
  if (other) {
    const account = ctx.machine.user(other);
    if (!account) {
      ctx.stderr(`groups: '${other}': no such user\n`);
      return 1;
    }
    ctx.stdout(`${other} : ${[other, ...account.groups].join(' ')}\n`);
    return 0;
  }
  ctx.stdout((ctx.user === 'root' ? 'root' : [ctx.session.user.name, ...ctx.session.loginGroups].join(' ')) + '\n');
  return 0;
};

const systemctl: CommandFn = (ctx) => {
  const args = ctx.argv.slice(1).filter((a) => !a.startsWith('-'));
  const verb = args[0];
  if (verb === 'is-active') {
    let status = 0;
    for (const unit of args.slice(1)) {
      const active = ctx.machine.serviceActive(unit.replace(/\.service$/, ''));
      if (!ctx.argv.includes('--quiet') && !ctx.argv.includes('-q')) ctx.stdout(active ? 'active\n' : 'inactive\n');
      if (!active) status = 3;
    }
    return status;
  }
  if (verb === 'reboot' || verb === 'poweroff') return powerCommand(ctx, verb);
  ctx.stderr(`Unknown command verb ${verb ?? ''}.\n`);
  return 1;
};

const cloudInit: CommandFn = async (ctx) => {
  if (ctx.argv[1] !== 'status') {
    ctx.stderr('usage: cloud-init [-h] [--version] [--debug] [--force] [--all-stages]\n');
    return 2;
  }
  const wait = ctx.argv.includes('--wait') || ctx.argv.includes('-w');
  if (wait && ctx.machine.cloudInitStatus() === 'running') {
    const ticker = ctx.machine.clock.every(2500, () => ctx.stdout('.'));
    try {
      await ctx.machine.cloudInitDone();
    } finally {
      ticker.cancel();
    }
    ctx.stdout('\n');
  }
  ctx.stdout(`status: ${ctx.machine.cloudInitStatus()}\n`);
  return 0;
};

const nc: CommandFn = async (ctx) => {
  const args = ctx.argv.slice(1);
  const verbose = args.some((a) => /^-\w*v/.test(a));
  let wait = 0;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-w') wait = Number(args[++i]);
    else if (/^-w\d+$/.test(a)) wait = Number(a.slice(2));
    else if (!a.startsWith('-')) rest.push(a);
  }
  const [host, portText] = rest;
  if (!host || !portText) {
    ctx.stderr('usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n');
    return 1;
  }
  const port = Number(portText);
  const result = ctx.machine.tcpProbe(host, port);
  if (result === 'open') {
    if (verbose) ctx.stderr(`Connection to ${host} ${port} port [tcp/*] succeeded!\n`);
    return 0;
  }
  if (result === 'unresolved') {
    ctx.stderr(`nc: getaddrinfo for host "${host}" port ${port}: Temporary failure in name resolution\n`);
    return 1;
  }
  if (result === 'timeout') {
    await ctx.machine.clock.sleep((wait || 130) * 1000, ctx.signal);
    if (verbose) ctx.stderr(`nc: connect to ${host} port ${port} (tcp) timed out: Operation now in progress\n`);
    return 1;
  }
  if (verbose) ctx.stderr(`nc: connect to ${host} port ${port} (tcp) failed: Connection refused\n`);
  return 1;
};

/** reboot/poweroff as root never come back: the machine goes down and takes the session with it. */
async function powerCommand(ctx: CommandContext, kind: 'reboot' | 'poweroff'): Promise<number> {
  if (ctx.user !== 'root') {
    ctx.stderr(`Call to ${kind === 'reboot' ? 'Reboot' : 'PowerOff'} failed: Interactive authentication required.\n`);
    return 1;
  }
  ctx.machine.reboot(kind);
  await ctx.machine.clock.sleep(600_000, ctx.machine.powerSignal);
  return 0;
}

const shutdown: CommandFn = (ctx) => {
  const args = ctx.argv.slice(1);
  if (args.includes('-c')) return 0;
  return powerCommand(ctx, args.includes('-r') || args.includes('--reboot') ? 'reboot' : 'poweroff');
};

const usermod: CommandFn = (ctx) => {
  const args = ctx.argv.slice(1);
  let append = false;
  let groupsArg: string | undefined;
  let user: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-a' || a === '--append') append = true;
    else if (a === '-G' || a === '--groups') groupsArg = args[++i];
    else if (a === '-aG') {
      append = true;
      groupsArg = args[++i];
    } else if (!a.startsWith('-')) user = a;
  }
  if (!user || groupsArg === undefined) {
    ctx.stderr('Usage: usermod [options] LOGIN\n');
    return 2;
  }
  if (ctx.user !== 'root') {
    ctx.stderr('usermod: Permission denied.\nusermod: cannot lock /etc/passwd; try again later.\n');
    return 1;
  }
  const account = ctx.machine.user(user);
  if (!account) {
    ctx.stderr(`usermod: user '${user}' does not exist\n`);
    return 6;
  }
  const wanted = groupsArg.split(',').filter(Boolean);
  for (const g of wanted) {
    if (GROUP_IDS[g] === undefined || (g === 'microk8s' && !ctx.machine.snaps().some((s) => s.name === 'microk8s'))) {
      ctx.stderr(`usermod: group '${g}' does not exist\n`);
      return 6;
    }
  }
  if (!append) account.groups.splice(0, account.groups.length);
  for (const g of wanted) ctx.machine.addToGroup(user, g);
  return 0;
};

const chown: CommandFn = (ctx) => {
  const args = ctx.argv.slice(1).filter((a) => !a.startsWith('-'));
  const recursive = ctx.argv.includes('-R');
  const [owner = '', ...paths] = args;
  const user = owner.split(':')[0]!;
  if (!ctx.machine.user(user) && user !== 'root') {
    ctx.stderr(`chown: invalid user: '${owner}'\n`);
    return 1;
  }
  let status = 0;
  for (const p of paths) {
    const path = p.startsWith('/') ? p : `${ctx.session.cwd}/${p}`;
    if (!ctx.machine.fs.exists(path)) {
      ctx.stderr(`chown: cannot access '${p}': No such file or directory\n`);
      status = 1;
      continue;
    }
    if (ctx.user !== 'root') {
      ctx.stderr(`chown: changing ownership of '${p}': Operation not permitted\n`);
      status = 1;
      continue;
    }
    const visit = (at: string) => {
      ctx.machine.fs.chown(at, user);
      if (recursive && ctx.machine.fs.isDir(at)) for (const child of ctx.machine.fs.list(at)) visit(`${at}/${child}`);
    };
    visit(path);
  }
  return status;
};

const newgrp: CommandFn = (ctx) => {
  const g = ctx.argv[1] ?? ctx.session.user.name;
  if (!ctx.machine.user(ctx.session.user.name)?.groups.includes(g)) {
    ctx.stderr(GROUP_IDS[g] === undefined ? `newgrp: group '${g}' does not exist\n` : 'Password: \nInvalid password.\n');
    return 1;
  }
  if (!ctx.session.loginGroups.includes(g)) ctx.session.loginGroups.push(g);
  return 0;
};

/** `passwd` for the session user, as PAM's pam_unix asks. */
export async function changePassword(ctx: CommandContext): Promise<number> {
  const name = ctx.session.user.name;
  const fail = () => {
    ctx.stderr('passwd: Authentication token manipulation error\npasswd: password unchanged\n');
    return 10;
  };
  ctx.stdout(`Changing password for ${name}.\nCurrent password: `);
  const current = await ctx.stdin.readLine({ echo: false });
  if (current === null || !ctx.machine.checkPassword(name, current)) return fail();
  for (let attempt = 0; attempt < 3; attempt++) {
    ctx.stdout('New password: ');
    const next = await ctx.stdin.readLine({ echo: false });
    if (next === null) return fail();
    if (next === current) {
      ctx.stdout('Password unchanged\n');
      continue;
    }
    if (next.length < 6) {
      ctx.stdout('You must choose a longer password.\n');
      continue;
    }
    ctx.stdout('Retype new password: ');
    const again = await ctx.stdin.readLine({ echo: false });
    if (again !== next) {
      ctx.stdout('Sorry, passwords do not match.\n');
      return fail();
    }
    ctx.machine.setPassword(name, next);
    ctx.stdout('passwd: password updated successfully\n');
    return 0;
  }
  ctx.stderr('passwd: Have exhausted maximum number of retries for service\npasswd: password unchanged\n');
  return 10;
}

const BUILTINS = new Set(['echo', 'test', '[', 'true', 'false', 'exit', 'command', 'cd', 'export']);

const commandV: CommandFn = (ctx) => {
  const args = ctx.argv.slice(1).filter((a) => !a.startsWith('-'));
  let status = 0;
  for (const name of args) {
    const where = commandPath(ctx, name);
    if (where) ctx.stdout(where + '\n');
    else status = 1;
  }
  return status;
};

function commandPath(ctx: CommandContext, name: string): string | undefined {
  if (ctx.argv[0] !== 'which' && BUILTINS.has(name)) return name;
  if (ctx.machine.extraCommand(name)) return `/snap/bin/${name}`;
  if (!KNOWN_COMMANDS.has(name)) return undefined;
  return ['usermod', 'reboot', 'shutdown', 'modinfo'].includes(name) ? `/usr/sbin/${name}` : `/usr/bin/${name}`;
}

const which: CommandFn = (ctx) => commandV(ctx);

const command: CommandFn = (ctx) => {
  if (ctx.argv[1] === '-v' || ctx.argv[1] === '-V') return commandV(ctx);
  return ctx.argv.length > 1 ? ctx.run(ctx.argv.slice(1), ctx.user === 'root') : 0;
};

const exit: CommandFn = (ctx) => {
  throw new ShellExit(ctx.argv[1] === undefined ? ctx.session.lastStatus : Number(ctx.argv[1]) & 255);
};

const bashC: CommandFn = async (ctx) => {
  const i = ctx.argv.indexOf('-c');
  if (i < 0 || ctx.argv[i + 1] === undefined) {
    ctx.stderr(`${ctx.argv[0]}: only -c is supported here\n`);
    return 2;
  }
  return ctx.script(ctx.argv[i + 1]!, ctx.user === 'root');
};

const cd: CommandFn = (ctx) => {
  const target = ctx.argv[1] ?? ctx.session.user.home;
  const path = target.startsWith('/') ? target : `${ctx.session.cwd}/${target}`;
  if (!ctx.machine.fs.isDir(path)) {
    ctx.stderr(`bash: cd: ${target}: No such file or directory\n`);
    return 1;
  }
  ctx.session.cwd = path;
  return 0;
};

const exportCmd: CommandFn = (ctx) => {
  for (const a of ctx.argv.slice(1)) {
    const eq = a.indexOf('=');
    if (eq > 0) ctx.session.env[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return 0;
};

export const systemCommands: Record<string, CommandFn> = {
  uname,
  hostname,
  hostnamectl,
  timedatectl,
  date,
  free,
  df,
  ip,
  id,
  groups,
  whoami: (ctx) => {
    ctx.stdout(`${ctx.user}\n`);
    return 0;
  },
  systemctl,
  'cloud-init': cloudInit,
  nc,
  reboot: (ctx) => powerCommand(ctx, 'reboot'),
  poweroff: (ctx) => powerCommand(ctx, 'poweroff'),
  shutdown,
  usermod,
  chown,
  newgrp,
  passwd: (ctx) => changePassword(ctx),
  command,
  which,
  exit,
  bash: bashC,
  sh: bashC,
  cd,
  export: exportCmd,
};

/** Every command name the shell knows (filled by the registry). */
export const KNOWN_COMMANDS = new Set<string>();
