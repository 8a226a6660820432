/**
 * Step 7, Rolling update and rollback: the tutorial's update to nginx 1.16.1, why it goes one pod
 * at a time here, and the rollout live (kubectl's status line, old and new ReplicaSet side by
 * side, which version the Service answers with every second, pods and events); the rollout
 * history with a one-click rollback to any revision; pause and resume; and a deliberate mistake
 * (a tag that does not exist) whose way out is a rollback.
 */
import { useEffect, useState } from 'react';
import type { KubeDeploymentView, KubeRolloutHistory, KubeViewSnapshot } from '../../../../preload/contract/kube';
import type { LessonOutcome } from '../../../../preload/contract/lessons';
import { call } from '../../api/client';
import { useT } from '../../i18n/use-t';
import { ActionPanel } from '../../lessons/ActionPanel';
import { EventList } from '../../lessons/EventList';
import { LessonFrame } from '../../lessons/LessonFrame';
import { OutcomeText } from '../../lessons/OutcomeText';
import { PodsOnNodes } from '../../lessons/PodsOnNodes';
import { RunButton } from '../../lessons/RunButton';
import { useLessons, useLiveCluster } from '../../lessons/use-lesson-state';
import { useNow } from '../../lessons/use-now';
import { ReplicaSetBars, rolloutReplicaSets } from './ReplicaSetBars';
import { VersionStrip } from './VersionStrip';
import './update.css';

const DEPLOYMENT = 'nginx-deployment';

/** kubectl's rollout status line, computed in main from the live snapshot each time the rollout moves. */
function useRolloutStatus(snapshot: KubeViewSnapshot | undefined, deployment: KubeDeploymentView | undefined) {
  const [status, setStatus] = useState<LessonOutcome['values']>(undefined);
  const pods = (snapshot?.pods ?? []).filter((p) => p.labels['app'] === 'nginx').map((p) => `${p.name}:${p.status}:${p.deletingAt ? 'x' : ''}`);
  const key = deployment ? JSON.stringify([deployment.generation, deployment.observedGeneration, deployment.status, deployment.paused, deployment.replicas, deployment.conditions.map((c) => c.reason), pods]) : '';
  useEffect(() => {
    if (!key) {
      setStatus(undefined);
      return;
    }
    let live = true;
    call('lessons.run', { action: 'update.status', params: {}, force: false }).then(
      (o) => live && setStatus(o.ok ? o.values : undefined),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [key]);
  return status;
}

/** `kubectl rollout history`, read again whenever the Deployment's revision or change-cause moves. */
function useHistory(deployment: KubeDeploymentView | undefined) {
  const [history, setHistory] = useState<KubeRolloutHistory | null>(null);
  const key = deployment ? `${deployment.revision}/${deployment.changeCause ?? ''}/${deployment.images.join(',')}/${deployment.uid}` : '';
  useEffect(() => {
    if (!key) {
      setHistory(null);
      return;
    }
    let live = true;
    call('lessons.history', { name: DEPLOYMENT, namespace: 'default' }).then(
      (h) => live && setHistory(h),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [key]);
  return history;
}

export function UpdateStep() {
  const { t } = useT();
  const live = useLiveCluster();
  const lessons = useLessons();
  const now = useNow();
  const snapshot = live?.snapshot;
  const deployment = snapshot?.deployments?.find((d) => d.name === DEPLOYMENT);
  const status = useRolloutStatus(snapshot, deployment);
  const history = useHistory(deployment);
  // The outcome of a rollback from the table (its row changes number once the rollout starts).
  const [rollback, setRollback] = useState<LessonOutcome | null>(null);
  const { current, old } = rolloutReplicaSets(snapshot, deployment);
  const nginxPods = (snapshot?.pods ?? []).filter((p) => p.labels['app'] === 'nginx');
  const service = snapshot?.services?.find((s) => s.name === 'nginx-service');
  const down = (snapshot?.nodes ?? []).filter((n) => n.ready.status !== 'True');
  const progress = lessons?.progress['update'] ?? [];
  const stalledBy = status?.['stalledBy'];
  const state = status?.['state'];
  const rsNames = new Set([current?.name, old?.name].filter(Boolean));
  const podNames = new Set(nginxPods.map((p) => p.name));

  return (
    <LessonFrame
      id="update"
      title={t('update.title')}
      intro={
        <>
          <p>{t('update.intro')}</p>
          <p>{t('update.whyOneAtATime')}</p>
        </>
      }
    >
      {down.length > 0 && (
        <p className="banner warn" data-testid="update-node-down">
          {t('update.nodeDown', { nodes: down.map((n) => n.name).join(', ') })}
        </p>
      )}
      {!deployment && <p className="banner warn">{t('update.noDeployment')}</p>}
      <ActionPanel action="update.apply" label={t('update.apply')} disabled={!deployment} testId="update-apply" refreshKey={deployment?.images.join(',')} />

      <section className="rollout-live" aria-label={t('update.liveTitle')}>
        <h3>{t('update.liveTitle')}</h3>
        {status && (
          <div className="rollout-status" role="status">
            <code className="mono" data-testid="rollout-status">
              $ kubectl rollout status deployment/{DEPLOYMENT}
              {'\n'}
              {String(status['message'])}
            </code>
            <p>{t.has(`update.state.${String(state)}`) ? t(`update.state.${String(state)}`, { updated: 0, replicas: 0, old: 0, available: 0, ...status }) : null}</p>
            {status['paused'] === 1 && <p className="banner warn">{t('update.pausedNow')}</p>}
          </div>
        )}
        <ReplicaSetBars current={current} old={old} replicas={deployment?.replicas ?? 0} />
        <VersionStrip hasService={!!service} />
      </section>

      {stalledBy && (
        <div className="banner warn stalled" role="alert" data-testid="update-stalled">
          <div>
            <p>
              <strong>{t('update.stalled.title', { status: String(stalledBy), image: String(status?.['image'] ?? '') })}</strong>
            </p>
            <p>{t('update.stalled.explain')}</p>
            <RunButton action="update.undo" label={t('update.stalled.rollback')} primary testId="update-stalled-rollback" />
          </div>
        </div>
      )}

      <PodsOnNodes nodes={snapshot?.nodes ?? []} pods={nginxPods} now={now} highlight={(p) => (current?.hash && p.podTemplateHash === current.hash ? 'new' : 'old')} />
      <p className="hint">{t('update.podsLegend')}</p>
      <EventList events={snapshot?.events ?? []} now={now} filter={(e) => e.involved.name === DEPLOYMENT || rsNames.has(e.involved.name) || podNames.has(e.involved.name) || e.involved.name.startsWith(`${DEPLOYMENT}-`)} />

      <section className="rollout-history" aria-label={t('update.historyTitle')}>
        <h3>{t('update.historyTitle')}</h3>
        <p className="hint">{t('update.historyIntro')}</p>
        {history && history.revisions.length > 0 ? (
          <table className="history-table" data-testid="rollout-history">
            <thead>
              <tr>
                <th>{t('update.history.revision')}</th>
                <th>{t('update.history.image')}</th>
                <th>{t('update.history.cause')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {history.revisions.map((r) => (
                <tr key={r.revision} data-revision={r.revision} className={r.current ? 'current' : ''}>
                  <td className="mono">{r.revision}</td>
                  <td className="mono">{r.images.join(', ')}</td>
                  <td className="mono small">{r.changeCause ?? '<none>'}</td>
                  <td>
                    {r.current ? (
                      <span className="badge">{t('update.history.current')}</span>
                    ) : (
                      <RunButton action="update.undo" params={{ toRevision: r.revision }} label={t('update.history.rollbackTo', { revision: r.revision })} disabled={deployment?.paused} showOutcome={false} onDone={setRollback} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="hint">{t('update.historyEmpty')}</p>
        )}
        {rollback && <OutcomeText outcome={rollback} scope="update" />}
        {history && (
          <details>
            <summary>{t('update.historyKubectl')}</summary>
            <pre className="log mono">{`$ kubectl rollout history deployment/${DEPLOYMENT}\n${history.text}`}</pre>
          </details>
        )}
      </section>

      <section aria-label={t('update.pauseTitle')}>
        <h3>{t('update.pauseTitle')}</h3>
        <p>{t('update.pauseIntro')}</p>
        {deployment?.paused ? (
          <ActionPanel action="update.resume" label={t('update.resume')} showYaml={false} testId="update-resume" />
        ) : (
          <ActionPanel action="update.pause" label={t('update.pause')} showYaml={false} primary={false} disabled={!deployment} testId="update-pause" />
        )}
      </section>

      <section aria-label={t('update.mistakeTitle')}>
        <h3>{t('update.mistakeTitle')}</h3>
        <p>{t('update.mistakeIntro')}</p>
        <ActionPanel action="update.badImage" label={t('update.badImage')} showYaml={false} primary={false} disabled={!deployment || deployment.paused} testId="update-bad-image" />
      </section>

      {progress.includes('updated') && progress.includes('rolled-back') && (
        <p className="banner ok" data-testid="update-done">
          {t('update.done')}
        </p>
      )}
    </LessonFrame>
  );
}
