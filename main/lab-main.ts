/**
 * `npm run lab -- --pis 3 [--speed 10] [--release 24.04] [--data DIR]`: a standalone practice lab.
 * Writes one virtual Ubuntu card image per Pi and prepares it with the wizard's own boot
 * configuration (a generated lab key, hostname, hosts entries, the cgroup flags), boots the Pis, starts the lab's
 * Kubernetes API and prints how to log in with OpenSSH. Runs until Ctrl-C.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { StoredPlan } from '../preload/contract/plan';
import { bootConfig, wipeBootFiles } from './cards/boot-config';
import { KnownHostsStore, publicKeyBlob } from './ssh/known-hosts';
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

/** The lab login key, generated once and kept (0600) in the data dir. */
function labCredentials(): { keyPath: string; publicKey: string } {
  const keyPath = join(dataDir, 'lab_ed25519');
  if (!existsSync(keyPath)) {
    const pair = generateEd25519('pi-cluster-wizard-lab');
    writeFileSync(keyPath, pair.private, { mode: 0o600 });
    writeFileSync(`${keyPath}.pub`, pair.public + '\n');
  }
  return { keyPath, publicKey: readFileSync(`${keyPath}.pub`, 'utf8').trim() };
}

/** The plan the lab's cards are prepared from: one worker per Pi, key login only. */
function labPlan(publicKey: string): StoredPlan {
  return {
    clusterName: 'lab',
    nodes: Array.from({ length: count }, (_, i) => ({ hostname: `pi-${i + 1}`, role: i === 0 ? ('control-plane' as const) : ('worker' as const) })),
    microk8sChannel: '1.32/stable',
    ubuntuRelease: release,
    timezone: 'UTC',
    network: { kind: 'ethernet', mode: 'dhcp' },
    login: { publicKey },
    savedAt: Date.now(),
  };
}

/** Pins the host keys written to the cards, so `ssh` can check them (HostKeyAlias=pi-N). */
const knownHosts = new KnownHostsStore(join(dataDir, 'known_hosts'));

/** A card image prepared exactly as the wizard prepares one (main/cards/boot-config). */
async function prepareCard(n: number, plan: StoredPlan): Promise<string> {
  mkdirSync(join(dataDir, 'cards'), { recursive: true });
  const path = join(dataDir, 'cards', `pi-${n}.img`);
  if (existsSync(path)) return path;
  await createVirtualCard(path, { os: 'ubuntu', release });
  const card = imageCard(path);
  const files = await card.readAll();
  const config = bootConfig(plan, `pi-${n}`, { release, cmdline: files.get('cmdline.txt')!.toString('utf8'), hasCmdlineBackup: files.has('cmdline.txt.orig') });
  for (const file of config.files) await card.writeFile(file.name, file.data.toString('utf8'));
  wipeBootFiles(config.files);
  await knownHosts.pinNode(`pi-${n}`, publicKeyBlob(config.hostKey.publicKey));
  return path;
}

const creds = labCredentials();
const plan = labPlan(creds.publicKey);
const lab = new Lab({ dataDir: join(dataDir, 'pis'), speed });
// Every control plane serves the API at its own loopback address (its LAN address in the lab), on
// the same port, kept across restarts with the cluster's objects, the certificates and lab time.
const kube = await lab.startKubeApi({ dataDir: join(dataDir, 'kube') });

console.log(`Practice lab: ${count} virtual Raspberry Pi 4 (Ubuntu ${release}), lab speed ${speed}x. Data: ${dataDir}`);
const pis: VirtualPi[] = [];
for (let i = 1; i <= count; i++) pis.push(lab.addPi({ card: imageCard(await prepareCard(i, plan)), release }));
await Promise.all(pis.map((p) => p.powerOn()));
console.log('Booting...');
await Promise.all(pis.map((p) => p.whenReady()));
for (const p of pis) {
  console.log(`${p.hostname}  LAN ${p.address}  ->  ssh -i ${creds.keyPath} -o UserKnownHostsFile=${knownHosts.path} -o HostKeyAlias=${p.hostname} -p ${p.sshPort} ubuntu@${p.loopback}`);
}
// `microk8s config` on a control plane prints https://<its LAN address>:16443; this computer reaches it here.
for (const p of pis) console.log(`Kubernetes API of ${p.hostname} (once MicroK8s runs there as a control plane): https://${p.address}:16443  ->  ${kube.url(p.address)}`);
writeFileSync(join(dataDir, 'kubeconfig'), kube.kubeconfig(kube.url(pis[0]!.address)!), { mode: 0o600 });
console.log(`kubeconfig for ${pis[0]!.hostname}'s API: ${join(dataDir, 'kubeconfig')}`);
const dns = await lab.dns();
if (dns) console.log(`DNS (like a home router's): ${dns.host} port ${dns.port}  ->  dig @${dns.host} -p ${dns.port} pi-1.lan`);
console.log('Services: each LAN address maps to a loopback address (Pis above; MetalLB addresses get their own). Open them as printed below.');
// Print each NodePort / LoadBalancer address as it starts or stops answering.
let shown = new Map<string, string>();
setInterval(() => {
  const now = new Map(lab.lanEndpoints().map((e) => [`${e.lanIp}:${e.port}`, `${e.kind} ${e.namespace}/${e.service}: http://${e.lanIp}:${e.port}  ->  http://${e.host}:${e.hostPort}`]));
  for (const [k, line] of now) if (!shown.has(k)) console.log(line);
  for (const [k, line] of shown) if (!now.has(k)) console.log(`(gone) ${line}`);
  shown = now;
}, 2000).unref();
console.log('Ctrl-C stops the lab.');

const stop = () => {
  void (async () => {
    await lab.stop(); // saves the clusters' objects and the lab clock
    process.exit(0);
  })();
};
process.on('SIGTERM', stop);
process.on('SIGINT', () => {
  stop();
});
