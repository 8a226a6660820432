/**
 * The `microk8s` command on a virtual Pi, with MicroK8s' syntax, texts and exit codes
 * (see /work/shared/reference/microk8s-cli.md): status, add-node, join, leave, remove-node,
 * config, kubectl get nodes, enable/disable, inspect, version.
 */
import { randomBytes } from 'node:crypto';
import type { CommandContext, CommandFn } from '../shell/shell';
import type { VirtualPi } from '../pi/virtual-pi';
import { CORE_ADDONS } from './addons';
import type { ClusterRecord, LabCluster } from './lab-cluster';
import { kubectl } from './kubectl';
import { REQUEST_TIMEOUT_MS } from '../kube/kube-api-server';
import { ADDON_SCRIPTS } from './addon-scripts';

const PERMISSIONS = (user: string) => `Insufficient permissions to access MicroK8s.
You can either try again with sudo or add the user ${user} to the 'microk8s' group:

    sudo usermod -a -G microk8s ${user}
    sudo chown -R ${user} ~/.kube

After this, reload the user groups either via a reboot or by running 'newgrp microk8s'.
`;

const NOT_RUNNING = 'microk8s is not running. Use microk8s inspect for a deeper inspection.\n';
export const WORKER_TEXT = 'This MicroK8s deployment is acting as a node in a cluster.\nPlease use the control plane node.\n';

interface Cli {
  cluster: LabCluster;
  pi: VirtualPi;
  ctx: CommandContext;
  args: string[];
}

export function microk8sCommand(cluster: LabCluster, pi: VirtualPi, prefix: string[]): CommandFn {
  return async (ctx) => {
    const argv = [...prefix, ...ctx.argv.slice(1)];
    if (ctx.user !== 'root' && !ctx.session.loginGroups.includes('microk8s')) {
      ctx.stderr(PERMISSIONS(ctx.session.user.name));
      return 1;
    }
    const [sub, ...args] = argv;
    const cli: Cli = { cluster, pi, ctx, args };
    switch (sub) {
      case 'status':
        return status(cli);
      case 'add-node':
        return addNode(cli);
      case 'join':
        return join(cli);
      case 'leave':
        return leave(cli);
      case 'remove-node':
        return removeNode(cli);
      case 'config':
        return config(cli);
      case 'kubectl':
        return kubectl(cli.cluster, cli.pi, ctx, args);
      case 'enable':
      case 'disable':
        return addon(cli, sub);
      case 'inspect':
        return inspect(cli);
      case 'version':
        ctx.stdout(`MicroK8s ${version(cli)} revision ${pi.os?.snaps().find((s) => s.name === 'microk8s')?.rev ?? ''}\n`);
        return 0;
      default:
        ctx.stdout(USAGE);
        return sub === undefined || sub === 'help' || sub === '--help' ? 0 : 1;
    }
  };
}

const USAGE = `Available subcommands are:
\tadd-node
\taddons
\tconfig
\tctr
\tdashboard-proxy
\tdbctl
\tdisable
\tenable
\thelm
\thelm3
\timages
\tinspect
\tinstance
\tjoin
\tkubectl
\tleave
\trefresh-certs
\tremove-node
\treset
\tstart
\tstatus
\tstop
\tversion
`;

function version(cli: Cli): string {
  return cli.pi.os?.snaps().find((s) => s.name === 'microk8s')?.version ?? 'v1.32.3';
}

function track(cli: Cli): number {
  const m = /^v1\.(\d+)/.exec(version(cli));
  return m ? Number(m[1]) : 32;
}

function flagValue(args: string[], ...names: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const n of names) {
      if (a === n) return args[i + 1];
      if (a.startsWith(`${n}=`)) return a.slice(n.length + 1);
    }
  }
  return undefined;
}

function isWorker(cli: Cli): boolean {
  return cli.cluster.memberOf(cli.pi)?.role === 'worker';
}

/** Commands that need this node's control plane: on a worker or a stopped node they print why and exit 1. */
function refusedOffControlPlane(cli: Cli): number | undefined {
  if (isWorker(cli)) {
    cli.ctx.stdout(WORKER_TEXT);
    return 1;
  }
  if (!cli.cluster.running(cli.pi)) {
    cli.ctx.stdout(NOT_RUNNING);
    return 1;
  }
  return undefined;
}

async function status(cli: Cli): Promise<number> {
  const { ctx, args, cluster, pi } = cli;
  const wait = args.includes('--wait-ready') || args.includes('-w');
  const timeout = Number(flagValue(args, '--timeout', '-t') ?? 0);
  const format = flagValue(args, '--format') ?? 'pretty';
  if (isWorker(cli)) {
    ctx.stdout(WORKER_TEXT);
    return 0;
  }
  if (wait) await cluster.waitRunning(pi, timeout * 1000, ctx.signal);
  if (!cluster.running(pi)) {
    ctx.stdout(NOT_RUNNING);
    return 1;
  }
  const record = cluster.clusterOf(pi)!;
  // status.py asks `kubectl get all -A`; without dqlite quorum that request hangs until the
  // apiserver's 60 s request timeout, so the node counts as not running.
  if (!cluster.quorum(record)) {
    const deadline = timeout > 0 ? cluster.clock.now() + timeout * 1000 : Infinity;
    for (;;) {
      await cluster.clock.sleep(Math.min(REQUEST_TIMEOUT_MS, Math.max(0, deadline - cluster.clock.now())), ctx.signal);
      if (cluster.quorum(record) || !wait || cluster.clock.now() >= deadline) break;
    }
    if (!cluster.quorum(record)) {
      ctx.stdout(NOT_RUNNING);
      return 1;
    }
  }
  const { voters, standby } = cluster.datastore(record);
  const ha = voters.length >= 3;
  const addonName = flagValue(args, '-a', '--addon');
  if (addonName) {
    ctx.stdout(record.addons.has(addonName) ? 'enabled\n' : 'disabled\n');
    return 0;
  }
  const enabled = CORE_ADDONS.filter((a) => record.addons.has(a.name));
  const disabled = CORE_ADDONS.filter((a) => !record.addons.has(a.name));
  if (format === 'yaml') {
    const lines = ['microk8s:', '  running: True', 'high-availability:', `  enabled: ${ha ? 'True' : 'False'}`, '  nodes:'];
    for (const v of voters) lines.push(`    - address: ${v.address}:19001`, '      role: voter');
    for (const s of standby) lines.push(`    - address: ${s.address}:19001`, '      role: standby');
    lines.push('addons:');
    for (const a of CORE_ADDONS) lines.push(`  - name: ${a.name}`, '    repository: core', `    description: ${a.description}`, `    version: ${a.version || 'null'}`, `    status: ${record.addons.has(a.name) ? 'enabled' : 'disabled'}`);
    ctx.stdout(lines.join('\n') + '\n');
    return 0;
  }
  if (format === 'short') {
    ctx.stdout(`microk8s is running\nhigh-availability: ${ha ? 'yes' : 'no'}\n` + CORE_ADDONS.map((a) => `core/${a.name}: ${record.addons.has(a.name) ? 'enabled' : 'disabled'}`).join('\n') + '\n');
    return 0;
  }
  const line = (a: (typeof CORE_ADDONS)[number]) => `    ${a.name.padEnd(20)} # (core) ${a.description}`;
  const addrs = (ms: typeof voters) => (ms.length ? ms.map((m) => `${m.address}:19001`).join(' ') : 'none');
  ctx.stdout(
    [
      'microk8s is running',
      `high-availability: ${ha ? 'yes' : 'no'}`,
      `  datastore master nodes: ${addrs(voters)}`,
      `  datastore standby nodes: ${addrs(standby)}`,
      'addons:',
      '  enabled:',
      ...enabled.map(line),
      '  disabled:',
      ...disabled.map(line),
      '',
    ].join('\n'),
  );
  return 0;
}

function addNode(cli: Cli): number {
  const { ctx, args, cluster, pi } = cli;
  const refused = refusedOffControlPlane(cli);
  if (refused !== undefined) return refused;
  const record = cluster.clusterOf(pi)!;
  const token = flagValue(args, '--token', '-t') ?? randomBytes(16).toString('hex');
  if (token.length < 32) {
    ctx.stderr('Invalid token size.  It must be 32 characters long.\n');
    return 1;
  }
  const ttl = Number(flagValue(args, '--token-ttl', '-l') ?? -1);
  cluster.newToken(record, token, ttl);
  const format = flagValue(args, '--format') ?? 'pretty';
  const ip = pi.address;
  const full = `${token}/${record.certCheck}`;
  const url = `${ip}:25000/${full}`;
  switch (format) {
    case 'token':
      ctx.stdout(`${token}\n`);
      break;
    case 'token-check':
      ctx.stdout(`${full}\n`);
      break;
    case 'short':
      ctx.stdout(`microk8s join ${url}\nmicrok8s join ${url} --worker\n`);
      break;
    case 'json':
      ctx.stdout(JSON.stringify({ token: full, urls: [url] }, null, 2) + '\n');
      break;
    case 'yaml':
      ctx.stdout(`token: ${full}\nurls:\n- ${url}\n`);
      break;
    default:
      ctx.stdout(
        `From the node you wish to join to this cluster, run the following:
microk8s join ${url}

Use the '--worker' flag to join a node as a worker not running the control plane, eg:
microk8s join ${url} --worker

If the node you are adding is not reachable through the default interface you can use one of the following:
microk8s join ${url}
`,
      );
  }
  return 0;
}

function traceback(error: 'ConnectionRefusedError' | 'TimeoutError', ip: string): string {
  const last = error === 'ConnectionRefusedError' ? 'ConnectionRefusedError: [Errno 111] Connection refused' : 'TimeoutError: [Errno 110] Connection timed out';
  return `Traceback (most recent call last):
  File "/snap/microk8s/current/scripts/wrappers/join.py", line 1142, in <module>
    join(prog_name="microk8s join")
  File "/snap/microk8s/current/scripts/wrappers/join.py", line 1126, in join
    join_dqlite(connection_parts, verify, worker)
  File "/snap/microk8s/current/scripts/wrappers/join.py", line 917, in join_dqlite
    info = get_connection_info(master_ip, master_port, token, cluster_type="dqlite", verify_peer=verify_peer, worker=worker)
  File "/snap/microk8s/current/scripts/wrappers/join.py", line 104, in get_connection_info
    connection_info = requests.post(cluster_agent_url, json=req_data, verify=False)
urllib3.exceptions.NewConnectionError: <urllib3.connection.HTTPSConnection object>: Failed to establish a new connection: [Errno ${error === 'TimeoutError' ? 110 : 111}] ${error === 'TimeoutError' ? 'Connection timed out' : 'Connection refused'} (${ip}:25000)
${last}
`;
}

async function join(cli: Cli): Promise<number> {
  const { ctx, args, cluster, pi } = cli;
  const target = args.find((a) => !a.startsWith('-'));
  const worker = args.includes('--worker');
  const skipVerify = args.includes('--skip-verify');
  const m = target ? /^([^:/]+):(\d+)\/([^/]+)(?:\/([^/]+))?$/.exec(target) : null;
  if (!m) {
    ctx.stdout('Invalid connection: Expected format: <master_IP>:<master_PORT>/<token>[/<fingerprint>]\n');
    return 1;
  }
  const [, host, portText, token, check] = m as unknown as [string, string, string, string, string | undefined];
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(host)) {
    ctx.stdout('Invalid master IP\n');
    return 1;
  }
  if (!cluster.running(pi)) {
    ctx.stdout(NOT_RUNNING);
    return 1;
  }
  ctx.stdout(`Contacting cluster at ${host}\n`);
  const probe = pi.os!.tcpProbe(host, Number(portText));
  if (probe !== 'open') {
    if (probe === 'timeout') await cluster.clock.sleep(130_000, ctx.signal);
    ctx.stderr(traceback(probe === 'timeout' ? 'TimeoutError' : 'ConnectionRefusedError', host));
    return 1;
  }
  const peer = cluster.piAt(host)!;
  const record = cluster.clusterOf(peer)!;
  if (!skipVerify && check !== undefined && check !== record.certCheck) {
    ctx.stdout(`Joining cluster failed. Could not verify the identity of ${host}. Use '--skip-verify' to skip server certificate check.\n`);
    return 4;
  }
  if (!cluster.consumeToken(record, token)) {
    ctx.stdout('Connection failed. Invalid token (500).\n');
    return 6;
  }
  const now = cluster.clock.now();
  const myTime = pi.os!.localTime();
  const peerTime = peer.os!.localTime();
  if (myTime < record.createdAt || peerTime < record.createdAt) {
    const iso = (t: number) => new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
    ctx.stdout(`Connection failed. x509: certificate has expired or is not yet valid: current time ${iso(Math.min(myTime, peerTime))} is before ${iso(record.createdAt)} (500).\n`);
    return 6;
  }
  if (pi.address === peer.address) {
    ctx.stdout(`Connection failed. The joining node has the same IP (${host}) as the node we contact (503).\n`);
    return 6;
  }
  const myName = pi.hostname ?? '';
  if (track(cli) <= 27 && cluster.resolve(peer, myName) !== pi.address) {
    ctx.stdout(`Connection failed. The hostname (${myName}) of the joining node does not resolve to the IP "${pi.address}". Refusing join (400).\n`);
    return 6;
  }
  if (!worker && record.joinBusyUntil > now) {
    ctx.stdout('Connection failed. Failed to retrieve dqlite cluster nodes: context deadline exceeded (500).\n');
    return 6;
  }
  if (worker) {
    await cluster.clock.sleep(8_000, ctx.signal);
    cluster.join(pi, record, 'worker', 30_000);
    ctx.stdout(`
The node has joined the cluster and will appear in the nodes list in a few seconds.

This worker node gets automatically configured with the API server endpoints.
If the API servers are behind a loadbalancer please set the '--refresh-interval' to '0s' in:
    /var/snap/microk8s/current/args/apiserver-proxy
and replace the API server endpoints with the one provided by the loadbalancer in:
    /var/snap/microk8s/current/args/traefik/provider.yaml

`);
    return 0;
  }
  cluster.join(pi, record, 'control-plane', 60_000);
  ctx.stdout('Waiting for this node to finish joining the cluster.');
  for (let i = 0; i < 4; i++) {
    await cluster.clock.sleep(8_000, ctx.signal);
    ctx.stdout(' ..');
  }
  ctx.stdout('\nSuccessfully joined the cluster.\n');
  return 0;
}

async function leave(cli: Cli): Promise<number> {
  const { ctx, cluster, pi } = cli;
  const record = cluster.clusterOf(pi);
  const me = cluster.memberOf(pi);
  if (!record || !me) {
    ctx.stdout(NOT_RUNNING);
    return 1;
  }
  const { voters } = cluster.datastore(record);
  if (me.role === 'control-plane' && voters.length === 1 && voters[0] === me) {
    ctx.stdout('This node currently holds the only copy of the Kubernetes database so it cannot leave the cluster.\n');
    return 3;
  }
  if (me.role === 'worker') ctx.stdout('Configuring services.\n');
  ctx.stdout('Generating new cluster certificates.\nWaiting for node to start.');
  cluster.leave(pi);
  for (let i = 0; i < 2; i++) {
    await cluster.clock.sleep(3_000, ctx.signal);
    ctx.stdout(' .');
  }
  ctx.stdout('\n');
  return 0;
}

function removeNode(cli: Cli): number {
  const { ctx, args, cluster, pi } = cli;
  const name = args.find((a) => !a.startsWith('-'));
  const force = args.includes('--force');
  if (isWorker(cli)) {
    ctx.stdout(WORKER_TEXT);
    return 1;
  }
  const record: ClusterRecord | undefined = cluster.clusterOf(pi);
  if (!name || !record) {
    ctx.stderr('Usage: microk8s remove-node [OPTIONS] NODE\n');
    return 2;
  }
  const member = record.members.find((m) => m.name === name || m.address === name);
  if (!member) {
    ctx.stdout(`Node ${name} does not exist in Kubernetes.\n`);
    return 1;
  }
  if (!member.left && !force && member.pi !== pi) {
    ctx.stdout(
      `Removal failed. Node ${member.name} is registered with dqlite. Please, run first 'microk8s leave' on the departing node. \nIf the node is not available anymore and will never attempt to join the cluster in the future use the '--force' flag \nto unregister the node while removing it.\n`,
    );
    return 1;
  }
  cluster.removeMember(record, member);
  return 0;
}

function config(cli: Cli): number {
  const { ctx, cluster, pi } = cli;
  const refused = refusedOffControlPlane(cli);
  if (refused !== undefined) return refused;
  if (!cluster.kubeApi) {
    ctx.stderr('The lab has no Kubernetes API server running.\n');
    return 1;
  }
  ctx.stdout(cluster.kubeApi.kubeconfig(`https://${pi.address}:16443`));
  return 0;
}

/**
 * scripts/wrappers/common/utils.py parse_xable_addon_args: several addons with inline `name:args`,
 * or one addon followed by its own arguments (`microk8s enable metallb 10.0.0.1-10.0.0.9`).
 */
function parseAddonArgs(args: string[]): { name: string; repo?: string; args: string[] }[] | string {
  const words = args.filter((a) => a !== '--');
  const names = new Set([...CORE_ADDONS.map((a) => a.name), ...CORE_ADDONS.map((a) => `core/${a.name}`)]);
  const single = (arg: string) => {
    const [full, ...rest] = arg.split(':');
    const [repo, name] = full!.includes('/') ? (full!.split('/') as [string, string]) : [undefined, full!];
    return { name, repo, args: rest.length ? [rest.join(':')] : [] };
  };
  const given = new Set(words.map((a) => a.split(':')[0]!));
  if ([...given].every((n) => names.has(n)) && given.size < names.size) return words.map(single);
  const first = single(words[0] ?? '');
  if (first.args.length && words.length > 1) {
    return "Can't pass string arguments and flag arguments simultaneously!\nEnable or disable addons with only one argument style at a time:\n\n    microk8s enable foo:'bar'\nor\n    microk8s enable foo --bar\n\n";
  }
  return [{ ...first, args: words.slice(1) }];
}

async function addon(cli: Cli, verb: 'enable' | 'disable'): Promise<number> {
  const { ctx, args, cluster, pi } = cli;
  const refused = refusedOffControlPlane(cli);
  if (refused !== undefined) return refused;
  const record = cluster.clusterOf(pi)!;
  const parsed = parseAddonArgs(args);
  if (typeof parsed === 'string') {
    ctx.stdout(parsed);
    return 1;
  }
  let status = 0;
  for (const { name, repo, args: addonArgs } of parsed) {
    const info = CORE_ADDONS.find((a) => a.name === name);
    if (!info || (repo && repo !== 'core')) {
      ctx.stderr(`Addon ${name} was not found in any repository\n`);
      return 1;
    }
    if (!repo) ctx.stderr(`Infer repository core for addon ${name}\n`);
    const on = record.addons.has(name);
    if (verb === 'enable' && on) {
      ctx.stdout(`Addon core/${name} is already enabled\n`);
      continue;
    }
    if (verb === 'disable' && !on) {
      ctx.stdout(`Addon core/${name} is already disabled\n`);
      continue;
    }
    const script = ADDON_SCRIPTS[name];
    const objects = cluster.kubeApi?.addonsFor?.(pi) ?? cluster.kubeApi?.addons;
    if (script && objects) {
      const code = await script[verb]({ ctx, clock: cluster.clock, objects, args: addonArgs });
      if (code !== 0) return code;
      if (verb === 'enable') record.addons.add(name);
      else record.addons.delete(name);
      cluster.persist(record);
      continue;
    }
    if (verb === 'disable') {
      ctx.stdout(`Disabling ${info.title}\n`);
      await cluster.clock.sleep(5_000, ctx.signal);
      record.addons.delete(name);
      cluster.persist(record);
      ctx.stdout(`${info.title} is disabled\n`);
      continue;
    }
    ctx.stdout(`Enabling ${info.title}\n`);
    if (name === 'metallb') {
      let range: string | undefined = addonArgs.join(' ');
      if (!range) {
        ctx.stdout("Enter each IP address range delimited by comma (e.g. '10.64.140.43-10.64.140.49,192.168.0.105-192.168.0.111'): ");
        range = (await ctx.stdin.readLine()) ?? undefined;
      }
      if (!range || !/^\d+\.\d+\.\d+\.\d+(-\d+\.\d+\.\d+\.\d+|\/\d+)(,\s*\d+\.\d+\.\d+\.\d+(-\d+\.\d+\.\d+\.\d+|\/\d+))*$/.test(range.trim())) {
        ctx.stdout(`Your input value (${range ?? ''}) is not a valid IP Range\n`);
        status = 1;
        continue;
      }
    }
    for (const step of info.enableSteps) {
      await cluster.clock.sleep(1_500, ctx.signal);
      ctx.stdout(step + '\n');
    }
    record.addons.add(name);
    cluster.persist(record);
    ctx.stdout(`${info.title} is enabled\n`);
  }
  return status;
}

async function inspect(cli: Cli): Promise<number> {
  const { ctx, pi } = cli;
  if (ctx.user !== 'root') {
    ctx.stderr('Please run inspect with sudo.\n');
    return 1;
  }
  const services = ['cluster-agent', 'containerd', 'kubelite', 'k8s-dqlite', 'apiserver-kine'];
  const running = cli.cluster.running(pi);
  const lines = ['Inspecting system', 'Inspecting Certificates', 'Inspecting services'];
  for (const s of services) lines.push(`  Service snap.microk8s.daemon-${s} is ${running ? 'running' : 'not running'}`);
  lines.push(
    '  Copy service arguments to the final report tarball',
    'Inspecting AppArmor configuration',
    'Gathering system information',
    '  Copy processes list to the final report tarball',
    '  Copy disk usage information to the final report tarball',
    '  Copy memory usage information to the final report tarball',
    '  Copy server uptime to the final report tarball',
    '  Copy openSSL information to the final report tarball',
    '  Copy snap list to the final report tarball',
    '  Copy VM name (or none) to the final report tarball',
    '  Copy current linux distribution to the final report tarball',
    '  Copy asnycio usage and limits to the final report tarball',
    '  Copy inotify max_user_instances and max_user_watches to the final report tarball',
    '  Copy network configuration to the final report tarball',
    'Inspecting kubernetes cluster',
    '  Inspect kubernetes cluster',
    'Inspecting dqlite',
    '  Inspect dqlite',
    '',
  );
  if (!pi.memoryCgroupEnabled()) {
    lines.push(
      'WARNING:  The memory cgroup is not enabled. ',
      'The cluster may not be functioning properly. Please ensure cgroups are enabled ',
      'See for example: https://microk8s.io/docs/install-alternatives#heading--arm ',
    );
  }
  const stamp = new Date(pi.os!.localTime()).toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  const rev = pi.os!.snaps().find((s) => s.name === 'microk8s')?.rev ?? 'current';
  lines.push('Building the report tarball', `  Report tarball is at /var/snap/microk8s/${rev}/inspection-report-${stamp}.tar.gz`, '');
  await cli.cluster.clock.sleep(20_000, ctx.signal);
  ctx.stdout(lines.join('\n'));
  return 0;
}
