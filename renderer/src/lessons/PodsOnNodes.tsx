/**
 * The pods-on-nodes picture: each node a column with its Ready state and what it can hold, each
 * pod a chip with its status as kubectl prints it, its ReplicaSet hash and its age, moving as the
 * cluster moves it. Pods not on a node yet (Pending) sit in their own column.
 *
 * Snapshots arrive up to ten times a second as fresh objects, and ages tick every second: the
 * pods are grouped by node once per snapshot, and columns and chips are memoised on what they
 * show (not on object identity), so a change to one pod re-renders one column and one chip; the
 * clock reaches only the age labels (each subscribed to it, re-rendered when its text changes),
 * never the chips (bench/pods-on-nodes-bench.ts: 500 pods on 20 nodes).
 */
import { createContext, memo, useContext, useLayoutEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import { useIntl } from 'react-intl';
import type { KubeNodeView, KubePodView } from '../../../preload/contract/kube';
import { useT } from '../i18n/use-t';
import { ageParts, formatAge, formatBytesShort, formatCpu } from './format';
import type { AgeParts } from './format';
import './pods-on-nodes.css';

interface Chip {
  pod: KubePodView;
  mark: string | undefined;
}

/** The clock of one picture: age labels subscribe to it, so a tick re-renders only labels whose text changes. */
class Clock {
  readonly #listeners = new Set<() => void>();
  constructor(public now: number) {}
  subscribe = (listener: () => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };
  set(now: number): void {
    if (now === this.now) return;
    this.now = now;
    for (const l of this.#listeners) l();
  }
}

const ClockContext = createContext<Clock | null>(null);

const NO_CHIPS: Chip[] = [];

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
  const clock = useRef<Clock | null>(null);
  clock.current ??= new Clock(now);
  useLayoutEffect(() => clock.current!.set(now), [now]);
  const byNode = useMemo(() => {
    const out = new Map<string, Chip[]>();
    for (const pod of pods) {
      const key = pod.node ?? '';
      let list = out.get(key);
      if (!list) out.set(key, (list = []));
      list.push({ pod, mark: highlight?.(pod) });
    }
    return out;
  }, [pods, highlight]);
  const unscheduled = byNode.get('') ?? NO_CHIPS;
  return (
    <ClockContext.Provider value={clock.current}>
      <section className="pods-on-nodes" aria-label={t('lesson.podsOnNodes')}>
        <h3>{t('lesson.podsOnNodes')}</h3>
        <div className="node-columns">
          {nodes.map((n) => (
            <NodeColumn key={n.name} node={n} chips={byNode.get(n.name) ?? NO_CHIPS} requested={usage?.[n.name]} />
          ))}
          {unscheduled.length > 0 && <UnscheduledColumn chips={unscheduled} />}
        </div>
      </section>
    </ClockContext.Provider>
  );
}

const NodeColumn = memo(function NodeColumn({ node: n, chips, requested }: ColumnProps) {
  const { t } = useT();
  const readyText = n.ready.status === 'True' ? t('lesson.nodeReady') : n.ready.status === 'False' ? t('lesson.nodeNotReady') : t('lesson.nodeUnknown');
  return (
    <div className={`node-column ready-${n.ready.status}`} data-node-column={n.name}>
      <div className="node-head">
        <strong className="mono">{n.name}</strong>{' '}
        <span className={`badge node-${n.ready.status}`} title={n.ready.message}>
          {readyText}
        </span>
        {n.unschedulable && <span className="badge">{t('lesson.nodeCordoned')}</span>}
        <div className="hint small">{t('lesson.nodeAllocatable', { cpu: formatCpu(n.allocatable.cpuMillicores), memory: formatBytesShort(n.allocatable.memoryBytes) })}</div>
        {requested && (
          <div className="hint small" data-testid="node-requested">
            {t('lesson.nodeRequested', { cpu: formatCpu(requested.cpuRequested), memory: formatBytesShort(requested.memoryRequested), pods: requested.pods })}
          </div>
        )}
        {n.ready.status !== 'True' && n.ready.message && <div className="hint small warn">{n.ready.message}</div>}
      </div>
      <ul className="pod-chips">
        {chips.map((c) => (
          <PodChip key={c.pod.uid} pod={c.pod} mark={c.mark} />
        ))}
      </ul>
    </div>
  );
}, sameColumn);

interface ColumnProps {
  node: KubeNodeView;
  chips: Chip[];
  requested?: NodeRequested | undefined;
}

const UnscheduledColumn = memo(function UnscheduledColumn({ chips }: { chips: Chip[] }) {
  const { t } = useT();
  return (
    <div className="node-column unscheduled" data-node-column="">
      <div className="node-head">
        <strong>{t('lesson.unscheduled')}</strong>
      </div>
      <ul className="pod-chips">
        {chips.map((c) => (
          <PodChip key={c.pod.uid} pod={c.pod} mark={c.mark} />
        ))}
      </ul>
    </div>
  );
}, (a, b) => sameChips(a.chips, b.chips));

const PodChip = memo(function PodChip({ pod, mark }: { pod: KubePodView; mark: string | undefined }) {
  const cls = pod.status === 'Running' && pod.ready.ready === pod.ready.total ? 'ok' : /Err|BackOff|Crash|Failed|Evicted/.test(pod.status) ? 'bad' : 'busy';
  return (
    <li className={`pod-chip pod-${cls} ${mark ? `mark-${mark}` : ''}`} data-pod={pod.name} data-status={pod.status}>
      <span className="mono small">{pod.name}</span>
      <span className="pod-status">{pod.status}</span>
      <span className="hint small">
        {pod.podTemplateHash ? <span className="mono">{pod.podTemplateHash}</span> : null} · {pod.images.map((i) => i.replace(/^docker\.io\/library\//, '')).join(', ')}
      </span>
      <PodAge since={pod.createdAt} />
    </li>
  );
}, (a, b) => a.mark === b.mark && samePod(a.pod, b.pod));

/** A pod's age as kubectl prints it (34s, 5m), following the picture's clock on its own. */
function PodAge({ since }: { since: string }) {
  const clock = useContext(ClockContext)!;
  const intl = useIntl();
  const at = useMemo(() => Date.parse(since), [since]);
  const key = useSyncExternalStore(clock.subscribe, () => {
    const p = ageParts(at, clock.now);
    return p ? `${p.unit} ${p.n}` : '';
  });
  const [unit, n] = key.split(' ');
  return <span className="pod-age">{key ? formatAge(intl, { unit: unit as AgeParts['unit'], n: Number(n) }) : ''}</span>;
}

/** What a chip shows of a pod. */
function samePod(a: KubePodView, b: KubePodView): boolean {
  if (a === b) return true;
  return a.uid === b.uid && a.name === b.name && a.status === b.status && a.ready.ready === b.ready.ready && a.ready.total === b.ready.total && a.podTemplateHash === b.podTemplateHash && a.images.length === b.images.length && a.images.every((img, i) => img === b.images[i]);
}

function sameChips(a: Chip[], b: Chip[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.mark !== y.mark || !samePod(x.pod, y.pod) || x.pod.createdAt !== y.pod.createdAt) return false;
  }
  return true;
}

/** What a column shows of its node, and its chips. */
function sameColumn(a: ColumnProps, b: ColumnProps): boolean {
  const n = a.node;
  const m = b.node;
  const sameNode =
    n === m ||
    (n.name === m.name &&
      n.ready.status === m.ready.status &&
      n.ready.message === m.ready.message &&
      n.unschedulable === m.unschedulable &&
      n.allocatable.cpuMillicores === m.allocatable.cpuMillicores &&
      n.allocatable.memoryBytes === m.allocatable.memoryBytes);
  const r = a.requested;
  const q = b.requested;
  const sameRequested = r === q || (!!r && !!q && r.cpuRequested === q.cpuRequested && r.memoryRequested === q.memoryRequested && r.pods === q.pods);
  return sameNode && sameRequested && sameChips(a.chips, b.chips);
}
