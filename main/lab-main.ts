/**
 * `npm run lab -- --pis 3 [--speed 10] [--release 24.04] [--data DIR]`: a standalone practice lab.
 * Writes one virtual Ubuntu card image per Pi and prepares it as the wizard would (a generated
 * lab key and password, a hostname, the cgroup flags), boots the Pis, starts the lab's
 * Kubernetes API and prints how to log in with OpenSSH. Runs until Ctrl-C.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { generateEd25519 } from './ssh/keygen';
import { Lab } from './lab/lab';
import { imageCard } from './lab/pi/card-reader';
import { createVirtualCard } from './lab/cards/virtual-card-image';
import type { UbuntuRelease } from './lab/pi/ubuntu-releases';
import type { VirtualPi } from './lab/pi/virtual-pi';

const { values } = parseArgs({
  options: {
    pis: { type: 'string', default: '3' },
    speed: { type: 'string', default: '1' },
    release: { type: 'string', default: '24.04' },
    data: { type: 'string', default: join(homedir(), '.pi-cluster-wizard', 'lab') },
  },
});

const count = Number(values.pis);
const speed = Number(values.speed);
const release = values.release as UbuntuRelease;
if (!Number.isInteger(count) || count < 1 || count > 20) throw new Error('--pis must be a whole number from 1 to 20');
if (release !== '24.04' && release !== '22.04') throw new Error('--release must be 24.04 or 22.04');
const dataDir = values.data;
mkdirSync(dataDir, { recursive: true });

/** The lab login key and password, generated once and kept in the data dir. */
function labCredentials(): { keyPath: string; publicKey: string; password: string } {
  const keyPath = join(dataDir, 'lab_ed25519');
  if (!existsSync(keyPath)) {
    const pair = generateEd25519('pi-cluster-wizard-lab');
    writeFileSync(keyPath, pair.private, { mode: 0o600 });
    writeFileSync(`${keyPath}.pub`, pair.public + '\n');
    writeFileSync(join(dataDir, 'lab_password'), randomBytes(6).toString('base64url') + '\n', { mode: 0o600 });
  }
  return { keyPath, publicKey: readFileSync(`${keyPath}.pub`, 'utf8').trim(), password: readFileSync(join(dataDir, 'lab_password'), 'utf8').trim() };
}

/** A card image as the wizard prepares it: Ubuntu's image, our user-data, cgroup flags on. */
async function prepareCard(n: number, creds: ReturnType<typeof labCredentials>): Promise<string> {
  mkdirSync(join(dataDir, 'cards'), { recursive: true });
  const path = join(dataDir, 'cards', `pi-${n}.img`);
  if (existsSync(path)) return path;
  await createVirtualCard(path, { os: 'ubuntu', release });
  const card = imageCard(path);
  const files = await card.readAll();
  await card.writeFile('cmdline.txt', `cgroup_enable=memory cgroup_memory=1 ${files.get('cmdline.txt')!.toString('utf8')}`);
  await card.writeFile(
    'user-data',
    `#cloud-config
hostname: pi-${n}
manage_etc_hosts: true
users:
  - default
chpasswd:
  expire: false
  users:
    - {name: ubuntu, password: ${creds.password}, type: text}
ssh_pwauth: true
ssh_authorized_keys:
  - ${creds.publicKey}
`,
  );
  return path;
}

const creds = labCredentials();
const lab = new Lab({ dataDir: join(dataDir, 'pis'), speed });
const kubeDir = join(dataDir, 'kube');
const kube = await lab.startKubeApi({ port: 16443, dataDir: kubeDir }).catch(() => lab.startKubeApi({ port: 0, dataDir: kubeDir }));
writeFileSync(join(dataDir, 'kubeconfig'), kube.kubeconfig());

console.log(`Practice lab: ${count} virtual Raspberry Pi 4 (Ubuntu ${release}), lab speed ${speed}x. Data: ${dataDir}`);
const pis: VirtualPi[] = [];
for (let i = 1; i <= count; i++) pis.push(lab.addPi({ card: imageCard(await prepareCard(i, creds)), release }));
await Promise.all(pis.map((p) => p.powerOn()));
console.log('Booting...');
await Promise.all(pis.map((p) => p.whenReady()));
for (const p of pis) {
  console.log(`${p.hostname}  LAN ${p.address}  ->  ssh -i ${creds.keyPath} -p ${p.sshPort} ubuntu@${p.loopback}   (password in ${join(dataDir, 'lab_password')})`);
}
console.log(`Kubernetes API: ${kube.url}  (kubeconfig: ${join(dataDir, 'kubeconfig')})`);
console.log('Ctrl-C stops the lab.');

process.on('SIGINT', () => {
  void (async () => {
    await lab.stop();
    process.exit(0);
  })();
});
