/**
 * The node-failure drill as a timeline: each step Kubernetes took, when (in cluster time, and on
 * this computer's clock when the practice lab runs faster), upstream's own texts beside the
 * explanation, what upstream's defaults lead one to expect, and the steps still to come.
 */
import type { HaDrill, HaMilestoneKind } from '../../../../preload/contract/ha';
import { useT } from '../../i18n/use-t';

/** What a drill of each kind goes through, in order (the ones not seen yet are shown as waiting). */
const EXPECTED: Record<HaDrill['kind'], HaMilestoneKind[]> = {
  worker: ['node-off', 'node-not-ready', 'pods-not-ready', 'taint-no-schedule', 'taint-no-execute', 'pod-marked-for-deletion', 'replacement-scheduled', 'replacements-running'],
  'control-plane': ['node-off', 'api-failover', 'node-not-ready', 'taint-no-schedule', 'taint-no-execute', 'pod-marked-for-deletion', 'replacements-running'],
  quorum: ['node-off', 'api-lost'],
};
const BACK: HaMilestoneKind[] = ['node-on', 'node-ready', 'taints-removed', 'old-pods-gone'];

export function formatDuration(intl: ReturnType<typeof useT>['intl'], ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return intl.formatNumber(s, { style: 'unit', unit: 'second', unitDisplay: 'short' });
  const m = Math.floor(s / 60);
  return `${intl.formatNumber(m, { style: 'unit', unit: 'minute', unitDisplay: 'short' })} ${intl.formatNumber(s % 60, { style: 'unit', unit: 'second', unitDisplay: 'short' })}`;
}

export function DrillTimeline({ drill, now }: { drill: HaDrill; now: number }) {
  const { t, intl } = useT();
  const seen = new Set(drill.milestones.map((m) => m.kind));
  const podsRemoved = drill.podsAtRisk.length > 0 || seen.has('pod-marked-for-deletion');
  const expected = (drill.kind === 'worker' || drill.kind === 'control-plane') && !podsRemoved ? EXPECTED[drill.kind].filter((k) => !['pods-not-ready', 'pod-marked-for-deletion', 'replacement-scheduled', 'replacements-running'].includes(k)) : EXPECTED[drill.kind];
  const waiting = drill.phase === 'watching' && !seen.has('node-on') && !seen.has('eviction-cancelled') ? expected.filter((k) => !seen.has(k)) : seen.has('node-on') && drill.phase === 'watching' ? BACK.filter((k) => !seen.has(k)) : [];
  const elapsedReal = now - drill.startedAt;
  return (
    <section className="drill-timeline" aria-label={t('ha.timeline.title')} data-testid="drill-timeline" data-phase={drill.phase} data-kinds={drill.milestones.map((m) => m.kind).join(' ')}>
      <h4>{t('ha.timeline.title')}</h4>
      <p className="hint">
        {drill.phase === 'watching'
          ? t('ha.timeline.elapsed', { cluster: formatDuration(intl, elapsedReal * drill.speed), node: drill.node })
          : t('ha.timeline.over', { node: drill.node })}
        {drill.speed > 1 && <> {t('ha.timeline.speed', { speed: drill.speed })}</>}
      </p>
      <ol className="timeline">
        {drill.milestones.map((m, i) => (
          <li key={`${m.kind}-${m.subject ?? ''}-${i}`} className={`milestone milestone-${m.kind}`} data-kind={m.kind}>
            <span className="when mono">
              <span>+{formatDuration(intl, m.clusterMs)}</span>
              {drill.speed > 1 && <span className="hint small">({t('ha.timeline.real', { real: intl.formatNumber(m.realMs / 1000, { maximumFractionDigits: 1 }) })})</span>}
            </span>
            <div className="what">
              <strong>{t(`ha.milestone.${m.kind}`, { node: drill.node, subject: m.subject ?? '' })}</strong>
              {m.texts.length > 0 && (
                <ul className="upstream mono small">
                  {m.texts.map((text) => (
                    <li key={text}>{text}</li>
                  ))}
                </ul>
              )}
              <p className="hint small">{t(`ha.expect.${m.kind}`)}</p>
            </div>
          </li>
        ))}
        {waiting.map((kind) => (
          <li key={`waiting-${kind}`} className="milestone waiting" data-kind={kind} data-waiting="true">
            <span className="when mono">…</span>
            <div className="what">
              <strong>{t(`ha.milestone.${kind}`, { node: drill.node, subject: '' })}</strong>
              <p className="hint small">{t(`ha.expect.${kind}`)}</p>
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
