/**
 * `npm run lab -- --pis 3 [--speed 10] [--release 24.04] [--data DIR]`: a standalone practice lab.
 * Prepares one Ubuntu card per Pi (Ubuntu's seed plus a generated lab key and password, a
 * hostname, the cgroup flags), boots the Pis, starts the lab's Kubernetes API and prints how to
 * log in with OpenSSH. Runs until Ctrl-C.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import ssh2 from 'ssh2';
import { Lab } from './lab/lab';
import { folderCard } from './lab/pi/card-reader';
import { UBUNTU_BOOT_FILES } from './lab/pi/ubuntu-boot-files';
import type { UbuntuRelease } from './lab/pi/ubuntu-releases';
import { startLabKubeApi } from './lab/kube/kube-api-server';

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
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'pi-cluster-wizard-lab' });
    writeFileSync(keyPath, pair.private, { mode: 0o600 });
    writeFileSync(`${keyPath}.pub`, pair.public + '\n');
    writeFileSync(join(dataDir, 'lab_password'), randomBytes(6).toString('base64url') + '\n', { mode: 0o600 });
  }
  return { keyPath, publicKey: readFileSync(`${keyPath}.pub`, 'utf8').trim(), password: readFileSync(join(dataDir, 'lab_password'), 'utf8').trim() };
}

/** A card folder as the wizard prepares it: Ubuntu's files, our user-data, cgroup flags on. */
function prepareCard(n: number, creds: ReturnType<typeof labCredentials>): string {
  const dir = join(dataDir, 'cards', `pi-${n}`);
  if (existsSync(dir)) return dir;
  mkdirSync(dir, { recursive: true });
  const files = UBUNTU_BOOT_FILES[release];
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  writeFileSync(join(dir, 'cmdline.txt'), `cgroup_enable=memory cgroup_memory=1 ${files['cmdline.txt']!}`);
  writeFileSync(
    join(dir, 'user-data'),
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
  return dir;
}

const creds = labCredentials();
const lab = new Lab({ dataDir: join(dataDir, 'pis'), speed });
const kube = await startLabKubeApi({ clock: lab.clock, cluster: lab.cluster, host: '127.0.0.10', port: 16443, dataDir: join(dataDir, 'kube') }).catch(() =>
  startLabKubeApi({ clock: lab.clock, cluster: lab.cluster, host: '127.0.0.10', port: 0, dataDir: join(dataDir, 'kube') }),
);
lab.cluster.kubeApi = kube;
writeFileSync(join(dataDir, 'kubeconfig'), kube.kubeconfig());

console.log(`Practice lab: ${count} virtual Raspberry Pi 4 (Ubuntu ${release}), lab speed ${speed}x. Data: ${dataDir}`);
const pis = Array.from({ length: count }, (_, i) => lab.addPi({ card: folderCard(prepareCard(i + 1, creds)), release }));
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
    await kube.stop();
    process.exit(0);
  })();
});
