/**
 * A change measured while it happens: the prober starts sending requests through the Service,
 * a few seconds of "before" are recorded, the lesson action runs (update the image, move the
 * Service's selector), and the prober goes on until the Deployment has rolled out and the last
 * answers all come from the new version; then the chart and the numbers say what a user of the
 * site would have seen: how long nothing answered, and which version answered when.
 */
import { useEffect, useRef, useState } from 'react';
import type { KubeDeploymentView, KubeProbeSample } from '../../../../preload/contract/kube';
import type { LessonOutcome } from '../../../../preload/contract/lessons';
import { call } from '../../api/client';
import { useT } from '../../i18n/use-t';
import { KubectlPanel } from '../../lessons/KubectlPanel';
import { OutcomeText } from '../../lessons/OutcomeText';
import { ConfirmDialog } from '../../toolkit/ConfirmDialog';
import { AvailabilityChart } from './AvailabilityChart';
import { versionShares } from './chart-data';
import { useProbe } from './use-probe';

const answered = (s: KubeProbeSample) => s.status !== undefined && s.status < 500;

export function rolledOut(d: KubeDeploymentView | undefined): boolean {
  return !!d && d.observedGeneration >= d.generation && d.status.updated === d.replicas && d.status.replicas === d.replicas && d.status.available === d.replicas;
}

export interface MeasuredChangeProps {
  service: string;
  action: string;
  params: Record<string, string>;
  label: string;
  chartLabel: string;
  /** The nginx version every answer should come from once the change settled. */
  expect: string;
  /** The Deployment that must have rolled out (none for a Service switch). */
  deployment?: string;
  deployments: readonly KubeDeploymentView[];
  /** Lab speed (1 on real hardware): gaps are scaled back to what real Pis would show. */
  speed: number;
  disabled?: boolean;
  testId: string;
}

type Phase = 'idle' | 'before' | 'changing' | 'settling' | 'done' | 'failed';

export function MeasuredChange(props: MeasuredChangeProps) {
  const { t, intl } = useT();
  const probe = useProbe();
  const [phase, setPhase] = useState<Phase>('idle');
  const [outcome, setOutcome] = useState<LessonOutcome | null>(null);
  const [kubectl, setKubectl] = useState<string[]>([]);
  const [drift, setDrift] = useState(false);
  const deployments = useRef(props.deployments);
  deployments.current = props.deployments;
  const paramsKey = JSON.stringify(props.params);

  useEffect(() => {
    let live = true;
    call('lessons.preview', { action: props.action, params: JSON.parse(paramsKey) as Record<string, string> }).then(
      (p) => live && setKubectl(p.kubectl),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [props.action, paramsKey]);

  const settled = (samples: readonly KubeProbeSample[]) => {
    const last = samples.slice(-5);
    const fromNew = last.length === 5 && last.every((s) => answered(s) && s.nginxVersion === props.expect);
    return fromNew && (!props.deployment || rolledOut(deployments.current.find((d) => d.name === props.deployment)));
  };

  const run = async (force = false) => {
    setOutcome(null);
    setPhase('before');
    try {
      await probe.start(props.service, { ratePerSecond: 5, durationMs: 180_000 });
      await probe.until((s) => s.filter(answered).length >= 5, 30_000).catch(() => undefined);
      setPhase('changing');
      const result = await call('lessons.run', { action: props.action, params: props.params, force });
      if (!result.ok) {
        await probe.stop();
        if (result.code === 'drift') setDrift(true);
        else setOutcome(result);
        setPhase('failed');
        return;
      }
      setOutcome(result);
      setPhase('settling');
      await probe.until(settled, 170_000).catch(() => undefined);
      // A few more answers after it settled, so the chart shows the "after" too.
      let seen = -1;
      await probe
        .until((s) => {
          if (seen < 0) seen = s.length;
          return s.length >= seen + 10;
        }, 10_000)
        .catch(() => undefined);
      await probe.stop();
      setPhase('done');
    } catch (e) {
      await probe.stop();
      setOutcome({ ok: false, code: 'error', error: { code: 'SERVER_ERROR', message: (e as Error).message } } as LessonOutcome);
      setPhase('failed');
    }
  };

  const summary = probe.summary;
  const busy = phase === 'before' || phase === 'changing' || phase === 'settling';
  const gapS = (summary?.longestGapMs ?? 0) / 1000;
  return (
    <div className="measured-change" data-testid={props.testId} data-phase={phase}>
      <KubectlPanel commands={kubectl} />
      <div className="actions">
        <button type="button" className="primary" disabled={busy || props.disabled} onClick={() => void run()}>
          {busy ? t(`strategies.phase.${phase}`) : props.label}
        </button>
        {probe.target && <span className="hint mono">{t('strategies.probing', { target: probe.target })}</span>}
      </div>
      {outcome && <OutcomeText outcome={outcome} />}
      {probe.error && <p className="field-error">{probe.error}</p>}
      {(busy || probe.samples.length > 0) && <AvailabilityChart samples={probe.samples} label={props.chartLabel} testId={`${props.testId}-chart`} />}
      {phase === 'done' && summary && (
        <div className="measure-result" role="status" data-testid={`${props.testId}-result`} data-gap-ms={summary.longestGapMs} data-failed={summary.failed}>
          <p className={summary.failed > 0 ? 'banner warn' : 'banner ok'}>
            {summary.failed > 0
              ? t('strategies.result.gap', { gap: intl.formatNumber(gapS, { maximumFractionDigits: 1 }), failed: summary.failed, sent: summary.sent })
              : t('strategies.result.noGap', { sent: summary.sent })}
          </p>
          {summary.failed > 0 && props.speed > 1 && <p className="hint">{t('strategies.result.scaled', { speed: props.speed, gap: intl.formatNumber(gapS * props.speed, { maximumFractionDigits: 0 }) })}</p>}
          <p className="hint">
            {versionShares(summary.byVersion)
              .map((v) => t('strategies.result.share', { version: v.version, share: intl.formatNumber(v.share, { style: 'percent' }) }))
              .join(' · ')}
          </p>
        </div>
      )}
      {drift && (
        <ConfirmDialog
          title={t('lesson.drift.title')}
          confirmLabel={t('lesson.drift.overwrite')}
          cancelLabel={t('lesson.cancel')}
          onConfirm={() => {
            setDrift(false);
            void run(true);
          }}
          onCancel={() => setDrift(false)}
          testId="drift-confirm"
        >
          <p>{t('strategies.drift')}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
