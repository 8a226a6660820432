/**
 * Step 8, Scale and load balancing: a replica control (0 to nodes + 2) through the Deployment's
 * /scale; past the number of nodes a pod stays Pending, its FailedScheduling event said in plain
 * words with the ways out (add a node in step 5, relax the rule or the tutorial's
 * deployment-scale.yaml, each shown as a diff before it runs); scale to zero and back; then a
 * LoadBalancer Service: MetalLB enabled with a range checked against the LAN, the EXTERNAL-IP,
 * nginx fetched through it, and which pod answered each of 20 requests.
 */
import { useEffect, useState } from 'react';
import type { KubeViewSnapshot } from '../../../../preload/contract/kube';
import { useT } from '../../i18n/use-t';
import { ActionPanel } from '../../lessons/ActionPanel';
import { EventList } from '../../lessons/EventList';
import { LessonFrame } from '../../lessons/LessonFrame';
import { PodsOnNodes } from '../../lessons/PodsOnNodes';
import { useLessons, useLiveCluster } from '../../lessons/use-lesson-state';
import { useNow } from '../../lessons/use-now';
import { useAppStore } from '../../store/app-store';
import { LoadBalancerPanel } from './LoadBalancerPanel';
import './scale.css';

const DEPLOYMENT = 'nginx-deployment';

function unschedulable(snapshot: KubeViewSnapshot | undefined) {
  return (snapshot?.pods ?? []).filter((p) => p.labels['app'] === 'nginx' && !p.node && !p.deletingAt && p.conditions.some((c) => c.type === 'PodScheduled' && c.status === 'False'));
}

export function ScaleStep() {
  const { t } = useT();
  const live = useLiveCluster();
  const lessons = useLessons();
  const now = useNow();
  const setPreferences = useAppStore((s) => s.setPreferences);
  const snapshot = live?.snapshot;
  const deployment = snapshot?.deployments?.find((d) => d.name === DEPLOYMENT);
  const nodes = snapshot?.nodes ?? [];
  const readyNodes = nodes.filter((n) => n.ready.status === 'True' && !n.unschedulable).length;
  const max = nodes.length + 2;
  const [replicas, setReplicas] = useState<number | null>(null);
  const shown = replicas ?? deployment?.replicas ?? 2;
  const nginxPods = (snapshot?.pods ?? []).filter((p) => p.labels['app'] === 'nginx');
  const pending = unschedulable(snapshot);
  const pendingNames = new Set(pending.map((p) => p.name));
  const failedScheduling = (snapshot?.events ?? []).filter((e) => e.reason === 'FailedScheduling' && pendingNames.has(e.involved.name)).sort((a, b) => (b.lastAt ?? '').localeCompare(a.lastAt ?? ''))[0];
  const quotaBlocked = (snapshot?.events ?? []).filter((e) => e.reason === 'FailedCreate' && e.involved.name.startsWith(`${DEPLOYMENT}-`) && /exceeded quota/.test(e.message)).sort((a, b) => (b.lastAt ?? '').localeCompare(a.lastAt ?? ''))[0];
  const strict = !!deployment && pending.length > 0;
  const progress = lessons?.progress['scale'] ?? [];
  const diffKey = deployment ? `${deployment.uid}/${deployment.replicas}/${deployment.images.join(',')}/${deployment.generation}` : '';
  const done = progress.includes('pending-seen') && progress.includes('pending-resolved') && progress.includes('lb-answered');

  useEffect(() => {
    // Follow the cluster when it changes replicas behind the control (another window, kubectl).
    setReplicas(null);
  }, [deployment?.replicas]);

  const waysOut = (
    <div className="ways-out">
      <div className="way">
        <h4>{t('scale.way.node.title')}</h4>
        <p>{t('scale.way.node.explain')}</p>
        <button type="button" className="link" onClick={() => void setPreferences({ currentStep: 'cluster' })} data-testid="scale-add-node">
          {t('scale.way.node.link')}
        </button>
      </div>
      <div className="way">
        <h4>{t('scale.way.relax.title')}</h4>
        <p>{t('scale.way.relax.explain')}</p>
        <ActionPanel action="scale.relax" label={t('scale.way.relax.apply')} disabled={!deployment} refreshKey={diffKey} testId="scale-relax" />
      </div>
      <div className="way">
        <h4>{t('scale.way.tutorial.title')}</h4>
        <p>{t('scale.way.tutorial.explain')}</p>
        <ActionPanel
          action="scale.tutorial"
          label={t('scale.way.tutorial.apply')}
          primary={false}
          refreshKey={diffKey}
          testId="scale-tutorial"
          confirm={{ title: t('scale.way.tutorial.confirmTitle'), body: <p>{t('scale.way.tutorial.confirmBody')}</p>, label: t('scale.way.tutorial.confirm') }}
        />
      </div>
    </div>
  );

  return (
    <LessonFrame id="scale" title={t('scale.title')} intro={<p>{t('scale.intro')}</p>}>
      {!deployment && <p className="banner warn">{t('scale.noDeployment')}</p>}
      {nodes.length > readyNodes && (
        <p className="banner warn" data-testid="scale-node-down">
          {t('scale.nodeDown', { ready: readyNodes })}
        </p>
      )}
      <section className="replica-control" aria-label={t('scale.controlTitle')}>
        <h3>{t('scale.controlTitle')}</h3>
        <label className="replica-input">
          {t('scale.replicas')}{' '}
          <input type="range" min={0} max={max} value={Math.min(shown, max)} onChange={(e) => setReplicas(Number(e.target.value))} aria-label={t('scale.replicas')} disabled={!deployment} />
          <input type="number" min={0} max={max} value={shown} onChange={(e) => setReplicas(Math.max(0, Math.min(max, Number(e.target.value) || 0)))} aria-label={t('scale.replicasNumber')} disabled={!deployment} />
        </label>
        <p className="hint">{t('scale.controlHint', { nodes: readyNodes, max })}</p>
        <ActionPanel action="scale.set" params={{ replicas: shown }} label={t('scale.setTo', { replicas: shown })} showYaml={false} disabled={!deployment || shown === deployment.replicas} testId="scale-set" />
        {deployment && (
          <p className="mono small" data-testid="scale-counts">
            {t('scale.counts', { desired: deployment.replicas, ready: deployment.status.ready, pending: pending.length })}
          </p>
        )}
        {deployment?.replicas === 0 && <p className="banner" data-testid="scale-zero">{t('scale.zero')}</p>}
      </section>

      <PodsOnNodes nodes={nodes} pods={nginxPods} now={now} />

      {quotaBlocked && (
        <div className="banner warn" role="alert" data-testid="scale-quota">
          <div>
            <p>
              <strong>{t('scale.quota.title')}</strong>
            </p>
            <p className="mono small">{quotaBlocked.message}</p>
            <p>{t('scale.quota.explain')}</p>
          </div>
        </div>
      )}

      {strict ? (
        <section className="pending-explained" aria-label={t('scale.pending.title')} data-testid="scale-pending">
          <h3>{t('scale.pending.title')}</h3>
          <p>
            <strong>{t('scale.pending.explain', { count: pending.length, nodes: readyNodes })}</strong>
          </p>
          {failedScheduling && (
            <p className="mono small event-message" data-testid="failed-scheduling">
              FailedScheduling: {failedScheduling.message}
            </p>
          )}
          <p>{t('scale.pending.words')}</p>
          <h4>{t('scale.waysOut')}</h4>
          {waysOut}
        </section>
      ) : (
        deployment && (
          <details className="ways-later">
            <summary>{t('scale.waysLater')}</summary>
            {waysOut}
          </details>
        )
      )}

      <EventList events={snapshot?.events ?? []} now={now} filter={(e) => e.involved.name === DEPLOYMENT || e.involved.name.startsWith(`${DEPLOYMENT}-`)} />

      <LoadBalancerPanel snapshot={snapshot} />

      {done && (
        <p className="banner ok" data-testid="scale-done">
          {t('scale.done')}
        </p>
      )}
    </LessonFrame>
  );
}
