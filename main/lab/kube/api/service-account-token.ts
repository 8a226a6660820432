/**
 * `POST .../serviceaccounts/<name>/token` (kubectl create token): a TokenRequest answered with a
 * signed JWT carrying the claims kube-apiserver puts in bound service-account tokens.
 */
import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { KubeApi } from './kube-api';
import type { KubeObject } from './types';

let signingKey: { key: KeyObject; kid: string } | undefined;

function key(): { key: KeyObject; kid: string } {
  if (!signingKey) {
    const pair = generateKeyPairSync('ed25519');
    const kid = createHash('sha256').update(pair.publicKey.export({ format: 'der', type: 'spki' })).digest('base64url').slice(0, 43);
    signingKey = { key: pair.privateKey, kid };
  }
  return signingKey;
}

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

export function serviceAccountToken(api: KubeApi, sa: KubeObject, request: KubeObject | undefined): KubeObject {
  const spec = (request?.spec ?? {}) as { audiences?: string[]; expirationSeconds?: number };
  const expirationSeconds = spec.expirationSeconds ?? 3600;
  const audiences = spec.audiences?.length ? spec.audiences : ['https://kubernetes.default.svc'];
  const now = Math.floor(api.clock.wallNow() / 1000);
  const ns = sa.metadata.namespace!;
  const claims = {
    aud: audiences,
    exp: now + expirationSeconds,
    iat: now,
    iss: 'https://kubernetes.default.svc',
    jti: randomUUID(),
    'kubernetes.io': { namespace: ns, serviceaccount: { name: sa.metadata.name, uid: sa.metadata.uid } },
    nbf: now,
    sub: `system:serviceaccount:${ns}:${sa.metadata.name}`,
  };
  const { key: privateKey, kid } = key();
  const unsigned = `${b64url({ alg: 'EdDSA', kid })}.${b64url(claims)}`;
  const token = `${unsigned}.${sign(null, Buffer.from(unsigned), privateKey).toString('base64url')}`;
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: sa.metadata.name, namespace: ns, creationTimestamp: null as unknown as string },
    spec: { audiences, expirationSeconds, boundObjectRef: null },
    status: { token, expirationTimestamp: new Date((now + expirationSeconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') },
  };
}
