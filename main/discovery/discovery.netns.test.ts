/**
 * Discovery and SSH against real Debian OpenSSH servers in network namespaces (root only): a /24
 * that exists only inside the lab, three hosts running sshd (hostnames pi-1..pi-3), one host without
 * it. The code under test runs inside the lab's "laptop" namespace.
 */
import { execFileSync } from 'node:child_process';
import { chmod, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LaptopJob } from '../../tests/netns/laptop-runner';
import { createNetnsLab, netnsUnavailable, piMac, REPO_ROOT, type NetnsLab } from '../../tests/netns/netns-lab';
import { createTestUser, generateKeyPair, makeTempDir, realSshdUnavailable, startSshd, sudoUnavailable, type RunningSshd, type TestUser } from '../../tests/netns/sshd';

const skipReason = netnsUnavailable() ?? realSshdUnavailable();
if (skipReason) console.warn(`Skipping network-namespace discovery tests: ${skipReason}`);

const RUNNER = join(REPO_ROOT, 'tests/netns/laptop-runner.ts');
type JobResult = { ok: true; value: any } | { ok: false; error: { code?: string; message?: string } }; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.skipIf(!!skipReason)('discovery and SSH in network namespaces', () => {
  let lab: NetnsLab;
  let dir: string;
  let user: TestUser;
  let key: string;
  const sshds: RunningSshd[] = [];
  const run = async (jobs: LaptopJob[]): Promise<JobResult[]> => JSON.parse(await lab.runInLaptop(RUNNER, [], JSON.stringify(jobs)));
  const target = (i: number) => ({ host: lab.hosts[i]!.address, port: 22, username: user.name, privateKeyPath: key, knownHostsPath: join(dir, 'known_hosts') });

  beforeAll(async () => {
    dir = await makeTempDir('pcw-netns-');
    await chmod(dir, 0o755);
    const pair = await generateKeyPair(dir, 'cluster_ed25519');
    key = pair.privateKeyPath;
    user = await createTestUser({ sudo: 'password', homeDir: dir });
    lab = createNetnsLab([11, 23, 42, 77, 99]);
    for (const [i, h] of lab.hosts.slice(0, 3).entries()) {
      sshds.push(await startSshd({ listenAddress: h.address, netns: h.netns, hostname: `pi-${i + 1}`, authorizedKeys: pair.publicKey, dir }));
    }
    // .99: a Pi that will be unplugged (the keepalive test takes its link down).
    sshds.push(await startSshd({ listenAddress: lab.hosts[4]!.address, netns: lab.hosts[4]!.netns, hostname: 'pi-9', authorizedKeys: pair.publicKey, dir }));
  }, 60_000);

  afterAll(async () => {
    for (const s of sshds) await s.stop();
    lab?.destroy();
    await user?.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps the lab subnet out of the root namespace', () => {
    const prefix = lab.subnet.split('.').slice(0, 3).join('.');
    expect(execFileSync('ip', ['-4', '-o', 'addr'], { encoding: 'utf8' })).not.toContain(`${prefix}.`);
    expect(execFileSync('ip', ['-4', 'route'], { encoding: 'utf8' })).not.toContain(`${prefix}.`);
  });

  it('sweeps the /24 and finds exactly the sshd hosts with their banners, then identifies them over SSH', async () => {
    // Discovery first, while the laptop's neighbour table is still empty: the Pi MACs only appear
    // during the sweep, and the hosts must still be identified over SSH.
    const [discovery, sweep] = await run([
      { op: 'discover', subnets: [lab.subnet], port: 22, exclude: [lab.laptopAddress], plannedNodes: ['pi-1', 'pi-2', 'pi-3', 'pi-4'].map((hostname) => ({ hostname })), ssh: { username: user.name, privateKeyPath: key, knownHostsPath: join(dir, 'known_hosts_discovery') } },
      { op: 'sweep', targets: [lab.subnet], port: 22, exclude: [lab.laptopAddress] },
    ]);
    expect(sweep).toMatchObject({ ok: true });
    const found = (sweep as { value: { found: { address: string; ssh?: { banner: string; os: string } }[] } }).value.found;
    expect(found.map((h) => h.address)).toEqual([0, 1, 2, 4].map((i) => lab.hosts[i]!.address));
    for (const h of found) expect(h.ssh).toMatchObject({ banner: expect.stringMatching(/^SSH-2\.0-OpenSSH_\S+ Debian-/), os: 'debian' });

    expect(discovery).toMatchObject({ ok: true });
    const result = (discovery as { value: { found: Record<string, string>; missing: string[]; hosts: { address: string; mac?: string; isPi: boolean; sshReady: boolean; hostKeyFingerprint?: string }[] } }).value;
    expect(result.found).toEqual({ 'pi-1': lab.hosts[0]!.address, 'pi-2': lab.hosts[1]!.address, 'pi-3': lab.hosts[2]!.address });
    expect(result.missing).toEqual(['pi-4']);
    // Pi MACs come from the laptop's real kernel neighbour table; .77 is a Pi whose SSH is not up yet.
    expect(result.hosts.map((h) => [h.address, h.mac, h.isPi, h.sshReady, h.hostKeyFingerprint])).toEqual([
      ...[0, 1, 2, 4].map((i) => lab.hosts[i]!).map((h, i) => [h.address, piMac(Number(h.address.split('.')[3])), true, true, sshds[i]!.fingerprint()]),
      [lab.hosts[3]!.address, piMac(77), true, false, undefined],
    ]);
  });

  it('runs commands with the cluster key, pins the host key, and runs sudo without the password in any output', async () => {
    const jobs: LaptopJob[] = [{ op: 'exec', target: target(0), command: 'id -un; hostname' }];
    if (!sudoUnavailable()) jobs.push({ op: 'exec', target: target(0), command: 'id -u; cat', sudoPassword: user.password, stdin: 'from stdin\n' });
    const results = await run(jobs);
    expect(results[0]).toMatchObject({ ok: true, value: { result: { exitCode: 0, stdout: `${user.name}\npi-1\n` }, authMethod: 'publickey', hostKey: { fingerprint: sshds[0]!.fingerprint() } } });
    expect(await readFile(join(dir, 'known_hosts'), 'utf8')).toContain(`${lab.hosts[0]!.address} ssh-ed25519 `);
    if (results[1]) {
      // (sudo may warn that it cannot resolve the hostname, exactly as on a fresh Pi)
      expect(results[1]).toMatchObject({ ok: true, value: { result: { exitCode: 0, stdout: '0\nfrom stdin\n' } } });
      expect(JSON.stringify(results[1])).not.toContain('pcw-sudo-'); // prompt/ready markers removed
      expect(JSON.stringify(results[1])).not.toContain(user.password);
    }
  });

  it('notices through keepalives when a Pi drops off the network', async () => {
    const [r] = await run([
      {
        op: 'keepalive',
        target: { ...target(4), username: 'root', knownHostsPath: join(dir, 'known_hosts_keepalive') },
        command: "nohup sh -c 'sleep 0.5; ip link set eth0 down' >/dev/null 2>&1 </dev/null &",
        keepaliveIntervalMs: 200,
      },
    ]);
    expect(r).toEqual({ ok: true, value: { noticed: true, isOpen: false, after: 'CONNECTION_LOST' } });
  });

  it('refuses a host whose key changed after it was pinned', async () => {
    await sshds[1]!.regenerateHostKey();
    const [pinnedBefore, changed] = await run([
      { op: 'exec', target: { ...target(1), knownHostsPath: join(dir, 'known_hosts_changed') }, command: 'true' },
      { op: 'exec', target: { ...target(1), knownHostsPath: join(dir, 'known_hosts_discovery') }, command: 'true' },
    ]);
    expect(pinnedBefore).toMatchObject({ ok: true });
    expect(changed).toMatchObject({ ok: false, error: { code: 'HOST_KEY_CHANGED', message: expect.stringContaining(sshds[1]!.fingerprint()) } });
  });
});
