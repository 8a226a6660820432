/**
 * Step 6, Deploy nginx: the tutorial's deployment.yaml applied with one click, every field
 * explainable; the pods moving onto the nodes live with the events in plain words; done when two
 * pods run on two different nodes; then a NodePort Service and the welcome page fetched from this
 * computer through it, with its HTTP status and nginx's Server header.
 */
import type { LessonOutcome } from '../../../../preload/contract/lessons';
import { useT } from '../../i18n/use-t';
import { ActionPanel } from '../../lessons/ActionPanel';
import { EventList } from '../../lessons/EventList';
import { LessonFrame } from '../../lessons/LessonFrame';
import { PodsOnNodes } from '../../lessons/PodsOnNodes';
import { useLessons, useLiveCluster } from '../../lessons/use-lesson-state';
import { useNow } from '../../lessons/use-now';
import { useState } from 'react';

export function DeployStep() {
  const { t } = useT();
  const live = useLiveCluster();
  const lessons = useLessons();
  const now = useNow();
  const [opened, setOpened] = useState<LessonOutcome | null>(null);
  const snapshot = live?.snapshot;
  const nginxPods = (snapshot?.pods ?? []).filter((p) => p.labels['app'] === 'nginx');
  const nodesWithNginx = new Set(nginxPods.filter((p) => p.status === 'Running' && p.node && !p.deletingAt).map((p) => p.node));
  const deployed = (snapshot?.deployments ?? []).some((d) => d.name === 'nginx-deployment');
  const service = (snapshot?.services ?? []).find((s) => s.name === 'nginx-service');
  const progress = lessons?.progress['deploy'] ?? [];
  return (
    <LessonFrame id="deploy" title={t('deploy.title')} intro={<p>{t('deploy.intro')}</p>}>
      <ActionPanel action="deploy.apply" label={deployed ? t('deploy.applyAgain') : t('deploy.apply')} testId="deploy-apply" />
      <PodsOnNodes nodes={snapshot?.nodes ?? []} pods={nginxPods} now={now} />
      <p className={nodesWithNginx.size >= 2 ? 'banner ok' : 'hint'} role="status" data-testid="deploy-goal">
        {nodesWithNginx.size >= 2 ? t('deploy.goalReached', { count: nodesWithNginx.size }) : t('deploy.goal')}
      </p>
      <EventList events={snapshot?.events ?? []} now={now} />
      <h3>{t('deploy.openTitle')}</h3>
      <p>{t('deploy.openIntro')}</p>
      <ActionPanel action="deploy.expose" label={t('deploy.expose')} disabled={!deployed} primary={!service} testId="deploy-expose" />
      {service && (
        <p className="mono" data-testid="service-line">
          {service.name} {service.type} {service.clusterIP} {service.ports.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(',')}
        </p>
      )}
      <ActionPanel action="deploy.open" label={t('deploy.open')} showYaml={false} disabled={!service} onDone={setOpened} testId="deploy-open" />
      {opened?.probe && (
        <div className="http-answer" data-testid="http-answer">
          <p>
            <strong>{opened.probe.status ? t('lesson.http.status', { status: opened.probe.status }) : t('lesson.http.failed', { error: opened.probe.error ?? '' })}</strong>
            {opened.probe.headers.server && <span className="mono"> · {t('lesson.http.server', { server: opened.probe.headers.server })}</span>}
            <span className="hint"> · {opened.values?.['url']}</span>
          </p>
          {opened.probe.body && <pre className="log page-excerpt">{opened.probe.body.slice(0, 800)}</pre>}
        </div>
      )}
      {progress.includes('opened') && <p className="banner ok">{t('deploy.next')}</p>}
    </LessonFrame>
  );
}
