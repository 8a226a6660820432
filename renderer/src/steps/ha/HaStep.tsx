/**
 * Step 12, High availability: is the datastore replicated (`microk8s status` on a control
 * plane, printed as it is and read), then the drills — a node taken away and its pods replaced,
 * the control plane the kubeconfig names taken away while the API answers through another, a
 * second one taken away and the datastore's quorum lost — each with its timeline as the cluster
 * showed it; `kubectl drain` / `uncordon` as the graceful way. A cluster without three control
 * planes is told how to get there; a node that never comes back, how to remove it.
 */
import { useEffect, useState } from 'react';
import type { HaDrill } from '../../../../preload/contract/ha';
import type { KubeNodeView } from '../../../../preload/contract/kube';
import type { LessonOutcome } from '../../../../preload/contract/lessons';
import { call } from '../../api/client';
import { useT } from '../../i18n/use-t';
import { ActionPanel } from '../../lessons/ActionPanel';
import { EventList } from '../../lessons/EventList';
import { LessonFrame } from '../../lessons/LessonFrame';
import { OutcomeText } from '../../lessons/OutcomeText';
import { PodsOnNodes } from '../../lessons/PodsOnNodes';
import { useLiveCluster } from '../../lessons/use-lesson-state';
import { useNow } from '../../lessons/use-now';
import { useAppStore } from '../../store/app-store';
import { useMainState } from '../../toolkit/use-main-state';
import { DrillTimeline } from './DrillTimeline';
import './ha.css';

const isControlPlane = (n: KubeNodeView) => n.roles.includes('control-plane');
const ready = (n: KubeNodeView) => n.ready.status === 'True';

/** `192.168.1.21:19001` → the node with that address, for the datastore lists. */
function nodeAt(nodes: readonly KubeNodeView[], address: string): string {
  const host = address.replace(/^\[(.*)\]:\d+$/, '$1').replace(/:\d+$/, '');
  return nodes.find((n) => n.internalIP === host || n.addresses.some((a) => a.address === host))?.name ?? host;
}

export function HaStep() {
  const { t } = useT();
  const live = useLiveCluster();
  const ha = useMainState('ha.state', {}, 'ha.changed').data;
  const practice = useMainState('practice.get', {}, 'practice.changed').data;
  const cluster = useMainState('cluster.state', {}, 'cluster.changed').data;
  const setPreferences = useAppStore((s) => s.setPreferences);
  const now = useNow(500);
  const [status, setStatus] = useState<LessonOutcome | null>(null);
  const [drainOut, setDrainOut] = useState<LessonOutcome | null>(null);
  const snapshot = live?.snapshot;
  const nodes = snapshot?.nodes ?? [];
  const planes = nodes.filter(isControlPlane);
  const savedPlane = cluster?.built?.controlPlane;
  const canPower = !!practice?.enabled;
  const drill = ha?.drill;
  const drillPods = (snapshot?.pods ?? []).filter((p) => p.labels['app'] === 'ha-drill');
  const drillDeployed = (snapshot?.deployments ?? []).some((d) => d.name === 'ha-drill');
  const workers = nodes.filter((n) => !isControlPlane(n));
  // The node to lose: a worker if there is one, else a control plane the kubeconfig does not name.
  const candidates = workers.length > 0 ? workers : planes.length >= 3 ? planes.filter((n) => n.name !== savedPlane) : [];
  const [chosen, setChosen] = useState<string>('');
  const target = candidates.find((n) => n.name === chosen) ?? candidates[0];
  const [drainNode, setDrainNode] = useState<string>('');
  const drainTarget = nodes.find((n) => n.name === drainNode) ?? candidates[0] ?? nodes[0];
  const secondPlane = planes.find((n) => n.name !== savedPlane && ready(n));
  const down = nodes.filter((n) => !ready(n));

  const goToCluster = () => void setPreferences({ currentStep: 'cluster' });

  return (
    <LessonFrame id="ha" title={t('ha.title')} intro={<p>{t('ha.intro')}</p>}>
      <section aria-labelledby="ha-datastore">
        <h3 id="ha-datastore">{t('ha.datastore.title')}</h3>
        <p>{t('ha.datastore.intro')}</p>
        {nodes.length > 0 && planes.length < 3 && (
          <div className="banner warn" data-testid="ha-not-ha">
            <p>{t('ha.notHa', { count: planes.length })}</p>
            <button type="button" onClick={goToCluster}>
              {t('ha.goToCluster')}
            </button>
          </div>
        )}
        <ActionPanel action="ha.status" label={t('ha.status.run')} showYaml={false} onDone={setStatus} testId="ha-status" />
        {status?.output && (
          <div className="ha-status" data-testid="ha-status-output" data-ha={status.values?.['ha']}>
            <pre className="log">{status.output}</pre>
            {status.values?.['ha'] && (
              <dl className="facts">
                <dt>{t('ha.status.ha')}</dt>
                <dd className={status.values['ha'] === 'yes' ? 'ok' : 'warn'}>{status.values['ha'] === 'yes' ? t('ha.status.haYes') : t('ha.status.haNo')}</dd>
                <dt>{t('ha.status.masters')}</dt>
                <dd data-testid="ha-masters">{String(status.values['masters'] ?? '').split(' ').filter(Boolean).map((a) => `${nodeAt(nodes, a)} (${a})`).join(', ') || '—'}</dd>
                <dt>{t('ha.status.standby')}</dt>
                <dd>{String(status.values['standby'] ?? '').split(' ').filter(Boolean).map((a) => `${nodeAt(nodes, a)} (${a})`).join(', ') || t('ha.status.none')}</dd>
              </dl>
            )}
            <p className="hint">{t('ha.status.explain')}</p>
          </div>
        )}
      </section>

      <section aria-labelledby="ha-node">
        <h3 id="ha-node">{t('ha.node.title')}</h3>
        <p>{t('ha.node.intro')}</p>
        <ActionPanel action="ha.deployDrill" label={drillDeployed ? t('ha.node.deployAgain') : t('ha.node.deploy')} primary={!drillDeployed} testId="ha-deploy" />
        <PodsOnNodes nodes={nodes} pods={drillPods} now={now} />
        {candidates.length === 0 && nodes.length > 0 && <p className="banner warn">{t('ha.node.noCandidate')}</p>}
        {candidates.length > 0 && (
          <div className="drill-controls">
            <label>
              {t('ha.node.which')}{' '}
              <select value={target?.name ?? ''} onChange={(e) => setChosen(e.target.value)} data-testid="ha-node-choice">
                {candidates.map((n) => (
                  <option key={n.name} value={n.name}>
                    {n.name} ({isControlPlane(n) ? t('ha.role.controlPlane') : t('ha.role.worker')})
                  </option>
                ))}
              </select>
            </label>
            {target && isControlPlane(target) && <p className="hint">{t('ha.node.isControlPlane', { node: target.name })}</p>}
            {down.length > 0 && !drill && <p className="banner warn">{t('ha.node.alreadyDown', { nodes: down.map((n) => n.name).join(', ') })}</p>}
            <TakeAway node={target?.name} kind="worker" canPower={canPower} disabled={!drillDeployed || !target || (drill?.phase === 'watching')} testId="ha-worker" />
          </div>
        )}
        {drill && <DrillPanel drill={drill} canPower={canPower} now={now} />}
      </section>

      <section aria-labelledby="ha-cp">
        <h3 id="ha-cp">{t('ha.cp.title')}</h3>
        <p>{t('ha.cp.intro', { server: live?.failedOver?.from ?? live?.server ?? '', node: savedPlane ?? '' })}</p>
        {planes.length < 3 ? (
          <p className="hint">{t('ha.cp.needsThree', { count: planes.length })}</p>
        ) : (
          <>
            {live?.failedOver && (
              <p className="banner warn" data-testid="ha-failover">
                {t('ha.cp.failedOver', { from: live.failedOver.from, to: live.failedOver.to })}
              </p>
            )}
            <TakeAway node={savedPlane} kind="control-plane" canPower={canPower} disabled={!savedPlane || drill?.phase === 'watching'} testId="ha-cp" />
            <h4>{t('ha.quorum.title')}</h4>
            <p>{t('ha.quorum.intro')}</p>
            {live?.status === 'reconnecting' && (
              <p className="banner warn" data-testid="ha-quorum-lost">
                {t('ha.quorum.lost')}
              </p>
            )}
            <TakeAway node={secondPlane?.name} kind="quorum" canPower={canPower} disabled={!secondPlane || !(drill?.kind === 'control-plane' && drill.phase === 'watching')} testId="ha-quorum" />
          </>
        )}
      </section>

      <section aria-labelledby="ha-drain">
        <h3 id="ha-drain">{t('ha.drain.title')}</h3>
        <p>{t('ha.drain.intro')}</p>
        {nodes.length > 0 && (
          <label>
            {t('ha.drain.which')}{' '}
            <select value={drainTarget?.name ?? ''} onChange={(e) => setDrainNode(e.target.value)} data-testid="ha-drain-choice">
              {nodes.map((n) => (
                <option key={n.name} value={n.name}>
                  {n.name}
                  {n.unschedulable ? ` (${t('lesson.nodeCordoned')})` : ''}
                </option>
              ))}
            </select>
          </label>
        )}
        {drainTarget && (
          <div className="actions-row">
            <ActionPanel action="ha.drain" params={{ node: drainTarget.name }} label={t('ha.drain.drain', { node: drainTarget.name })} showYaml={false} onDone={setDrainOut} disabled={!ready(drainTarget)} testId="ha-drain-run" />
            <ActionPanel action="ha.uncordon" params={{ node: drainTarget.name }} label={t('ha.drain.uncordon', { node: drainTarget.name })} showYaml={false} primary={drainTarget.unschedulable} onDone={setDrainOut} testId="ha-uncordon" />
          </div>
        )}
        {drainOut?.output && (
          <pre className="log" data-testid="ha-drain-output">
            {drainOut.output}
          </pre>
        )}
      </section>

      <EventList events={snapshot?.events ?? []} now={now} filter={(e) => e.involved.kind === 'Node' || e.involved.name.startsWith('ha-drill')} />
      <p className="hint">{t('ha.summary')}</p>
    </LessonFrame>
  );
}

/** Taking a node away: the lab's power switch, `sudo poweroff` over SSH, or the user pulls the plug. */
function TakeAway({ node, kind, canPower, disabled, testId }: { node: string | undefined; kind: HaDrill['kind']; canPower: boolean; disabled: boolean; testId: string }) {
  const { t } = useT();
  const [outcome, setOutcome] = useState<LessonOutcome | null>(null);
  const [busy, setBusy] = useState(false);
  const [asked, setAsked] = useState(false);
  const run = async (how: 'power' | 'ssh' | 'unplugged') => {
    if (!node) return;
    setBusy(true);
    setAsked(false);
    try {
      setOutcome(await call('lessons.run', { action: 'ha.takeAway', params: { node, kind, how } }));
    } catch (e) {
      setOutcome({ ok: false, code: 'error', error: { code: 'SERVER_ERROR', message: (e as Error).message } } as LessonOutcome);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="take-away" data-testid={testId}>
      <div className="actions">
        {canPower ? (
          <button type="button" className="primary danger" disabled={disabled || busy || !node} onClick={() => void run('power')}>
            {t(`ha.takeAway.power.${kind}`, { node: node ?? '' })}
          </button>
        ) : (
          <>
            <button type="button" className="primary" disabled={disabled || busy || !node} onClick={() => setAsked(true)}>
              {t('ha.takeAway.unplug', { node: node ?? '' })}
            </button>
            <button type="button" disabled={disabled || busy || !node} onClick={() => void run('ssh')}>
              {t('ha.takeAway.ssh', { node: node ?? '' })}
            </button>
          </>
        )}
      </div>
      {asked && (
        <div className="banner warn" role="alertdialog" aria-label={t('ha.takeAway.unplugNow', { node: node ?? '' })}>
          <p>{t('ha.takeAway.unplugNow', { node: node ?? '' })}</p>
          <button type="button" className="primary" onClick={() => void run('unplugged')}>
            {t('ha.takeAway.unplugged')}
          </button>
          <button type="button" onClick={() => setAsked(false)}>
            {t('lesson.cancel')}
          </button>
        </div>
      )}
      {outcome && <OutcomeText outcome={outcome} />}
    </div>
  );
}

/** The running (or last) drill: its timeline, bringing the node back, ending it. */
function DrillPanel({ drill, canPower, now }: { drill: HaDrill; canPower: boolean; now: number }) {
  const { t } = useT();
  const [outcome, setOutcome] = useState<LessonOutcome | null>(null);
  const seen = new Set(drill.milestones.map((m) => m.kind));
  const back = async (node: string) => {
    setOutcome(await call('lessons.run', { action: 'ha.bringBack', params: { node, how: canPower ? 'power' : 'plugged' } }));
  };
  const live = useLiveCluster();
  const downPlanes = (live?.snapshot?.nodes ?? []).filter((n) => isControlPlane(n) && !ready(n)).map((n) => n.name);
  const toBringBack = drill.kind === 'quorum' ? [...new Set([drill.node, ...downPlanes])] : [drill.node];
  const longGone = seen.has('replacements-running') && !seen.has('node-on');
  useEffect(() => setOutcome(null), [drill.id]);
  return (
    <div className="drill-panel" data-testid="ha-drill" data-drill-kind={drill.kind}>
      <DrillTimeline drill={drill} now={now} />
      {drill.phase === 'watching' && !seen.has('node-on') && (
        <div className="actions">
          <button type="button" className="primary" onClick={() => void Promise.all(toBringBack.map(back))} data-testid="ha-bring-back">
            {canPower ? t('ha.bringBack.power', { nodes: toBringBack.join(', ') }) : t('ha.bringBack.plugged', { nodes: toBringBack.join(', ') })}
          </button>
        </div>
      )}
      {drill.kind === 'quorum' && drill.phase === 'watching' && <p className="hint">{t('ha.quorum.explain')}</p>}
      {longGone && <p className="hint" data-testid="ha-never-back">{t('ha.node.neverBack', { node: drill.node })}</p>}
      {outcome && <OutcomeText outcome={outcome} />}
      {drill.phase === 'over' && (
        <p className="banner ok" role="status" data-testid="ha-drill-over">
          {t(`ha.over.${drill.kind}`, { node: drill.node })}
        </p>
      )}
      <button type="button" className={drill.phase === 'over' ? 'primary' : ''} onClick={() => void call('lessons.run', { action: 'ha.endDrill', params: {} })} data-testid="ha-end-drill">
        {drill.phase === 'over' ? t('ha.endDrill') : t('ha.stopWatching')}
      </button>
    </div>
  );
}
