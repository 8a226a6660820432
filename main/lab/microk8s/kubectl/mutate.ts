/**
 * The `microk8s kubectl` subcommands that change the cluster, with kubectl 1.32's requests and
 * messages: apply (client-side, the last-applied-configuration annotation; or --server-side),
 * create (-f, deployment, namespace, quota, configmap, secret generic), delete (waiting for the
 * object to go), scale, expose, set image, cordon/uncordon/drain (eviction API, 429 retried every
 * 5 s), plus top, logs and version.
 */
import type { ResourceType } from '../../kube/api/resource-registry';
import { apiVersionOf, resourceForKind } from '../../kube/api/resource-registry';
import type { Deployment, KubeObject, NodeObject, Pod } from '../../kube/api/types';
import { ApiHttpError, KubectlError, serverError } from './client';
import type { Env } from './env';
import { bool, flag, readManifests } from './env';
import { toJson } from './output';
import { collectionPath, kindPrefix, objectPath, qualifiedResource, resolveType, typeAndNames, typeOfManifest } from './resources';
import { TabWriter } from './tabwriter';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const SMP = 'application/strategic-merge-patch+json';
const MERGE = 'application/merge-patch+json';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k]!)]));
  return v;
}

function manifestsOf(env: Env): string[] {
  const files = env.args.all.get('filename') ?? [];
  if (!files.length) throw new KubectlError("error: must specify one of -f and -k");
  return files;
}

function namespaceFor(env: Env, t: ResourceType, o: KubeObject): string | undefined {
  if (!t.namespaced) return undefined;
  const own = o.metadata?.namespace;
  if (own && env.explicitNamespace && own !== env.namespace) {
    throw new KubectlError(`error: the namespace from the provided object "${own}" does not match the namespace "${env.namespace}". You must pass '--namespace=${own}' to perform this operation.`);
  }
  return own ?? env.namespace;
}

function typeFor(o: KubeObject, source: string): ResourceType {
  const t = typeOfManifest(o.apiVersion, o.kind);
  if (!t) throw new KubectlError(`error: resource mapping not found for name: "${o.metadata?.name ?? ''}" namespace: "${o.metadata?.namespace ?? ''}" from "${source}": no matches for kind "${o.kind}" in version "${o.apiVersion}"\nensure CRDs are installed first`);
  return t;
}

/** Keys of `old` (maps only) that `next` no longer has, as null deletions of a strategic merge patch. */
function deletions(old: Json, next: Json): Json {
  if (!old || typeof old !== 'object' || Array.isArray(old) || !next || typeof next !== 'object' || Array.isArray(next)) return next;
  const out: { [k: string]: Json } = { ...next };
  for (const k of Object.keys(old)) {
    if (!(k in next)) out[k] = null;
    else out[k] = deletions(old[k]!, next[k]!);
  }
  return out;
}

function withDryRun(env: Env, path: string, params: Record<string, string>): string {
  const q = new URLSearchParams(params);
  const dry = flag(env, 'dry-run');
  if (dry === 'server') q.set('dryRun', 'All');
  return `${path}?${q.toString()}`;
}

export async function apply(env: Env): Promise<number> {
  const manifests = await readManifests(env, manifestsOf(env));
  let status = 0;
  const serverSide = bool(env, 'server-side');
  for (const { source, object } of manifests) {
    const t = typeFor(object, source);
    const ns = namespaceFor(env, t, object);
    const name = object.metadata?.name;
    if (!name) throw new KubectlError(`error: error when retrieving current configuration of:\nResource: "${qualifiedResource(t)}", GroupVersionKind: "${apiVersionOf(t)}, Kind=${t.kind}"\nName: "", Namespace: "${ns ?? ''}"\nfrom server for: "${source}": resource name may not be empty`);
    const label = `${kindPrefix(t)}/${name}`;
    try {
      if (serverSide) {
        await env.client.json('PATCH', withDryRun(env, objectPath(t, ns, name), { fieldManager: flag(env, 'field-manager') ?? 'kubectl', fieldValidation: 'Strict', ...(bool(env, 'force-conflicts') ? { force: 'true' } : {}) }), object, 'application/apply-patch+yaml');
        env.out(`${label} serverside-applied\n`);
        continue;
      }
      const config = structuredClone(object) as KubeObject;
      config.metadata ??= {};
      if (ns) config.metadata.namespace = ns;
      const annotations = { ...(config.metadata.annotations ?? {}) };
      delete annotations[LAST_APPLIED];
      config.metadata.annotations = annotations;
      const lastApplied = JSON.stringify(sortKeys(config as unknown as Json)) + '\n';
      const body = structuredClone(config);
      body.metadata.annotations = { ...annotations, [LAST_APPLIED]: lastApplied };
      let live: KubeObject | undefined;
      try {
        live = await env.client.get(objectPath(t, ns, name));
      } catch (err) {
        if (!(err instanceof ApiHttpError && err.code === 404)) throw err;
      }
      if (!live) {
        try {
          await env.client.json('POST', withDryRun(env, collectionPath(t, ns), { fieldManager: 'kubectl-client-side-apply', fieldValidation: 'Strict' }), body);
        } catch (err) {
          if (err instanceof ApiHttpError && err.status.reason !== 'Invalid') throw new KubectlError(`Error from server (${err.reason}): error when creating "${source}": ${err.status.message}`);
          throw err;
        }
        env.out(`${label} created${flag(env, 'dry-run') === 'server' ? ' (server dry run)' : ''}\n`);
        continue;
      }
      let previous: Json = null;
      try {
        previous = JSON.parse(live.metadata.annotations?.[LAST_APPLIED] ?? 'null') as Json;
      } catch {
        previous = null;
      }
      const patch = deletions(previous, body as unknown as Json);
      const after = await env.client.json<KubeObject>('PATCH', withDryRun(env, objectPath(t, ns, name), { fieldManager: 'kubectl-client-side-apply', fieldValidation: 'Strict' }), patch, SMP);
      env.out(`${label} ${after.metadata.resourceVersion === live.metadata.resourceVersion ? 'unchanged' : 'configured'}\n`);
    } catch (err) {
      if (err instanceof ApiHttpError) {
        env.err(serverError(err.status, err.code).message + '\n');
        status = 1;
        continue;
      }
      throw err;
    }
  }
  return status;
}

function literals(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of env.args.all.get('from-literal') ?? []) {
    const i = l.indexOf('=');
    if (i <= 0) throw new KubectlError(`error: invalid literal source ${l}, expected key=value`);
    out[l.slice(0, i)] = l.slice(i + 1);
  }
  return out;
}

/** What `kubectl create deployment` builds. */
function deploymentFor(name: string, image: string, replicas: number, port?: number): Deployment {
  const base = image.split('/').pop()!.split(/[:@]/)[0]!;
  const container = { name: base.toLowerCase().replace(/[^a-z0-9-]/g, '-'), image, resources: {}, ...(port ? { ports: [{ containerPort: port }] } : {}) };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: { replicas, selector: { matchLabels: { app: name } }, strategy: {}, template: { metadata: { labels: { app: name } }, spec: { containers: [container] } } },
    status: {},
  } as unknown as Deployment;
}

/** `source`: the file it came from (create -f); `generator`: what `kubectl create <generator>` names it in errors. */
async function createObject(env: Env, t: ResourceType, o: KubeObject, source?: string, generator?: string): Promise<void> {
  const ns = namespaceFor(env, t, o);
  try {
    await env.client.json('POST', withDryRun(env, collectionPath(t, ns), { fieldManager: 'kubectl-create', fieldValidation: 'Strict' }), o);
  } catch (err) {
    if (err instanceof ApiHttpError && source && err.status.reason !== 'Invalid') throw new KubectlError(`Error from server (${err.reason}): error when creating "${source}": ${err.status.message}`);
    if (err instanceof ApiHttpError && generator) throw new KubectlError(`error: failed to create ${generator}: ${err.status.message}`);
    if (err instanceof ApiHttpError) throw serverError(err.status, err.code);
    throw err;
  }
  env.out(`${kindPrefix(t)}/${o.metadata.name} created${flag(env, 'dry-run') === 'server' ? ' (server dry run)' : ''}\n`);
}

export async function create(env: Env): Promise<number> {
  const [what, name, ...rest] = env.args.positional;
  if (env.args.all.get('filename')?.length) {
    let status = 0;
    for (const { source, object } of await readManifests(env, manifestsOf(env))) {
      try {
        await createObject(env, typeFor(object, source), object, source);
      } catch (err) {
        if (!(err instanceof KubectlError)) throw err;
        env.err(err.message + '\n');
        status = 1;
      }
    }
    return status;
  }
  const need = (n: string | undefined, kind: string) => {
    if (!n) throw new KubectlError(`error: exactly one NAME is required, got 0\nSee 'kubectl create ${kind} -h' for help and examples`);
    return n;
  };
  switch (what) {
    case 'deployment':
    case 'deploy': {
      const image = flag(env, 'image');
      if (!image) throw new KubectlError('error: required flag(s) "image" not set');
      const replicas = Number(flag(env, 'replicas') ?? 1);
      const port = flag(env, 'port');
      await createObject(env, resourceForKind('Deployment'), { ...deploymentFor(need(name, 'deployment'), image, replicas, port ? Number(port) : undefined), metadata: { ...deploymentFor(name!, image, replicas).metadata, namespace: env.namespace } }, undefined, 'deployment');
      return 0;
    }
    case 'namespace':
    case 'ns':
      await createObject(env, resourceForKind('Namespace'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: need(name, 'namespace') }, spec: {}, status: {} } as KubeObject, undefined, 'namespace');
      return 0;
    case 'quota':
    case 'resourcequota': {
      const hard: Record<string, string> = {};
      for (const pair of (flag(env, 'hard') ?? '').split(',').filter(Boolean)) {
        const [k, v] = pair.split('=');
        if (!k || v === undefined) throw new KubectlError(`error: invalid hard value ${pair}`);
        hard[k] = v;
      }
      await createObject(env, resourceForKind('ResourceQuota'), { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: need(name, 'quota'), namespace: env.namespace }, spec: { hard }, status: {} } as KubeObject, undefined, 'quota');
      return 0;
    }
    case 'configmap':
    case 'cm':
      await createObject(env, resourceForKind('ConfigMap'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: need(name, 'configmap'), namespace: env.namespace }, data: literals(env) } as KubeObject, undefined, 'configmap');
      return 0;
    case 'secret': {
      if (name !== 'generic') throw new KubectlError(`error: the practice lab's "microk8s kubectl create secret" knows "generic" only`);
      const secretName = need(rest[0], 'secret generic');
      const data = Object.fromEntries(Object.entries(literals(env)).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
      await createObject(env, resourceForKind('Secret'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: secretName, namespace: env.namespace }, data, type: 'Opaque' } as KubeObject, undefined, 'secret');
      return 0;
    }
    case undefined:
      throw new KubectlError("error: must specify one of -f and -k\n\nerror: unknown command \"\"\nSee 'kubectl create -h' for help and examples");
    default:
      throw new KubectlError(`error: unknown command "${what}"\nSee 'kubectl create -h' for help and examples`);
  }
}

/** Wait until the object is gone (or replaced), as `kubectl delete` does by default. */
async function waitGone(env: Env, t: ResourceType, ns: string | undefined, name: string, uid: string | undefined): Promise<void> {
  for (;;) {
    try {
      const o = await env.client.get(objectPath(t, ns, name));
      if (uid && o.metadata.uid !== uid) return;
    } catch (err) {
      if (err instanceof ApiHttpError && err.code === 404) return;
      throw err;
    }
    await env.clock.sleep(500, env.signal);
  }
}

export async function deleteCmd(env: Env): Promise<number> {
  const targets: { t: ResourceType; ns: string | undefined; name: string; source?: string }[] = [];
  if (env.args.all.get('filename')?.length) {
    for (const { source, object } of await readManifests(env, manifestsOf(env))) {
      const t = typeFor(object, source);
      targets.push({ t, ns: namespaceFor(env, t, object), name: object.metadata.name!, source });
    }
  } else {
    const groups = typeAndNames(env.args.positional);
    if (!groups.length) throw new KubectlError("error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'");
    for (const { t, names } of groups) {
      const ns = t.namespaced ? env.namespace : undefined;
      if (names.length) for (const name of names) targets.push({ t, ns, name });
      else if (bool(env, 'all') || flag(env, 'selector')) {
        const sel = flag(env, 'selector');
        const list = await env.client.get<KubeObject & { items: KubeObject[] }>(`${collectionPath(t, env.allNamespaces ? undefined : ns)}${sel ? `?labelSelector=${encodeURIComponent(sel)}` : ''}`);
        for (const o of list.items) targets.push({ t, ns: o.metadata.namespace, name: o.metadata.name! });
        if (!list.items.length) env.err(ns && !env.allNamespaces ? `No resources found in ${ns} namespace.\n` : 'No resources found\n');
      } else throw new KubectlError('error: resource(s) were provided, but no name was specified');
    }
  }
  let status = 0;
  const grace = flag(env, 'grace-period');
  const force = bool(env, 'force');
  if (force && grace === '0') env.err('Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n');
  const waits: Promise<void>[] = [];
  for (const { t, ns, name, source } of targets) {
    try {
      const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' };
      if (grace !== undefined) body.gracePeriodSeconds = Number(grace);
      const before = await env.client.get(objectPath(t, ns, name)).catch(() => undefined);
      await env.client.json('DELETE', objectPath(t, ns, name), body);
      env.out(`${kindPrefix(t)} "${name}" ${force && grace === '0' ? 'force deleted' : 'deleted'}\n`);
      if (flag(env, 'wait') !== 'false' && env.args.bools.get('wait') !== false) waits.push(waitGone(env, t, ns, name, before?.metadata.uid));
    } catch (err) {
      if (!(err instanceof ApiHttpError)) throw err;
      if (err.code === 404 && bool(env, 'ignore-not-found')) continue;
      env.err((source ? `Error from server (${err.reason}): error when deleting "${source}": ${err.status.message}` : serverError(err.status, err.code).message) + '\n');
      status = 1;
    }
  }
  await Promise.all(waits);
  return status;
}

export async function scale(env: Env): Promise<number> {
  const replicas = flag(env, 'replicas');
  if (replicas === undefined) throw new KubectlError('error: required flag(s) "replicas" not set');
  const n = Number(replicas);
  if (!Number.isInteger(n) || n < 0) throw new KubectlError('error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
  const groups = typeAndNames(env.args.positional);
  if (!groups.length || !groups.some((g) => g.names.length)) throw new KubectlError('error: resource(s) were provided, but no name was specified');
  let status = 0;
  for (const { t, names } of groups) {
    if (!t.subresources.includes('scale')) throw new KubectlError(`error: no objects passed to scale ${kindPrefix(t)}`);
    for (const name of names) {
      try {
        await env.client.json('PATCH', objectPath(t, env.namespace, name, 'scale'), { spec: { replicas: n } }, MERGE);
        env.out(`${kindPrefix(t)}/${name} scaled\n`);
      } catch (err) {
        if (!(err instanceof ApiHttpError)) throw err;
        // kubectl looks the object up first; a missing one is reported by the resource builder.
        env.err((err.code === 404 ? `error: no objects passed to scale ${err.status.message}` : serverError(err.status, err.code).message) + '\n');
        status = 1;
      }
    }
  }
  return status;
}

export async function expose(env: Env): Promise<number> {
  const groups = typeAndNames(env.args.positional);
  const target = groups[0];
  if (!target?.names.length) throw new KubectlError("error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'");
  const { t } = target;
  const name = target.names[0]!;
  let o: KubeObject;
  try {
    o = await env.client.get(objectPath(t, env.namespace, name));
  } catch (err) {
    if (err instanceof ApiHttpError) throw serverError(err.status, err.code);
    throw err;
  }
  let selector: Record<string, string> | undefined;
  let podSpec: Pod['spec'] | undefined;
  if (t.kind === 'Pod') {
    selector = o.metadata.labels;
    podSpec = (o as Pod).spec;
  } else if (t.kind === 'Deployment' || t.kind === 'ReplicaSet') {
    const sel = (o as Deployment).spec.selector;
    if (sel.matchExpressions?.length) throw new KubectlError(`error: couldn't retrieve selectors via --selector flag or introspection: the deployment has match expressions`);
    selector = sel.matchLabels;
    podSpec = (o as Deployment).spec.template.spec;
  } else if (t.kind === 'Service') {
    selector = (o.spec as { selector?: Record<string, string> }).selector;
  } else throw new KubectlError(`error: cannot expose a ${t.kind}`);
  if (!selector || !Object.keys(selector).length) throw new KubectlError("error: couldn't retrieve selectors via --selector flag or introspection: the pod has no labels and cannot be exposed");
  const protocol = flag(env, 'protocol') ?? 'TCP';
  const portFlag = flag(env, 'port');
  const targetPort = flag(env, 'target-port');
  let servicePorts: { name?: string; port: number; protocol: string; targetPort: number | string }[];
  if (portFlag) servicePorts = [{ port: Number(portFlag), protocol, targetPort: targetPort ? (/^\d+$/.test(targetPort) ? Number(targetPort) : targetPort) : Number(portFlag) }];
  else {
    const cports = (podSpec?.containers ?? []).flatMap((c) => c.ports ?? []);
    if (!cports.length) throw new KubectlError("error: couldn't find port via --port flag or introspection\nSee 'kubectl expose -h' for help and examples");
    servicePorts = cports.map((p, i) => ({ ...(cports.length > 1 ? { name: `port-${i + 1}` } : {}), port: p.containerPort, protocol: p.protocol ?? 'TCP', targetPort: targetPort ? Number(targetPort) : p.containerPort }));
  }
  const svcName = flag(env, 'name') ?? name;
  const svc = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: svcName, namespace: env.namespace, ...(o.metadata.labels ? { labels: o.metadata.labels } : {}) },
    spec: { ports: servicePorts, selector, ...(flag(env, 'type') ? { type: flag(env, 'type') } : {}) },
    status: { loadBalancer: {} },
  };
  try {
    await env.client.json('POST', `${collectionPath(resourceForKind('Service'), env.namespace)}?fieldManager=kubectl-expose`, svc);
  } catch (err) {
    if (err instanceof ApiHttpError) throw serverError(err.status, err.code);
    throw err;
  }
  env.out(`service/${svcName} exposed\n`);
  return 0;
}

export async function setImage(env: Env): Promise<number> {
  const [sub, ...args] = env.args.positional;
  if (sub !== 'image') throw new KubectlError(`error: the practice lab's "microk8s kubectl set" knows "image" only`);
  const pairs = args.filter((a) => a.includes('='));
  const resources = args.filter((a) => !a.includes('='));
  if (!pairs.length) throw new KubectlError("error: at least one image update is required\nSee 'kubectl set image -h' for help and examples");
  let status = 0;
  for (const { t, names } of typeAndNames(resources)) {
    for (const name of names) {
      let o: KubeObject;
      try {
        o = await env.client.get(objectPath(t, env.namespace, name));
      } catch (err) {
        if (err instanceof ApiHttpError) throw serverError(err.status, err.code);
        throw err;
      }
      const spec = t.kind === 'Pod' ? (o as Pod).spec : (o as Deployment).spec.template.spec;
      const containers: { name: string; image: string }[] = [];
      for (const pair of pairs) {
        const [cname, image] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
        const matches = cname === '*' ? spec.containers : spec.containers.filter((c) => c.name === cname);
        if (!matches.length) {
          env.err(`error: unable to find container named "${cname}"\n`);
          status = 1;
          continue;
        }
        for (const c of matches) containers.push({ image, name: c.name });
      }
      if (!containers.length) continue;
      const patch = t.kind === 'Pod' ? { spec: { containers } } : { spec: { template: { spec: { containers } } } };
      try {
        await env.client.json('PATCH', `${objectPath(t, env.namespace, name)}?fieldManager=kubectl-set`, patch, SMP);
        env.out(`${kindPrefix(t)}/${name} image updated\n`);
      } catch (err) {
        if (!(err instanceof ApiHttpError)) throw err;
        env.err(serverError(err.status, err.code).message + '\n');
        status = 1;
      }
    }
  }
  return status;
}

function mi(bytes: number): string {
  return `${Math.floor(bytes / (1024 * 1024))}Mi`;
}

function parseCpu(q: string): number {
  if (q.endsWith('n')) return Number(q.slice(0, -1)) / 1e6;
  if (q.endsWith('u')) return Number(q.slice(0, -1)) / 1e3;
  if (q.endsWith('m')) return Number(q.slice(0, -1));
  return Number(q) * 1000;
}

function parseMem(q: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|k|M|G)?$/.exec(q);
  if (!m) return 0;
  const mult: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1e3, M: 1e6, G: 1e9 };
  return Number(m[1]) * (m[2] ? mult[m[2]]! : 1);
}

export async function top(env: Env): Promise<number> {
  const [what] = env.args.positional;
  const groups = await env.client.get<KubeObject & { groups?: { name: string; versions: { version: string }[] }[] }>('/apis');
  const metrics = groups.groups?.find((g) => g.name === 'metrics.k8s.io' && g.versions.some((v) => v.version === 'v1beta1'));
  if (!metrics) throw new KubectlError('error: Metrics API not available');
  const w = new TabWriter(3);
  if (what === 'node' || what === 'nodes' || what === 'no') {
    const list = (await env.client.get<KubeObject & { items: (KubeObject & { usage: { cpu: string; memory: string } })[] }>('/apis/metrics.k8s.io/v1beta1/nodes')).items;
    if (!list.length) throw new KubectlError('error: metrics not available yet');
    const nodes = (await env.client.get<KubeObject & { items: NodeObject[] }>('/api/v1/nodes')).items;
    w.write('NAME\tCPU(cores)\tCPU(%)\tMEMORY(bytes)\tMEMORY(%)\n');
    for (const m of list) {
      const alloc = nodes.find((n) => n.metadata.name === m.metadata.name)?.status?.allocatable ?? {};
      const cpu = parseCpu(m.usage.cpu);
      const mem = parseMem(m.usage.memory);
      const cpuAlloc = parseCpu(alloc.cpu ?? '0');
      const memAlloc = parseMem(alloc.memory ?? '0');
      w.write(`${m.metadata.name}\t${Math.ceil(cpu)}m\t${cpuAlloc ? Math.trunc((Math.ceil(cpu) / cpuAlloc) * 100) : 0}%\t${mi(mem)}\t${memAlloc ? Math.trunc((mem / memAlloc) * 100) : 0}%\n`);
    }
  } else if (what === 'pod' || what === 'pods' || what === 'po') {
    const path = env.allNamespaces ? '/apis/metrics.k8s.io/v1beta1/pods' : `/apis/metrics.k8s.io/v1beta1/namespaces/${env.namespace}/pods`;
    const list = (await env.client.get<KubeObject & { items: (KubeObject & { containers: { usage: { cpu: string; memory: string } }[] })[] }>(path)).items;
    if (!list.length) throw new KubectlError(`No resources found in ${env.namespace} namespace.`);
    w.write(`${env.allNamespaces ? 'NAMESPACE\t' : ''}NAME\tCPU(cores)\tMEMORY(bytes)\n`);
    for (const m of list) {
      const cpu = m.containers.reduce((n, c) => n + parseCpu(c.usage.cpu), 0);
      const mem = m.containers.reduce((n, c) => n + parseMem(c.usage.memory), 0);
      w.write(`${env.allNamespaces ? `${m.metadata.namespace}\t` : ''}${m.metadata.name}\t${Math.ceil(cpu)}m\t${mi(mem)}\n`);
    }
  } else throw new KubectlError(`error: unknown command "${what ?? ''}" for "kubectl top"`);
  env.out(w.toString());
  return 0;
}

export async function logs(env: Env): Promise<number> {
  const [target, container] = env.args.positional;
  if (!target) throw new KubectlError("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command\nSee 'kubectl logs -h' for help and examples");
  let pod = target;
  if (target.includes('/')) {
    const { t, names } = typeAndNames([target])[0]!;
    if (t.kind !== 'Pod') {
      const o = await env.client.get<Deployment>(objectPath(t, env.namespace, names[0]!)).catch((err: unknown) => {
        if (err instanceof ApiHttpError) throw serverError(err.status, err.code);
        throw err;
      });
      const sel = Object.entries(o.spec.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
      const pods = (await env.client.get<KubeObject & { items: Pod[] }>(`/api/v1/namespaces/${env.namespace}/pods?labelSelector=${encodeURIComponent(sel)}`)).items;
      if (!pods.length) throw new KubectlError(`error: timed out waiting for the condition`);
      if (pods.length > 1) env.err(`Found ${pods.length} pods, using pod/${pods[0]!.metadata.name}\n`);
      pod = pods[0]!.metadata.name!;
    } else pod = names[0]!;
  }
  const q = new URLSearchParams();
  const c = flag(env, 'container') ?? container;
  if (c) q.set('container', c);
  if (bool(env, 'follow')) q.set('follow', 'true');
  const tail = flag(env, 'tail');
  if (tail !== undefined) {
    if (Number(tail) < -1) throw new KubectlError('error: --tail must be greater than or equal to -1');
    if (Number(tail) >= 0) q.set('tailLines', tail);
  }
  if (bool(env, 'timestamps')) q.set('timestamps', 'true');
  if (bool(env, 'previous')) q.set('previous', 'true');
  const path = `/api/v1/namespaces/${env.namespace}/pods/${pod}/log${q.size ? `?${q.toString()}` : ''}`;
  if (bool(env, 'follow')) {
    await env.client.get(`/api/v1/namespaces/${env.namespace}/pods/${pod}`).catch((err: unknown) => {
      if (err instanceof ApiHttpError) throw serverError(err.status, err.code);
      throw err;
    });
    await env.client.stream(path, (chunk) => env.out(chunk));
    return 0;
  }
  const r = await env.client.raw({ method: 'GET', path, accept: '*/*' });
  if (r.status >= 300) {
    const st = JSON.parse(r.text || '{}') as { message?: string; reason?: string };
    throw serverError(st, r.status);
  }
  env.out(r.text);
  return 0;
}

export async function version(env: Env): Promise<number> {
  if (flag(env, 'output') === 'json' || flag(env, 'output') === 'yaml') {
    const server = await env.client.json('GET', '/version');
    env.out(toJson({ clientVersion: { major: '1', minor: '32', gitVersion: 'v1.32.3', platform: 'linux/arm64' }, kustomizeVersion: 'v5.5.0', serverVersion: server }));
    return 0;
  }
  env.out('Client Version: v1.32.3\nKustomize Version: v5.5.0\n');
  const server = await env.client.json<{ gitVersion: string }>('GET', '/version');
  env.out(`Server Version: ${server.gitVersion}\n`);
  return 0;
}

// ---- nodes -----------------------------------------------------------------------------------

async function nodeNamed(env: Env, name: string): Promise<NodeObject> {
  try {
    return await env.client.get<NodeObject>(`/api/v1/nodes/${encodeURIComponent(name)}`);
  } catch (err) {
    if (err instanceof ApiHttpError) throw serverError(err.status, err.code);
    throw err;
  }
}

function nodeNames(env: Env, verb: string): string[] {
  const names = env.args.positional.map((a) => (a.startsWith('node/') || a.startsWith('nodes/') ? a.slice(a.indexOf('/') + 1) : a));
  if (!names.length && !flag(env, 'selector')) throw new KubectlError(`error: USAGE: ${verb} NODE [flags]\nSee 'kubectl ${verb} -h' for help and examples`);
  return names;
}

async function setUnschedulable(env: Env, name: string, on: boolean): Promise<void> {
  const node = await nodeNamed(env, name);
  if ((node.spec?.unschedulable === true) === on) {
    env.out(`node/${name} already ${on ? 'cordoned' : 'uncordoned'}\n`);
    return;
  }
  await env.client.json('PATCH', `/api/v1/nodes/${encodeURIComponent(name)}?fieldManager=kubectl-cordon`, { spec: { unschedulable: on ? true : null } }, SMP);
  env.out(`node/${name} ${on ? 'cordoned' : 'uncordoned'}\n`);
}

export async function cordon(env: Env, on: boolean): Promise<number> {
  for (const n of nodeNames(env, on ? 'cordon' : 'uncordon')) await setUnschedulable(env, n, on);
  return 0;
}

/** An aggregate of errors (utilerrors.Aggregate): `[a, b]` in one line, one per line when kubectl exits. */
class DrainError extends KubectlError {
  constructor(readonly errors: string[]) {
    super(errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`);
  }
}

interface DeleteStatus {
  pod: Pod;
  delete: boolean;
  kind: 'okay' | 'skip' | 'warning' | 'error';
  message?: string;
}

export async function drain(env: Env): Promise<number> {
  const names = nodeNames(env, 'drain');
  const force = bool(env, 'force');
  const ignoreDs = bool(env, 'ignore-daemonsets');
  const emptyDir = bool(env, 'delete-emptydir-data');
  const grace = flag(env, 'grace-period');
  const remaining: string[] = [];
  const fatal: string[] = [];

  for (const name of names) await setUnschedulable(env, name, true);
  for (const name of names) {
    try {
      await drainNode(env, name, { force, ignoreDs, emptyDir, grace: grace !== undefined && Number(grace) >= 0 ? Number(grace) : undefined });
      env.out(`node/${name} drained\n`);
    } catch (err) {
      if (!(err instanceof KubectlError)) throw err;
      env.err(`error: unable to drain node "${name}" due to error: ${err.message}, continuing command...\n`);
      fatal.push(...(err instanceof DrainError ? err.errors : [err.message]));
      remaining.push(name);
    }
  }
  if (remaining.length) {
    env.err(`There are pending nodes to be drained:\n${remaining.map((n) => ` ${n}\n`).join('')}`);
    env.err(fatal.map((e) => e + '\n').join(''));
    return 1;
  }
  return 0;
}

async function drainNode(env: Env, node: string, o: { force: boolean; ignoreDs: boolean; emptyDir: boolean; grace?: number }): Promise<void> {
  const pods = (await env.client.get<KubeObject & { items: Pod[] }>(`/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`)).items;
  const statuses: DeleteStatus[] = [];
  for (const pod of pods) {
    const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    const owner = pod.metadata.ownerReferences?.find((r) => r.controller);
    let st: DeleteStatus = { pod, delete: true, kind: 'okay' };
    // daemonSetFilter, mirrorPodFilter, localStorageFilter, unreplicatedFilter: the first that does not delete wins.
    if (owner?.kind === 'DaemonSet' && !finished) {
      const ds = await env.client.get(`/apis/apps/v1/namespaces/${pod.metadata.namespace}/daemonsets/${owner.name}`).catch((err: unknown) => err);
      if (ds instanceof ApiHttpError) st = ds.code === 404 && o.force ? { pod, delete: true, kind: 'warning', message: ds.status.message } : { pod, delete: false, kind: 'error', message: ds.status.message };
      else st = o.ignoreDs ? { pod, delete: false, kind: 'warning', message: 'ignoring DaemonSet-managed Pods' } : { pod, delete: false, kind: 'error', message: 'DaemonSet-managed Pods (use --ignore-daemonsets to ignore)' };
    }
    if (st.delete && pod.metadata.annotations?.['kubernetes.io/config.mirror']) st = { pod, delete: false, kind: 'skip' };
    if (st.delete && !finished && pod.spec.volumes?.some((v) => (v as { emptyDir?: unknown }).emptyDir)) {
      st = o.emptyDir ? { pod, delete: true, kind: 'warning', message: 'deleting Pods with local storage' } : { pod, delete: false, kind: 'error', message: 'Pods with local storage (use --delete-emptydir-data to override)' };
    }
    if (st.delete && !finished && !owner) {
      st = o.force ? { pod, delete: true, kind: 'warning', message: 'deleting Pods that declare no controller' } : { pod, delete: false, kind: 'error', message: 'cannot delete Pods that declare no controller (use --force to override)' };
    }
    statuses.push(st);
  }
  const rank = (m: string | undefined) => (m?.startsWith('DaemonSet') || m?.startsWith('ignoring DaemonSet') ? 0 : m?.includes('local storage') ? 1 : 2);
  const group = (kind: 'warning' | 'error') => {
    const by = new Map<string, string[]>();
    for (const s of statuses.filter((x) => x.kind === kind).sort((a, b) => rank(a.message) - rank(b.message))) by.set(s.message ?? 'unexpected error', [...(by.get(s.message ?? '') ?? []), `${s.pod.metadata.namespace}/${s.pod.metadata.name}`]);
    return [...by.entries()];
  };
  // kubectl collects them in a map (any order); here in the filters' order.
  const errors = group('error').map(([msg, ps]) => `cannot delete ${msg}: ${ps.join(', ')}`);
  if (errors.length) throw new DrainError(errors);
  const warnings = group('warning').map(([msg, ps]) => `${msg}: ${ps.join(', ')}`);
  if (warnings.length) env.err(`Warning: ${warnings.join('; ')}\n`);
  const victims = statuses.filter((s) => s.delete).map((s) => s.pod);
  const failures: string[] = [];
  await Promise.all(
    victims.map(async (pod) => {
      const ns = pod.metadata.namespace!;
      const name = pod.metadata.name!;
      for (;;) {
        env.out(`evicting pod ${ns}/${name}\n`);
        try {
          await env.client.json('POST', `/api/v1/namespaces/${ns}/pods/${name}/eviction`, {
            apiVersion: 'policy/v1',
            kind: 'Eviction',
            metadata: { name, namespace: ns, creationTimestamp: null },
            deleteOptions: o.grace !== undefined ? { gracePeriodSeconds: o.grace } : {},
          });
          break;
        } catch (err) {
          if (!(err instanceof ApiHttpError)) throw err;
          if (err.code === 404) return;
          if (err.code === 429) {
            env.err(`error when evicting pods/"${name}" -n "${ns}" (will retry after 5s): ${err.status.message}\n`);
            await env.clock.sleep(5_000, env.signal);
            continue;
          }
          failures.push(`error when evicting pods/"${name}" -n "${ns}": ${err.status.message}`);
          return;
        }
      }
      for (;;) {
        try {
          const p = await env.client.get<Pod>(`/api/v1/namespaces/${ns}/pods/${name}`);
          if (p.metadata.uid !== pod.metadata.uid) break;
        } catch (err) {
          if (err instanceof ApiHttpError && err.code === 404) break;
          throw err;
        }
        await env.clock.sleep(1_000, env.signal);
      }
      env.out(`pod/${name} evicted\n`);
    }),
  );
  if (failures.length) throw new DrainError(failures);
}

export { resolveType };
