/**
 * Certificates for the lab API server, shaped like MicroK8s's: a self-signed CA, a server
 * certificate for 127.0.0.1 / localhost / the kubernetes service names, and an `admin` client
 * certificate (O=system:masters). Keys come from Node's fast native RSA keygen; node-forge only
 * builds and signs the certificates. With a `dataDir` the PEMs are cached and reused.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import forge from 'node-forge';

export interface LabCerts {
  caPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** Hosts/IPs the server certificate is valid for. */
  serverNames: string[];
  /** The CA's private key, kept (0600, in the cache file only) so the server certificate can be re-issued for new names under the same CA. */
  caKeyPem?: string;
}

const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

function newKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

function buildCert(options: {
  subject: forge.pki.CertificateField[];
  issuer: forge.pki.CertificateField[];
  publicKeyPem: string;
  signingKeyPem: string;
  notBefore: Date;
  extensions: object[];
}): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(options.publicKeyPem);
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  cert.validity.notBefore = options.notBefore;
  cert.validity.notAfter = new Date(options.notBefore.getTime() + TEN_YEARS_MS);
  cert.setSubject(options.subject);
  cert.setIssuer(options.issuer);
  cert.setExtensions(options.extensions);
  cert.sign(forge.pki.privateKeyFromPem(options.signingKeyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

const CA_SUBJECT = [{ name: 'commonName', value: '10.152.183.1' }];

function serverCert(serverNames: string[], caKeyPem: string, notBefore: Date): { serverCertPem: string; serverKeyPem: string } {
  const server = newKeyPair();
  const altNames = serverNames.map((n) => (isIP(n) ? { type: 7, ip: n } : { type: 2, value: n }));
  const serverCertPem = buildCert({
    subject: [{ name: 'commonName', value: '127.0.0.1' }],
    issuer: CA_SUBJECT,
    publicKeyPem: server.publicKeyPem,
    signingKeyPem: caKeyPem,
    notBefore,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { serverCertPem, serverKeyPem: server.privateKeyPem };
}

/** A new server certificate for `serverNames` under the same CA (the client certificate stays valid). */
export function reissueServerCert(certs: LabCerts & { caKeyPem: string }, serverNames: string[], now = Date.now()): LabCerts {
  return { ...certs, ...serverCert(serverNames, certs.caKeyPem, new Date(now - 24 * 3600 * 1000)), serverNames };
}

/** Generate a CA, server and admin client certificate. `notBefore` is back-dated a day. */
export function generateLabCerts(serverNames: string[], now = Date.now()): LabCerts {
  const notBefore = new Date(now - 24 * 3600 * 1000);
  const ca = newKeyPair();
  const caSubject = CA_SUBJECT;
  const caPem = buildCert({
    subject: caSubject,
    issuer: caSubject,
    publicKeyPem: ca.publicKeyPem,
    signingKeyPem: ca.privateKeyPem,
    notBefore,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const { serverCertPem, serverKeyPem } = serverCert(serverNames, ca.privateKeyPem, notBefore);
  const client = newKeyPair();
  const clientCertPem = buildCert({
    subject: [
      { name: 'commonName', value: 'admin' },
      { name: 'organizationName', value: 'system:masters' },
    ],
    issuer: caSubject,
    publicKeyPem: client.publicKeyPem,
    signingKeyPem: ca.privateKeyPem,
    notBefore,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  });
  return {
    caPem,
    serverCertPem,
    serverKeyPem,
    clientCertPem,
    clientKeyPem: client.privateKeyPem,
    serverNames,
    caKeyPem: ca.privateKeyPem,
  };
}

/** Default names in the server certificate, as MicroK8s's csr.conf lists them. */
export function defaultServerNames(host: string): string[] {
  const names = [
    '127.0.0.1',
    'localhost',
    '10.152.183.1',
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster',
    'kubernetes.default.svc.cluster.local',
  ];
  return names.includes(host) ? names : [...names, host];
}

/**
 * Load certificates from `dataDir/kube-api-certs.json` if they cover `serverNames`; when they do
 * not, re-issue the server certificate under the same CA (saved kubeconfigs stay valid); generate
 * everything only when there is no usable cache.
 */
export async function loadOrCreateLabCerts(serverNames: string[], dataDir?: string): Promise<LabCerts> {
  if (!dataDir) return generateLabCerts(serverNames);
  const file = path.join(dataDir, 'kube-api-certs.json');
  let certs: LabCerts | undefined;
  try {
    const cached = JSON.parse(await readFile(file, 'utf8')) as LabCerts;
    if (serverNames.every((n) => cached.serverNames.includes(n))) return cached;
    if (cached.caKeyPem) certs = reissueServerCert(cached as LabCerts & { caKeyPem: string }, [...new Set([...cached.serverNames, ...serverNames])]);
  } catch {
    // no cache yet (or unreadable): generate below
  }
  certs ??= generateLabCerts(serverNames);
  await mkdir(dataDir, { recursive: true });
  await writeFileAtomic(file, JSON.stringify(certs));
  return certs;
}

async function writeFileAtomic(file: string, data: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, data, { mode: 0o600 });
  await rename(tmp, file);
}
