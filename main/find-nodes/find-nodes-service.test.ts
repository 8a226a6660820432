/**
 * The practice journey through the app's own router: plan -> prepare a virtual card -> put it in
 * a virtual Pi -> power on -> the search finds the planned node at the lab address, identified
 * over SSH with the cluster key. Host keys are never trusted silently: a prepared node is known
 * by the key written to its card, a device claiming its name with another key is refused, and a
 * host the app did not prepare waits for the user's confirmation.
 */
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import ssh2, { type ParsedKey } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { practiceLoopbackBase } from '../practice/practice-service';
import { practiceNodesFound, practiceOn, practicePlanDraft } from '../app/testing/practice-journey';
import { readEveryFile } from '../app/testing/data-files';
import { appPerTest } from '../app/testing/test-app';
import { generateEd25519 } from '../ssh/keygen';
import { fingerprintOf } from '../ssh/known-hosts';
import { hostLabel } from '../ssh/ssh-errors';
import { Ssh2TestServer } from '../ssh/ssh2-test-server';

const t = appPerTest('pcw-find-');


/** The first `bytes` of a file. */
async function readStart(file: string, bytes: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Puts a new practice card in reader 1 and prepares it for `hostname`; returns the card id. */
async function prepare(hostname: string, cardId?: string): Promise<string> {
  const id = cardId ?? (await t.call('practice.newCard', { content: 'ubuntu-24.04', sizeGB: 2 })).cards.at(-1)!.id;
  const device = (await t.call('practice.insertCard', { id, reader: 1 })).cards.find((c) => c.id === id)!.device!;
  const { jobId } = await t.call('cards.prepare', { hostname, device, confirmDevice: device });
  expect((await t.app.jobs.settled(jobId)).state).toBe('succeeded');
  return id;
}

async function boot(cardId: string, pi: string): Promise<void> {
  await t.call('practice.plugCard', { id: cardId, pi });
  await t.call('practice.power', { pi, on: true });
  await expect.poll(() => t.app.feature('practice').view().pis.find((p) => p.id === pi)?.state, { timeout: 20_000 }).toBe('running');
}

/**
 * Not a Pi the app prepared: an SSH server on the practice network (the lab's SSH port, an
 * Ubuntu banner) that accepts the cluster key and answers `hostname` with `claims`; it records
 * every command it is sent.
 */
async function strangerAt(octet: number, claims: string, hostKey = generateEd25519().private): Promise<{ server: Ssh2TestServer; commands: string[] }> {
  await t.app.feature('practice').lab();
  const commands: string[] = [];
  const server = await Ssh2TestServer.start({
    address: `${practiceLoopbackBase(t.dataDir)}.${octet}`,
    port: t.app.feature('practice').labNetwork()!.sshPort,
    hostKey,
    authorizedKeys: [t.app.feature('plan').stored()!.login.publicKey],
    onExec: (command) => {
      commands.push(command);
      return command === 'hostname' ? { stdout: `${claims}\n` } : { code: 127, stderr: 'not here\n' };
    },
  });
  return { server, commands };
}

const subnetOf = (dataDir: string) => `${practiceLoopbackBase(dataDir)}.0/24`;
const jobLog = async (jobId: string) => (await t.call('jobs.log', { id: jobId, from: 0 })).lines.join('\n');

describe('finding the planned nodes (practice lab)', () => {
  it('refuses to search without a plan or without a network, and never picks one itself', async () => {
    await t.start();
    expect(await t.app.router.dispatch('findNodes.start', { subnets: ['127.77.0.0/24'] })).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    await t.call('plan.save', { draft: practicePlanDraft(['pi-01', 'pi-02'], ['pi-01'], 'lab') });
    expect(await t.app.router.dispatch('findNodes.start', { subnets: [] })).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS', message: expect.stringMatching(/Choose at least one network/) } });
    expect(await t.app.router.dispatch('findNodes.start', { subnets: ['10.0.0.0/8'] })).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS' } });
    expect(await t.app.router.dispatch('findNodes.start', { subnets: ['127.77.0.0/24; rm -rf /'] })).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS' } });
    expect(t.app.jobs.list()).toEqual([]);
  });

  it('knows a prepared node by the key written to its card before it answers, and finds it with no question', async () => {
    const { dataDir } = await t.start();
    await practiceOn(t);
    await t.call('plan.save', { draft: practicePlanDraft(['pi-01', 'pi-02'], ['pi-01'], 'lab') });
    const card = await prepare('pi-01');
    expect(t.app.feature('practice').view().cards[0]?.reader).toBeUndefined(); // ejected after writing
    await expect.poll(() => t.app.feature('practice').view().cards[0]?.preparedFor).toBe('pi-01'); // "labelled"

    // Pinned at once, by the planned hostname, before the Pi was ever powered on.
    const report = (await t.call('cards.reports', {})).reports[0]!;
    expect(report.hostKey).toMatchObject({ keyType: 'ssh-ed25519', fingerprint: expect.stringMatching(/^SHA256:/) });
    expect((await t.call('findNodes.state', {})).preparedKeys).toEqual({ 'pi-01': report.hostKey!.fingerprint });
    expect(await readFile(path.join(dataDir, 'practice', 'known_hosts'), 'utf8')).toBe(`pi-01 ${report.hostKey!.publicKey.split(' ').slice(0, 2).join(' ')} pcw-prepared-node\n`);

    await t.call('practice.addPi', {});
    await boot(card, 'pi-1');
    const subnets = await t.call('findNodes.subnets', {});
    const base = practiceLoopbackBase(dataDir);
    expect(subnets.subnets[0]).toMatchObject({ cidr: `${base}.0/24`, practice: true });

    const started = await t.call('findNodes.start', { subnets: [`${base}.0/24`] });
    expect(started.jobId).toBeDefined();
    await expect.poll(() => t.app.feature('findNodes').state().found['pi-01']?.address, { timeout: 30_000 }).toBe(`${base}.11`);
    const state = await t.call('findNodes.stop', {});
    expect(state.missing).toEqual(['pi-02']);
    expect(state.found['pi-01']?.fingerprint).toBe(report.hostKey!.fingerprint);
    expect(state.hosts.find((h) => h.plannedNode === 'pi-01')).toMatchObject({ isPi: true, sshReady: true, hostname: 'pi-01', system: 'Ubuntu 24.04', matchedBy: 'hostname', fingerprint: report.hostKey!.fingerprint });
    expect(state.unconfirmedHosts).toEqual([]);
    expect(state.refusedHosts).toEqual([]);
    expect(state.hostKeyChanges).toEqual([]);
    expect(await readFile(path.join(dataDir, 'practice', 'known_hosts'), 'utf8')).toContain(`\n${hostLabel(`${base}.11`, t.app.feature('practice').labNetwork()!.sshPort)} ${report.hostKey!.publicKey.split(' ').slice(0, 2).join(' ')}\n`);
    expect(await jobLog(started.jobId!)).not.toMatch(/First contact|trusting/);

    // The node's private host key is on the card (and the Pi's disk, which is that card), nowhere else.
    const piKey = await readFile(path.join(dataDir, 'lab', 'pis', 'pi-1', 'ssh_host_ed25519_key'), 'utf8');
    const parsed = ssh2.utils.parseKey(piKey);
    expect(parsed instanceof Error ? parsed : (parsed as ParsedKey).getPublicSSH().toString('base64')).toBe(report.hostKey!.publicKey.split(' ')[1]); // the Pi really has this pair
    const privateLine = piKey.trim().split('\n')[4]!; // base64 of the private seed, not of the public key
    expect(privateLine).toMatch(/^[A-Za-z0-9+/]{64}$/);
    // The lab keeps saving while this reads: readEveryFile reads again past its temporaries.
    const holds = await readEveryFile(dataDir, async (file) => {
      const name = path.relative(dataDir, file);
      // The practice card images (sparse, gigabytes) are the card itself: that is where the key belongs.
      if ((await stat(file)).size > 64 * 1024 * 1024) {
        expect(name).toMatch(new RegExp(`^lab${path.sep}cards${path.sep}[^${path.sep}]+\\.img$`));
        return (await readStart(file, 64 * 1024 * 1024)).includes(privateLine); // its boot partition
      }
      return (await readFile(file)).includes(privateLine);
    });
    const holders = [...holds].filter(([, has]) => has).map(([file]) => path.relative(dataDir, file));
    // Only the card and the Pi's own disk (its /etc/ssh and root filesystem, which live on that card) hold it.
    expect(holders.filter((f) => !f.startsWith(path.join('lab', 'pis', 'pi-1') + path.sep) && !f.startsWith(path.join('lab', 'cards') + path.sep))).toEqual([]);
    expect(holders).toContain(path.join('lab', 'pis', 'pi-1', 'ssh_host_ed25519_key'));
    expect(holders).toContain(path.join('lab', 'cards', `${card}.img`)); // in user-data on the card
    const everythingSaid = JSON.stringify([await t.call('jobs.list', {}), await Promise.all(t.app.jobs.list().map((j) => jobLog(j.id))), await t.call('findNodes.state', {}), await t.call('cards.reports', {})]);
    expect(everythingSaid).not.toContain(privateLine);
    expect(everythingSaid).not.toContain('PRIVATE KEY');
  });

  it('a re-prepared card gives the Pi a new host key: the pin follows without asking, and the old key is nobody’s', async () => {
    const { dataDir } = await t.start();
    await practiceOn(t);
    await t.call('plan.save', { draft: practicePlanDraft(['pi-01', 'pi-02'], ['pi-01'], 'lab') });
    const card = await prepare('pi-01');
    await t.call('practice.addPi', {});
    await boot(card, 'pi-1');
    await t.call('findNodes.start', { subnets: [subnetOf(dataDir)] });
    await expect.poll(() => t.app.feature('findNodes').state().found['pi-01']?.fingerprint, { timeout: 30_000 }).toMatch(/^SHA256:/);
    await t.call('findNodes.stop', {});
    const first = t.app.feature('findNodes').state().found['pi-01']!.fingerprint!;

    // The user re-prepares pi-01's card and boots it again: a new key, made and pinned by the app.
    await t.call('practice.power', { pi: 'pi-1', on: false });
    await t.call('practice.unplugCard', { pi: 'pi-1' });
    await prepare('pi-01', card);
    const second = t.app.feature('findNodes').state().preparedKeys['pi-01']!;
    expect(second).not.toBe(first);
    await boot(card, 'pi-1');
    const again = await t.call('findNodes.start', { subnets: [subnetOf(dataDir)] });
    await expect.poll(() => t.app.feature('findNodes').state().found['pi-01']?.fingerprint, { timeout: 30_000 }).toBe(second);
    const state = await t.call('findNodes.stop', {});
    expect(state.hostKeyChanges).toEqual([]);
    expect(state.unconfirmedHosts).toEqual([]);
    expect(state.found['pi-01']?.address).toBe(`${practiceLoopbackBase(dataDir)}.11`);
    expect(await jobLog(again.jobId!)).not.toMatch(/has changed|First contact/);
    const knownHosts = await readFile(path.join(dataDir, 'practice', 'known_hosts'), 'utf8');
    expect(knownHosts.trim().split('\n')).toHaveLength(2); // the node pin and where it answers, both the new key
  });

  it('refuses a device that claims a prepared node’s name with another key, and still finds the real Pi', async () => {
    const { dataDir } = await t.start();
    await practiceOn(t);
    await t.call('plan.save', { draft: practicePlanDraft(['pi-01', 'pi-02'], ['pi-01'], 'lab') });
    const card = await prepare('pi-01');
    const expected = t.app.feature('findNodes').state().preparedKeys['pi-01']!;
    const impostor = await strangerAt(50, 'pi-01');
    try {
      const search = await t.call('findNodes.start', { subnets: [subnetOf(dataDir)] });
      await expect.poll(() => t.app.feature('findNodes').state().refusedHosts, { timeout: 30_000 }).toEqual([
        {
          host: impostor.server.address,
          port: impostor.server.port,
          node: 'pi-01',
          reason: 'hostname',
          keyType: 'ssh-ed25519',
          expectedFingerprint: expected,
          presentedFingerprint: fingerprintOf(impostor.server.hostKeyBlob),
          seenAt: expect.any(Number),
        },
      ]);
      expect(t.app.feature('findNodes').state().found['pi-01']).toBeUndefined();
      expect(t.app.feature('findNodes').state().hosts.find((h) => h.address === impostor.server.address)).toMatchObject({ hostname: 'pi-01', hostKeyStatus: 'refused' });
      expect(t.app.feature('findNodes').state().hosts.find((h) => h.address === impostor.server.address)?.plannedNode).toBeUndefined();
      expect(await jobLog(search.jobId!)).toContain(`says it is pi-01, but its host key ${fingerprintOf(impostor.server.hostKeyBlob)} is not the key ${expected} the app wrote to pi-01's card`);
      expect(t.app.feature('findNodes').state().unconfirmedHosts).toEqual([]);

      // The real pi-01 boots: found by its key; the impostor stays refused and was only asked its name.
      await t.call('practice.addPi', {});
      await boot(card, 'pi-1');
      await expect.poll(() => t.app.feature('findNodes').state().found['pi-01']?.address, { timeout: 30_000 }).toBe(`${practiceLoopbackBase(dataDir)}.11`);
      await t.call('findNodes.stop', {});
      expect(t.app.feature('findNodes').state().refusedHosts.map((r) => r.host)).toEqual([impostor.server.address]);
      expect(new Set(impostor.commands)).toEqual(new Set(['hostname']));
      expect(await readFile(path.join(dataDir, 'practice', 'known_hosts'), 'utf8')).not.toContain(impostor.server.address);
    } finally {
      await impostor.server.stop();
    }
  });

  it('asks before trusting a host the app did not prepare, trusts exactly the key shown, and asks again when that key changes', async () => {
    const { dataDir } = await t.start();
    await practiceOn(t);
    await t.call('plan.save', { draft: practicePlanDraft(['pi-01', 'pi-02'], ['pi-01'], 'lab') });
    const vm = await strangerAt(51, 'pi-02');
    const address = vm.server.address;
    const port = vm.server.port;
    const fingerprint = fingerprintOf(vm.server.hostKeyBlob);
    let replacement: Awaited<ReturnType<typeof strangerAt>> | undefined;
    try {
      const search = await t.call('findNodes.start', { subnets: [subnetOf(dataDir)] });
      await expect.poll(() => t.app.feature('findNodes').state().unconfirmedHosts, { timeout: 30_000 }).toEqual([{ host: address, port, keyType: 'ssh-ed25519', fingerprint, hostname: 'pi-02', seenAt: expect.any(Number) }]);
      expect(t.app.feature('findNodes').state().found['pi-02']).toBeUndefined();
      expect(t.app.feature('findNodes').state().hosts.find((h) => h.address === address)).toMatchObject({ hostname: 'pi-02', hostKeyStatus: 'unconfirmed' });
      expect(await readFile(path.join(dataDir, 'practice', 'known_hosts'), 'utf8').catch(() => '')).not.toContain(address);
      expect(await jobLog(search.jobId!)).toContain(`First contact with ${hostLabel(address, port)} (it says it is pi-02): its ssh-ed25519 host key ${fingerprint} is not trusted until you confirm it`);

      // Only exactly the key shown can be confirmed, and only for a host that is waiting.
      expect(await t.app.router.dispatch('findNodes.confirmHostKey', { host: address, port, fingerprint: fingerprintOf(Buffer.from('other')) })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
      expect(await t.app.router.dispatch('findNodes.confirmHostKey', { host: `${practiceLoopbackBase(dataDir)}.99`, port, fingerprint })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect(await t.app.router.dispatch('findNodes.confirmHostKey', { host: address, port, fingerprint: 'SHA256:short' })).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMS' } });
      expect((await t.call('findNodes.confirmHostKey', { host: address, port, fingerprint })).unconfirmedHosts).toEqual([]);
      await expect.poll(() => t.app.feature('findNodes').state().found['pi-02'], { timeout: 30_000 }).toMatchObject({ address, port, fingerprint });
      await t.call('findNodes.stop', {});
      expect(vm.commands.filter((c) => c !== 'hostname')).toEqual([]);

      // The VM is re-installed (a new key): the changed-key question, as before.
      await vm.server.stop();
      replacement = await strangerAt(51, 'pi-02');
      const renewed = fingerprintOf(replacement.server.hostKeyBlob);
      await t.call('findNodes.start', { subnets: [subnetOf(dataDir)] });
      await expect.poll(() => t.app.feature('findNodes').state().hostKeyChanges, { timeout: 30_000 }).toEqual([expect.objectContaining({ host: address, port, node: 'pi-02', pinnedFingerprint: fingerprint, presentedFingerprint: renewed })]);
      expect(t.app.feature('findNodes').state().unconfirmedHosts).toEqual([]);
      await t.call('findNodes.trustNewHostKey', { host: address, port, fingerprint: renewed });
      await expect.poll(() => t.app.feature('findNodes').state().found['pi-02']?.fingerprint, { timeout: 30_000 }).toBe(renewed);
      await t.call('findNodes.stop', {});
    } finally {
      await vm.server.stop();
      await replacement?.server.stop();
    }
  });

  it('a cluster job meeting another key where a prepared node was found refuses it and sends it nothing', async () => {
    const { dataDir } = await t.start();
    await practiceNodesFound(t, 2);
    const found = t.app.feature('findNodes').state().found['pi-01']!;
    await t.call('practice.power', { pi: 'pi-1', on: false });
    const impostor = await strangerAt(11, 'pi-01'); // the same address and port the Pi answered at
    try {
      expect([impostor.server.address, impostor.server.port]).toEqual([found.address, found.port]);
      // The checks still run for pi-02; pi-01's own check says it was refused, and why (in main's English too).
      const job = await t.app.jobs.settled((await t.call('cluster.preflight', {})).jobId);
      expect(job.state).toBe('succeeded');
      const checks = t.app.feature('cluster').state().preflight!.checks;
      expect(checks.filter((c) => c.node === 'pi-01')).toEqual([
        expect.objectContaining({ id: 'reachable', status: 'fail', values: expect.objectContaining({ sshCode: 'HOST_KEY_NOT_PREPARED' }) }),
      ]);
      expect(checks.filter((c) => c.node === 'pi-02' && c.status === 'fail')).toEqual([]);
      const log = (await t.call('jobs.log', { id: job.id, from: 0 })).lines.join('\n');
      expect(log).toContain(`where pi-01 was found, now answers with the host key ${fingerprintOf(impostor.server.hostKeyBlob)}`);
      expect(t.app.feature('findNodes').state().refusedHosts).toEqual([expect.objectContaining({ host: found.address, port: found.port, node: 'pi-01', reason: 'address', expectedFingerprint: found.fingerprint })]);
      expect(impostor.commands).toEqual([]);
      expect(t.app.feature('findNodes').state().unconfirmedHosts).toEqual([]);
      expect(await readFile(path.join(dataDir, 'practice', 'known_hosts'), 'utf8')).not.toContain(fingerprintOf(impostor.server.hostKeyBlob).slice(7));
    } finally {
      await impostor.server.stop();
    }
  });
});
