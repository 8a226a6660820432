/** Test helpers: boot-partition folders seeded like Ubuntu's cards, client keys, an SSH exec helper. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import ssh2 from 'ssh2';
import type { ConnectConfig } from 'ssh2';
import { generateEd25519 } from '../../../ssh/keygen';
import { ubuntuBootFiles } from '../../../cards/ubuntu-boot-assets';
import type { UbuntuRelease } from '../ubuntu-releases';

const { Client } = ssh2;

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

/** A folder holding Ubuntu's shipped system-boot files, with some replaced. */
export async function seedFolder(release: UbuntuRelease, overrides: Record<string, string> = {}): Promise<string> {
  const dir = tempDir('card');
  for (const [name, content] of await ubuntuBootFiles(release)) writeFileSync(join(dir, name), content);
  for (const [name, content] of Object.entries(overrides)) writeFileSync(join(dir, name), content);
  return dir;
}

/** An ed25519 key pair: OpenSSH private key file path and the public line. */
export function clientKey(): { privateKey: string; publicKey: string; path: string } {
  const pair = generateEd25519('lab@test');
  const path = join(tempDir('key'), 'id_ed25519');
  writeFileSync(path, pair.private, { mode: 0o600 });
  return { privateKey: pair.private, publicKey: pair.public, path };
}

/** A random 127.x.y.z so parallel test files never share an address. */
export function randomLoopbackBase(): string {
  return `127.${randomInt(1, 255)}.${randomInt(0, 256)}`;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Connect with ssh2's client; rejects with the client's error (e.g. auth failure). */
export function connect(config: ConnectConfig): Promise<InstanceType<typeof Client>> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.on('ready', () => {
      c.setNoDelay(true);
      resolve(c);
    });
    c.on('error', reject);
    // A socket without Nagle's delay: handshakes take a few ms instead of ~150.
    const sock = netConnect(config.port ?? 22, config.host ?? '127.0.0.1');
    sock.setNoDelay(true);
    sock.on('error', reject);
    c.connect({ readyTimeout: 10_000, ...config, sock });
  });
}

export function exec(client: InstanceType<typeof Client>, command: string, stdin?: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, ch) => {
      if (err) return reject(err);
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      const stuck = setTimeout(() => reject(new Error(`"${command}" did not finish; so far: ${JSON.stringify({ stdout, stderr })}`)), 30_000);
      ch.on('data', (d: Buffer) => (stdout += d.toString()));
      ch.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      ch.on('exit', (c: number | null) => (code = c));
      ch.on('close', () => {
        clearTimeout(stuck);
        resolve({ stdout, stderr, code });
      });
      if (stdin !== undefined) ch.end(stdin);
    });
  });
}

/** Drive an interactive pty session: send each answer once `expect` appears in the output. */
export function interactive(client: InstanceType<typeof Client>, steps: [expect: string | RegExp, send: string][]): Promise<string> {
  return new Promise((resolve, reject) => {
    client.shell({ term: 'xterm', cols: 120, rows: 40 }, (err, ch) => {
      if (err) return reject(err);
      let out = '';
      let at = 0;
      let step = 0;
      const stuck = setTimeout(() => reject(new Error(`waiting for ${JSON.stringify(steps[step]?.[0] ?? 'the end')}; transcript: ${JSON.stringify(out)}`)), 30_000);
      ch.on('data', (d: Buffer) => {
        out += d.toString();
        while (step < steps.length) {
          const [expect, send] = steps[step]!;
          const rest = out.slice(at);
          const m = typeof expect === 'string' ? rest.indexOf(expect) : rest.search(expect);
          if (m < 0) break;
          at = out.length;
          step++;
          ch.write(send);
        }
      });
      ch.on('close', () => {
        clearTimeout(stuck);
        resolve(out);
      });
    });
  });
}
