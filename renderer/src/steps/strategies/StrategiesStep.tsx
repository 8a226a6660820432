/**
 * Step 11, Strategies, measured: the same change (nginx 1.14.2 → 1.16.1) four ways, each on its
 * own Deployment and NodePort Service, each measured from this computer while it happens:
 * Recreate (a gap, in seconds), RollingUpdate (none), blue/green (the Service's selector moved in
 * one step, and back as the rollback) and a canary (one new pod beside three old ones, and the
 * share of answers it gets). The practice lab's speed is shown, since it shortens every gap.
 */
import { useMemo } from 'react';
import type { KubePodView } from '../../../../preload/contract/kube';
import { call } from '../../api/client';
import { useT } from '../../i18n/use-t';
import { ActionPanel } from '../../lessons/ActionPanel';
import { EventList } from '../../lessons/EventList';
import { LessonFrame } from '../../lessons/LessonFrame';
import { PodsOnNodes } from '../../lessons/PodsOnNodes';
import { useLiveCluster } from '../../lessons/use-lesson-state';
import { useNow } from '../../lessons/use-now';
import { useMainState } from '../../toolkit/use-main-state';
import { AvailabilityChart } from './AvailabilityChart';
import { versionShares } from './chart-data';
import { MeasuredChange, rolledOut } from './MeasuredChange';
import { useProbe } from './use-probe';
import './strategies.css';

const OLD = '1.14.2';
const NEW = '1.16.1';
const APPS = ['strategy-recreate', 'strategy-rolling', 'strategy-bluegreen', 'strategy-web'];
const versionOf = (images: readonly string[]) => /:([^:@]+)$/.exec(images[0] ?? '')?.[1];

export function StrategiesStep() {
  const { t } = useT();
  const live = useLiveCluster();
  const practice = useMainState('practice.get', {}, 'practice.changed').data;
  const now = useNow();
  const snapshot = live?.snapshot;
  const nodes = snapshot?.nodes ?? [];
  const pods = snapshot?.pods ?? [];
  const deployments = snapshot?.deployments ?? [];
  const services = snapshot?.services ?? [];
  const speed = practice?.enabled ? practice.speed : 1;
  const deployment = (name: string) => deployments.find((d) => d.name === name);
  const podsOf = (app: string) => pods.filter((p) => p.labels['app'] === app);
  const byVersion = (p: KubePodView) => (p.images.some((i) => i.endsWith(`:${NEW}`)) ? 'new' : 'old');

  const recreate = deployment('strategy-recreate');
  const rolling = deployment('strategy-rolling');
  const blue = deployment('nginx-blue');
  const green = deployment('nginx-green');
  const main = deployment('strategy-web');
  const canary = deployment('strategy-web-canary');
  const bgService = services.find((s) => s.name === 'strategy-bluegreen');
  const selected = bgService?.selector['version'];
  const strategyObjects = useMemo(() => new Set(['strategy-recreate', 'strategy-rolling', 'nginx-blue', 'nginx-green', 'strategy-web', 'strategy-web-canary', 'strategy-bluegreen']), []);

  return (
    <LessonFrame id="strategies" title={t('strategies.title')} intro={<p>{t('strategies.intro')}</p>}>
      {practice?.enabled && (
        <p className={speed > 1 ? 'banner warn' : 'hint'} data-testid="lab-speed">
          {speed > 1 ? t('strategies.labSpeed', { speed }) : t('strategies.labRealSpeed')}
          {speed > 1 && (
            <button type="button" onClick={() => void call('practice.setSpeed', { speed: 1 })}>
              {t('strategies.realSpeed')}
            </button>
          )}
        </p>
      )}

      <section className="strategy" aria-labelledby="strategy-recreate">
        <h3 id="strategy-recreate">{t('strategies.recreate.title')}</h3>
        <p>{t('strategies.recreate.intro')}</p>
        <ActionPanel action="strategies.deploy" params={{ way: 'recreate' }} label={recreate ? t('strategies.deployAgain') : t('strategies.recreate.deploy')} primary={!recreate} testId="strategies-recreate-deploy" />
        <PodsOnNodes nodes={nodes} pods={podsOf('strategy-recreate')} now={now} highlight={byVersion} />
        <MeasuredChange
          service="strategy-recreate"
          action="strategies.update"
          params={{ way: 'recreate', version: NEW }}
          expect={NEW}
          deployment="strategy-recreate"
          deployments={deployments}
          speed={speed}
          label={t('strategies.measureUpdate', { from: OLD, to: NEW })}
          chartLabel={t('strategies.recreate.chart')}
          disabled={!rolledOut(recreate) || versionOf(recreate?.images ?? []) !== OLD}
          testId="strategies-recreate-measure"
        />
        {recreate && versionOf(recreate.images) === NEW && (
          <ActionPanel action="strategies.update" params={{ way: 'recreate', version: OLD }} label={t('strategies.backTo', { version: OLD })} showYaml={false} primary={false} testId="strategies-recreate-back" />
        )}
      </section>

      <section className="strategy" aria-labelledby="strategy-rolling">
        <h3 id="strategy-rolling">{t('strategies.rolling.title')}</h3>
        <p>{t('strategies.rolling.intro')}</p>
        <ActionPanel action="strategies.deploy" params={{ way: 'rolling' }} label={rolling ? t('strategies.deployAgain') : t('strategies.rolling.deploy')} primary={!rolling} testId="strategies-rolling-deploy" />
        <PodsOnNodes nodes={nodes} pods={podsOf('strategy-rolling')} now={now} highlight={byVersion} />
        <MeasuredChange
          service="strategy-rolling"
          action="strategies.update"
          params={{ way: 'rolling', version: NEW }}
          expect={NEW}
          deployment="strategy-rolling"
          deployments={deployments}
          speed={speed}
          label={t('strategies.measureUpdate', { from: OLD, to: NEW })}
          chartLabel={t('strategies.rolling.chart')}
          disabled={!rolledOut(rolling) || versionOf(rolling?.images ?? []) !== OLD}
          testId="strategies-rolling-measure"
        />
        {rolling && versionOf(rolling.images) === NEW && (
          <ActionPanel action="strategies.update" params={{ way: 'rolling', version: OLD }} label={t('strategies.backTo', { version: OLD })} showYaml={false} primary={false} testId="strategies-rolling-back" />
        )}
      </section>

      <section className="strategy" aria-labelledby="strategy-bluegreen">
        <h3 id="strategy-bluegreen">{t('strategies.bluegreen.title')}</h3>
        <p>{t('strategies.bluegreen.intro')}</p>
        <ActionPanel action="strategies.deploy" params={{ way: 'bluegreen' }} label={blue ? t('strategies.deployAgain') : t('strategies.bluegreen.deployBlue')} primary={!blue} testId="strategies-blue-deploy" />
        <ActionPanel action="strategies.green" label={t('strategies.bluegreen.deployGreen')} disabled={!blue} primary={!!blue && !green} testId="strategies-green-deploy" />
        <PodsOnNodes nodes={nodes} pods={podsOf('strategy-bluegreen')} now={now} highlight={(p) => (p.labels['version'] === selected ? 'selected' : byVersion(p))} />
        {bgService && (
          <p className="mono" data-testid="bluegreen-selector">
            {t('strategies.bluegreen.selector', { selector: Object.entries(bgService.selector).map(([k, v]) => `${k}=${v}`).join(',') })}
          </p>
        )}
        <MeasuredChange
          service="strategy-bluegreen"
          action="strategies.switch"
          params={{ to: 'green' }}
          expect={NEW}
          deployments={deployments}
          speed={speed}
          label={t('strategies.bluegreen.switch')}
          chartLabel={t('strategies.bluegreen.chart')}
          disabled={!rolledOut(blue) || !rolledOut(green) || selected !== 'blue'}
          testId="strategies-switch-green"
        />
        <MeasuredChange
          service="strategy-bluegreen"
          action="strategies.switch"
          params={{ to: 'blue' }}
          expect={OLD}
          deployments={deployments}
          speed={speed}
          label={t('strategies.bluegreen.rollback')}
          chartLabel={t('strategies.bluegreen.rollbackChart')}
          disabled={!rolledOut(blue) || selected !== 'green'}
          testId="strategies-switch-blue"
        />
      </section>

      <section className="strategy" aria-labelledby="strategy-canary">
        <h3 id="strategy-canary">{t('strategies.canary.title')}</h3>
        <p>{t('strategies.canary.intro')}</p>
        <ActionPanel action="strategies.deploy" params={{ way: 'canary' }} label={main ? t('strategies.deployAgain') : t('strategies.canary.deployMain')} primary={!main} testId="strategies-canary-main" />
        <ActionPanel action="strategies.canary" label={t('strategies.canary.deployCanary')} disabled={!main} primary={!!main && !canary} testId="strategies-canary-deploy" />
        <PodsOnNodes nodes={nodes} pods={podsOf('strategy-web')} now={now} highlight={byVersion} />
        <ShareMeasure disabled={!rolledOut(main)} canary={rolledOut(canary)} />
        {canary && (
          <div className="actions-row">
            <ActionPanel action="strategies.canaryRemove" label={t('strategies.canary.remove')} showYaml={false} primary={false} testId="strategies-canary-remove" />
            <ActionPanel action="strategies.promote" label={t('strategies.canary.promote')} showYaml={false} primary={false} testId="strategies-canary-promote" />
          </div>
        )}
      </section>

      <EventList
        events={snapshot?.events ?? []}
        now={now}
        filter={(e) => strategyObjects.has(e.involved.name) || APPS.some((a) => e.involved.name.startsWith(`${a}-`)) || e.involved.name.startsWith('nginx-blue-') || e.involved.name.startsWith('nginx-green-')}
      />
      <p className="hint">{t('strategies.summary')}</p>
    </LessonFrame>
  );
}

/** Ten seconds of requests through the canary's Service: which share each version answered. */
function ShareMeasure({ disabled, canary }: { disabled: boolean; canary: boolean }) {
  const { t, intl } = useT();
  const probe = useProbe();
  const shares = probe.summary ? versionShares(probe.summary.byVersion) : [];
  return (
    <div className="measured-change" data-testid="strategies-canary-measure" data-phase={probe.running ? 'measuring' : probe.summary ? 'done' : 'idle'}>
      <div className="actions">
        <button type="button" className={canary ? 'primary' : ''} disabled={disabled || probe.running} onClick={() => void probe.start('strategy-web', { ratePerSecond: 5, durationMs: 10_000 }).catch(() => undefined)}>
          {probe.running ? t('strategies.phase.measuring') : t('strategies.canary.measure')}
        </button>
        {probe.target && <span className="hint mono">{t('strategies.probing', { target: probe.target })}</span>}
      </div>
      {probe.error && <p className="field-error">{probe.error}</p>}
      {probe.samples.length > 0 && <AvailabilityChart samples={probe.samples} label={t('strategies.canary.chart')} testId="strategies-canary-chart" />}
      {!probe.running && probe.summary && (
        <div role="status" data-testid="strategies-canary-result">
          <ul className="share-bars">
            {shares.map((s) => (
              <li key={s.version} data-version={s.version} data-share={s.share.toFixed(3)}>
                <span className="mono">nginx {s.version}</span>
                <span className="share-bar" style={{ width: `${Math.round(s.share * 100)}%` }} data-new={s.version === NEW} />
                <span>{t('strategies.result.shareCount', { share: intl.formatNumber(s.share, { style: 'percent' }), count: s.count })}</span>
              </li>
            ))}
          </ul>
          <p className="hint">{canary ? t('strategies.canary.expected') : t('strategies.canary.noCanary')}</p>
        </div>
      )}
    </div>
  );
}
