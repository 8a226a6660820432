/**
 * Step 9, Limits: a namespace capped by a ResourceQuota (live bars, used against hard), a pod
 * that asks for nothing refused with upstream's "must specify", a LimitRange whose defaults
 * admission writes into the same pod, a Deployment and one pod more going over the quota (the
 * API's own 403), and every node's allocatable CPU and memory against what its pods request,
 * which is why a Raspberry Pi 4 fits only so many pods. Quotas left by someone else where the
 * lessons run are shown with a way out; so are a cluster that does not answer and a node down.
 */
import { useEffect, useState } from 'react';
import type { KubeEventView, KubeNodeView } from '../../../../preload/contract/kube';
import type { LessonOutcome } from '../../../../preload/contract/lessons';
import { call } from '../../api/client';
import { useT } from '../../i18n/use-t';
import { ActionPanel } from '../../lessons/ActionPanel';
import { EventList } from '../../lessons/EventList';
import { KubectlPanel } from '../../lessons/KubectlPanel';
import { LessonFrame } from '../../lessons/LessonFrame';
import { PodsOnNodes } from '../../lessons/PodsOnNodes';
import type { NodeRequested } from '../../lessons/PodsOnNodes';
import { formatBytesShort, formatCpu } from '../../lessons/format';
import { useLessons, useLiveCluster } from '../../lessons/use-lesson-state';
import { useNow } from '../../lessons/use-now';
import { useWatchedNamespace } from '../../lessons/use-watched-namespace';
import { ConfirmDialog } from '../../toolkit/ConfirmDialog';
import { QuotaBars } from './QuotaBars';

const NAMESPACE = 'limits-lesson';
/** What one pod of the lesson asks for (the LimitRange's default request). */
const POD_CPU = 250;
const POD_MEMORY = 128 * 2 ** 20;

interface NodeUsage extends NodeRequested {
  cpuAllocatable: number;
  memoryAllocatable: number;
  podsAllocatable: number;
}

interface Foreign {
  kind: 'ResourceQuota' | 'LimitRange';
  namespace: 'default' | 'limits-lesson';
  name: string;
}

/**
 * The lesson's events with a ReplicaSet's repeated refusals folded into one (the newest, counted):
 * each refused try names another pod, so the cluster records them as separate events.
 */
function foldRefusals(events: readonly KubeEventView[]): KubeEventView[] {
  const out: KubeEventView[] = [];
  const folded = new Map<string, KubeEventView>();
  for (const e of [...events].sort((a, b) => (a.lastAt ?? '').localeCompare(b.lastAt ?? ''))) {
    if (e.reason !== 'FailedCreate') {
      out.push(e);
      continue;
    }
    const key = `${e.involved.kind}/${e.involved.name}`;
    const before = folded.get(key);
    const merged = { ...e, count: (before?.count ?? 0) + e.count, firstAt: before?.firstAt ?? e.firstAt };
    if (before) out.splice(out.indexOf(before), 1);
    folded.set(key, merged);
    out.push(merged);
  }
  return out;
}

function parseUsage(values: LessonOutcome['values']): Record<string, NodeUsage> {
  const out: Record<string, NodeUsage> = {};
  for (const [key, v] of Object.entries(values ?? {})) {
    const [node, field] = key.split('|');
    if (!node || !field || typeof v !== 'number') continue;
    (out[node] ??= { cpuRequested: 0, memoryRequested: 0, pods: 0, cpuAllocatable: 0, memoryAllocatable: 0, podsAllocatable: 0 })[field as keyof NodeUsage] = v;
  }
  return out;
}

function parseForeign(values: LessonOutcome['values']): Foreign[] {
  return Object.entries(values ?? {})
    .filter(([k]) => /^item\d+$/.test(k))
    .map(([, v]) => String(v).split('|'))
    .map(([kind, namespace, name]) => ({ kind, namespace, name }) as Foreign);
}

export function LimitsStep() {
  const { t } = useT();
  const live = useLiveCluster();
  const lessons = useLessons();
  const now = useNow();
  const hasCluster = live !== undefined && live.status !== 'none';
  const view = useWatchedNamespace(NAMESPACE, ['resourcequotas', 'limitranges'], hasCluster);
  const [usage, setUsage] = useState<Record<string, NodeUsage>>({});
  const [foreign, setForeign] = useState<Foreign[]>([]);
  const [removing, setRemoving] = useState<Foreign | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pod, setPod] = useState<LessonOutcome | null>(null);
  const [replicas, setReplicas] = useState(6);
  const [checks, setChecks] = useState(0);
  const progress = lessons?.progress['limits'] ?? [];

  const quota = view?.resourcequotas?.find((q) => q.name === 'compute-quota');
  const otherQuotas = (view?.resourcequotas ?? []).filter((q) => q.name !== 'compute-quota');
  const limitRange = view?.limitranges?.find((l) => l.name === 'container-limits');
  const pods = view?.pods ?? [];
  const demo = view?.deployments?.find((d) => d.name === 'quota-demo');
  const nodes: readonly KubeNodeView[] = live?.snapshot?.nodes ?? [];
  const unreachable = live?.status === 'reconnecting';

  // Requested sums per node: read again whenever pods move (ours or the default namespace's).
  const podsKey = JSON.stringify([pods.map((p) => [p.name, p.node, p.status]), (live?.snapshot?.pods ?? []).map((p) => [p.name, p.node]), nodes.map((n) => [n.name, n.ready.status])]);
  useEffect(() => {
    if (!hasCluster || unreachable) return undefined;
    let current = true;
    const timer = setTimeout(() => {
      call('lessons.run', { action: 'limits.nodes', params: {} }).then(
        (o) => current && o.ok && setUsage(parseUsage(o.values)),
        () => undefined,
      );
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [podsKey, hasCluster, unreachable]);

  // Quotas and limit ranges someone else left where the lessons run.
  useEffect(() => {
    if (!hasCluster || unreachable) return undefined;
    let current = true;
    call('lessons.run', { action: 'limits.check', params: {} }).then(
      (o) => current && setForeign(parseForeign(o.values)),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [hasCluster, unreachable, checks, otherQuotas.length]);

  const recheck = () => setChecks((n) => n + 1);
  const remove = async (f: Foreign) => {
    setRemoving(null);
    setNotice(null);
    try {
      const out = await call('lessons.run', { action: 'limits.removeForeign', params: { kind: f.kind, namespace: f.namespace, name: f.name } });
      setNotice(t(`limits.outcome.${out.code}`, { kind: f.kind, namespace: f.namespace, name: f.name }));
    } catch (e) {
      setNotice((e as Error).message);
    }
    recheck();
  };

  const done = ['must-specify', 'defaults', 'exceeded'].every((g) => progress.includes(g));
  return (
    <LessonFrame id="limits" title={t('limits.title')} intro={<p>{t('limits.intro')}</p>}>
      {unreachable && (
        <p className="banner warn" role="alert" data-testid="limits-unreachable">
          {t('limits.unreachable')}
        </p>
      )}
      {foreign.length > 0 && (
        <div className="banner warn foreign-limits" role="alert" data-testid="foreign-limits">
          <div>
            <p>{t('limits.foreign', { count: foreign.length })}</p>
            <ul>
              {foreign.map((f) => (
                <li key={`${f.kind}/${f.namespace}/${f.name}`}>
                  <span className="mono">
                    {f.kind} {f.namespace}/{f.name}
                  </span>{' '}
                  — {f.namespace === 'default' ? t('limits.foreignDefault') : t('limits.foreignLesson')}{' '}
                  <button type="button" onClick={() => setRemoving(f)}>
                    {t('limits.foreignRemove')}
                  </button>
                </li>
              ))}
            </ul>
            <p className="small">{t('limits.foreignWayOut')}</p>
          </div>
        </div>
      )}
      {notice && <p role="status">{notice}</p>}
      {removing && (
        <ConfirmDialog
          title={t('limits.foreignConfirmTitle', { name: removing.name })}
          confirmLabel={t('limits.foreignRemove')}
          cancelLabel={t('lesson.cancel')}
          danger
          onConfirm={() => void remove(removing)}
          onCancel={() => setRemoving(null)}
          testId="foreign-confirm"
        >
          <p>{t('limits.foreignConfirm', { kind: removing.kind, namespace: removing.namespace, name: removing.name })}</p>
          <KubectlPanel commands={[`kubectl delete ${removing.kind.toLowerCase()} ${removing.name} -n ${removing.namespace}`]} />
        </ConfirmDialog>
      )}

      <h3>{t('limits.quotaTitle')}</h3>
      <p>{t('limits.quotaIntro')}</p>
      <ActionPanel action="limits.quota" label={quota ? t('limits.quotaAgain') : t('limits.quotaApply')} primary={!quota} disabled={unreachable} onDone={recheck} testId="limits-quota" />
      {quota && <QuotaBars quota={quota} />}
      {otherQuotas.map((q) => (
        <QuotaBars key={q.uid} quota={q} testId="other-quota-bars" />
      ))}

      <h3>{t('limits.bareTitle')}</h3>
      <p>{t('limits.bareIntro')}</p>
      <ActionPanel action="limits.pod" label={t('limits.bareCreate')} primary={!!quota && !progress.includes('must-specify')} disabled={!quota || unreachable} onDone={setPod} testId="limits-bare" />
      {progress.includes('must-specify') && !limitRange && <p className="hint">{t('limits.mustSpecifyWhy')}</p>}

      <h3>{t('limits.rangeTitle')}</h3>
      <p>{t('limits.rangeIntro')}</p>
      <ActionPanel action="limits.limitRange" label={limitRange ? t('limits.rangeAgain') : t('limits.rangeApply')} primary={progress.includes('must-specify') && !limitRange} disabled={!quota || unreachable} testId="limits-range" />
      {limitRange && (
        <>
          <p>{t('limits.rangeThen')}</p>
          <ActionPanel action="limits.pod" label={t('limits.bareAgain')} showYaml={false} primary={!progress.includes('defaults')} disabled={unreachable} onDone={setPod} testId="limits-defaults" />
        </>
      )}
      {pod?.code === 'defaults-applied' && pod.values && (
        <div className="http-answer" data-testid="limits-defaults-written">
          <p>{t('limits.defaultsWritten', { pod: String(pod.values['pod'] ?? '') })}</p>
          <pre className="log">
            {`resources:
  requests:
    cpu: ${pod.values['requestsCpu'] ?? ''}
    memory: ${pod.values['requestsMemory'] ?? ''}
  limits:
    cpu: ${pod.values['limitsCpu'] ?? ''}
    memory: ${pod.values['limitsMemory'] ?? ''}
metadata.annotations:
  kubernetes.io/limit-ranger: "${pod.values['annotation'] ?? ''}"`}
          </pre>
          <p className="hint">{t('limits.defaultsWhy')}</p>
        </div>
      )}

      <h3>{t('limits.overTitle')}</h3>
      <p>{t('limits.overIntro')}</p>
      <div className="field inline">
        <label htmlFor="limits-replicas">{t('limits.replicas')}</label>
        <input id="limits-replicas" type="number" min={1} max={8} value={replicas} onChange={(e) => setReplicas(Math.max(1, Math.min(8, Number(e.target.value) || 1)))} />
      </div>
      <ActionPanel action="limits.deploy" params={{ replicas }} label={demo ? t('limits.deployAgain', { replicas }) : t('limits.deploy', { replicas })} primary={progress.includes('defaults') && !demo} disabled={!quota || unreachable} testId="limits-deploy" />
      {demo && (
        <p className="mono small" data-testid="demo-line">
          {t('limits.demoLine', { ready: demo.status.ready, wanted: demo.replicas })}
        </p>
      )}
      {/* The quota again where it fills up, live. */}
      {quota && demo && <QuotaBars quota={quota} testId="quota-bars-now" />}
      <PodsOnNodes nodes={nodes} pods={pods} now={now} usage={usage} />
      <EventList events={foldRefusals(view?.events ?? [])} now={now} limit={5} />
      {demo && (view?.events ?? []).some((e) => e.reason === 'FailedCreate' && /exceeded quota/.test(e.message)) && <p className="hint">{t('limits.failedCreateWhy')}</p>}
      <p>{t('limits.extraIntro')}</p>
      <ActionPanel action="limits.extra" label={t('limits.extra')} showYaml={false} primary={!!demo && !progress.includes('exceeded')} disabled={!quota || unreachable} testId="limits-extra" />

      <h3>{t('limits.fitTitle')}</h3>
      <p>{t('limits.fitIntro')}</p>
      {nodes.some((n) => n.ready.status !== 'True') && <p className="banner warn">{t('limits.nodeDown')}</p>}
      <table className="node-fit" data-testid="node-fit">
        <thead>
          <tr>
            <th>{t('limits.fitNode')}</th>
            <th>{t('limits.fitCpu')}</th>
            <th>{t('limits.fitMemory')}</th>
            <th>{t('limits.fitPods')}</th>
            <th>{t('limits.fitRoom')}</th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((n) => {
            const u = usage[n.name];
            if (!u) return null;
            const room = Math.max(0, Math.min(Math.floor((u.cpuAllocatable - u.cpuRequested) / POD_CPU), Math.floor((u.memoryAllocatable - u.memoryRequested) / POD_MEMORY), u.podsAllocatable - u.pods));
            return (
              <tr key={n.name} data-node={n.name} className={n.ready.status === 'True' ? '' : 'node-down'}>
                <td className="mono">{n.name}</td>
                <td>{t('limits.fitOf', { used: formatCpu(u.cpuRequested), total: formatCpu(u.cpuAllocatable) })}</td>
                <td>{t('limits.fitOf', { used: formatBytesShort(u.memoryRequested), total: formatBytesShort(u.memoryAllocatable) })}</td>
                <td>{t('limits.fitOf', { used: String(u.pods), total: String(u.podsAllocatable) })}</td>
                <td data-testid="node-room">{n.ready.status === 'True' ? t('limits.fitRoomCount', { count: room }) : t('limits.fitRoomDown')}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="hint">{t('limits.fitWhy')}</p>
      <KubectlPanel commands={['kubectl describe nodes', 'kubectl get pods -A -o wide']} />

      <p className={done ? 'banner ok' : 'hint'} role="status" data-testid="limits-goal">
        {done ? t('limits.goalReached') : t('limits.goal')}
      </p>
    </LessonFrame>
  );
}
