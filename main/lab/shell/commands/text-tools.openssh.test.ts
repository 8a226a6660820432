/**
 * The text tools a learner pipes kubectl output through on a Pi (head, tail, grep, wc, sort, uniq,
 * cut, less, more), asked through OpenSSH's own client and checked against GNU coreutils and grep
 * run on this computer over the same files. `tail -f` follows a file until the session ends.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../../lab';
import { until } from '../../kube/testing/lab-fixture';
import { folderCard } from '../../pi/card-reader';
import type { VirtualPi } from '../../pi/virtual-pi';
import { clientKey, randomLoopbackBase, seedFolder, tempDir } from '../../pi/testing/pi-fixtures';

const key = clientKey();
let lab: Lab;
let pi: VirtualPi;
const local = tempDir('text-tools');

const PODS = `NAME                                READY   STATUS    RESTARTS   AGE
nginx-deployment-7d64c5ffd5-6tght   1/1     Running   0          3m
nginx-deployment-7d64c5ffd5-pzc6l   1/1     Running   0          3m
web-5f8c9d7b6-abcde                 0/1     Pending   0          12s
web-5f8c9d7b6-fghij                 1/1     Running   2          40m
`;
const WORDS = 'pear\napple\npear\nbanana\napple\napple\n10 kiwi\n9 fig\nPear\n';
const CSV = 'name,ip,node\nweb-1,10.1.0.2,pi-01\nweb-2,10.1.0.3,pi-02\nno-commas-here\n';

const sshArgs = () => ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', '-i', key.path, '-p', String(pi.sshPort), `ubuntu@${pi.loopback}`];

function ssh(command: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile('/usr/bin/ssh', [...sshArgs(), command], (err, stdout, stderr) => resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 }));
    child.stdin!.end();
  });
}

function sh(command: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile('/bin/bash', ['-c', command], { cwd: local, env: { PATH: '/usr/bin:/bin', LC_ALL: 'C.UTF-8' } }, (err, stdout, stderr) => resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 }));
    child.stdin!.end();
  });
}

beforeAll(async () => {
  lab = new Lab({ dataDir: tempDir('lab'), speed: 2000, loopbackBase: randomLoopbackBase(), sshPort: 0 });
  pi = lab.addPi({ card: folderCard(await seedFolder('24.04', { 'user-data': `#cloud-config\nhostname: lab-pi\nssh_authorized_keys:\n  - ${key.publicKey}\n` })) });
  await pi.powerOn();
  await pi.whenReady();
  for (const [name, text] of [['pods.txt', PODS], ['words.txt', WORDS], ['data.csv', CSV], ['manifests/a.yaml', 'kind: Deployment\nimage: nginx:1.14.2\n'], ['manifests/b.yaml', 'kind: Service\nport: 80\n']] as const) {
    mkdirSync(join(local, 'manifests'), { recursive: true });
    writeFileSync(join(local, name), text);
    const r = await new Promise<number>((resolve) => {
      const child = execFile('/usr/bin/ssh', [...sshArgs(), `mkdir -p manifests && cat > ${name}`], (err) => resolve(err ? 1 : 0));
      child.stdin!.end(text);
    });
    expect(r).toBe(0);
  }
}, 120_000);
afterAll(() => lab.stop());

describe('text tools on a Pi = GNU coreutils and grep', { timeout: 120_000 }, () => {
  it.each([
    'head -n 2 pods.txt',
    'head -2 pods.txt',
    'head -c 20 pods.txt',
    'head -n -2 pods.txt',
    'head -n 2 pods.txt words.txt',
    'tail -n 2 pods.txt',
    'tail -n +3 pods.txt',
    'tail -c 12 pods.txt',
    'tail -1 words.txt',
    'grep -E "Running|Pending" pods.txt',
    'grep -i PEAR words.txt',
    'grep -v Running pods.txt',
    'grep -c Running pods.txt',
    'grep -n apple words.txt',
    'grep -o "[0-9]/[0-9]" pods.txt',
    'grep -w pear words.txt',
    'grep -r nginx manifests',
    'grep -rl kind manifests',
    'grep -q Pending pods.txt',
    'grep nothing pods.txt',
    'grep -c apple words.txt pods.txt',
    'wc -l pods.txt',
    'wc -c pods.txt',
    'wc -w words.txt',
    'wc pods.txt',
    'wc pods.txt words.txt',
    'cat pods.txt | wc -l',
    'cat pods.txt | wc',
    'sort words.txt',
    'sort -r words.txt',
    'sort -u words.txt',
    'sort -n words.txt',
    'sort -k 2 pods.txt',
    'sort -t , -k 2 data.csv',
    'sort words.txt | uniq -c',
    'sort words.txt | uniq -d',
    'uniq -u words.txt',
    'cut -d , -f 2 data.csv',
    'cut -d , -f 1,3 data.csv',
    'cut -d , -f 2- -s data.csv',
    'cut -c 1-5 pods.txt',
    'less pods.txt',
    'more words.txt',
    'grep Running pods.txt | sort -k 4 -n | head -n 1 | cut -c 1-20',
    'ls manifests',
    'ls -1 manifests nothere',
    'mkdir manifests',
  ])('%s', async (command) => {
    const [onPi, gnu] = [await ssh(command), await sh(command)];
    // grep -r walks folders in the file system's order: compare its lines as sets.
    const lines = (s: string) => (command.startsWith('grep -r') ? s.split('\n').sort().join('\n') : s);
    expect({ code: onPi.code, stdout: lines(onPi.stdout) }).toEqual({ code: gnu.code, stdout: lines(gnu.stdout) });
  });

  it('tail -f prints what is appended until the session ends', async () => {
    const child = spawn('/usr/bin/ssh', [...sshArgs(), 'tail -f -n 1 pods.txt']);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await until('the last line', () => out === 'web-5f8c9d7b6-fghij                 1/1     Running   2          40m\n');
    expect((await ssh('echo "a new line" >> pods.txt && echo another >> pods.txt')).code).toBe(0);
    await until('the appended lines', () => out.endsWith('a new line\nanother\n'));
    child.kill('SIGTERM');
    await exited;
    // The virtual Pi noticed the hang-up: nothing is left following the file.
    expect((await ssh('echo still-here')).stdout).toBe('still-here\n');
  });
});
