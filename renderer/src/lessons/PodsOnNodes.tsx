/**
 * The pods-on-nodes picture: each node a column with its Ready state and what it can hold, each
 * pod a chip with its status as kubectl prints it, its ReplicaSet hash and its age, moving as the
 * cluster moves it. Pods not on a node yet (Pending) sit in their own column.
 */
import type { KubeNodeView, KubePodView } from '../../../preload/contract/kube';
import { useT } from '../i18n/use-t';
import { age, formatBytesShort, formatCpu } from './format';

/** What the pods on a node request in total (all namespaces, as `kubectl describe node` sums them). */
export interface NodeRequested {
  cpuRequested: number;
  memoryRequested: number;
  pods: number;
}

export function PodsOnNodes({
  nodes,
  pods,
  now,
  highlight,
  usage,
}: {
  nodes: readonly KubeNodeView[];
  pods: readonly KubePodView[];
  now: number;
  highlight?: (p: KubePodView) => string | undefined;
  usage?: Readonly<Record<string, NodeRequested>>;
}) {
  const { t } = useT();
  const unscheduled = pods.filter((p) => !p.node);
  const readyText = (n: KubeNodeView) => (n.ready.status === 'True' ? t('lesson.nodeReady') : n.ready.status === 'False' ? t('lesson.nodeNotReady') : t('lesson.nodeUnknown'));
  return (
    <section className="pods-on-nodes" aria-label={t('lesson.podsOnNodes')}>
      <h3>{t('lesson.podsOnNodes')}</h3>
      <div className="node-columns">
        {nodes.map((n) => (
          <div key={n.name} className={`node-column ready-${n.ready.status}`} data-node-column={n.name}>
            <div className="node-head">
              <strong className="mono">{n.name}</strong>{' '}
              <span className={`badge node-${n.ready.status}`} title={n.ready.message}>
                {readyText(n)}
              </span>
              {n.unschedulable && <span className="badge">{t('lesson.nodeCordoned')}</span>}
              <div className="hint small">{t('lesson.nodeAllocatable', { cpu: formatCpu(n.allocatable.cpuMillicores), memory: formatBytesShort(n.allocatable.memoryBytes) })}</div>
              {usage?.[n.name] && (
                <div className="hint small" data-testid="node-requested">
                  {t('lesson.nodeRequested', { cpu: formatCpu(usage[n.name]!.cpuRequested), memory: formatBytesShort(usage[n.name]!.memoryRequested), pods: usage[n.name]!.pods })}
                </div>
              )}
              {n.ready.status !== 'True' && n.ready.message && <div className="hint small warn">{n.ready.message}</div>}
            </div>
            <ul className="pod-chips">
              {pods
                .filter((p) => p.node === n.name)
                .map((p) => (
                  <PodChip key={p.uid} pod={p} now={now} mark={highlight?.(p)} />
                ))}
            </ul>
          </div>
        ))}
        {unscheduled.length > 0 && (
          <div className="node-column unscheduled" data-node-column="">
            <div className="node-head">
              <strong>{t('lesson.unscheduled')}</strong>
            </div>
            <ul className="pod-chips">
              {unscheduled.map((p) => (
                <PodChip key={p.uid} pod={p} now={now} mark={highlight?.(p)} />
              ))}
            </ul>
          </div>
        )}
      </div>
    </section>
  );
}

function PodChip({ pod, now, mark }: { pod: KubePodView; now: number; mark?: string }) {
  const { intl } = useT();
  const cls = pod.status === 'Running' && pod.ready.ready === pod.ready.total ? 'ok' : /Err|BackOff|Crash|Failed|Evicted/.test(pod.status) ? 'bad' : 'busy';
  return (
    <li className={`pod-chip pod-${cls} ${mark ? `mark-${mark}` : ''}`} data-pod={pod.name} data-status={pod.status}>
      <span className="mono small">{pod.name}</span>
      <span className="pod-status">{pod.status}</span>
      <span className="hint small">
        {pod.podTemplateHash ? <span className="mono">{pod.podTemplateHash}</span> : null} · {age(intl, pod.createdAt, now)} · {pod.images.map((i) => i.replace(/^docker\.io\/library\//, '')).join(', ')}
      </span>
    </li>
  );
}
