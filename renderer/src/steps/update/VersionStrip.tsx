/**
 * Which nginx version the Service answers with, sampled every second while the lesson is open
 * (through step 6's Service, as a browser on this computer would ask): one cell per request,
 * coloured by the version in nginx's Server header, red when nothing answered. During a rolling
 * update both versions answer for a while, and no cell is red.
 */
import { useEffect } from 'react';
import { useT } from '../../i18n/use-t';
import { useProbe } from '../../lessons/use-probe';

const SHOWN = 60;
/** The tutorial's two versions keep their colours (old grey, new blue) whichever is on screen. */
const colour = (version: string) => (version === '1.14.2' ? 'v0' : version === '1.16.1' ? 'v1' : 'v2');

export function VersionStrip({ hasService }: { hasService: boolean }) {
  const { t, intl } = useT();
  const probe = useProbe(SHOWN);
  const { start, stop } = probe;
  useEffect(() => {
    if (!hasService) return;
    void start({ service: 'nginx-service', namespace: 'default', ratePerSecond: 1, durationMs: 10 * 60_000, path: '/' });
    return () => stop();
  }, [hasService, start, stop]);
  const versions = new Map<string, number>();
  let failed = 0;
  for (const s of probe.samples) {
    if (s.status === 200 && s.nginxVersion) versions.set(s.nginxVersion, (versions.get(s.nginxVersion) ?? 0) + 1);
    else failed++;
  }
  const palette = [...versions.keys()].sort();
  return (
    <section className="version-strip" aria-label={t('update.versions.title')} data-testid="version-strip">
      <h4>{t('update.versions.title')}</h4>
      {!hasService ? (
        <p className="hint">{t('update.versions.noService')}</p>
      ) : (
        <>
          <p className="hint">{t('update.versions.intro', { target: probe.target ?? 'nginx-service' })}</p>
          <div className="version-cells" role="img" aria-label={t('update.versions.summary', { count: probe.samples.length, failed })}>
            {probe.samples.map((s, i) => (
              <span
                key={`${s.t}-${i}`}
                className={`version-cell ${s.status === 200 && s.nginxVersion ? colour(s.nginxVersion) : 'failed'}`}
                title={`${intl.formatNumber(s.t / 1000, { maximumFractionDigits: 0 })} s: ${s.status === 200 ? `nginx/${s.nginxVersion ?? '?'}` : (s.error ?? String(s.status ?? ''))}`}
              />
            ))}
          </div>
          <ul className="version-legend">
            {palette.map((v) => (
              <li key={v} data-version={v}>
                <span className={`version-cell ${colour(v)}`} /> {t('update.versions.answered', { version: v, count: versions.get(v) ?? 0 })}
              </li>
            ))}
            <li data-testid="version-failures">{failed === 0 ? t('update.versions.noGap', { count: probe.samples.length }) : t('update.versions.failed', { count: failed, gap: intl.formatNumber((probe.summary?.longestGapMs ?? 0) / 1000, { maximumFractionDigits: 1 }) })}</li>
          </ul>
          {probe.error && <p className="field-error">{probe.error}</p>}
          {!probe.running && (
            <button type="button" className="small" onClick={() => void start({ service: 'nginx-service', namespace: 'default', ratePerSecond: 1, durationMs: 10 * 60_000, path: '/' })}>
              {t('update.versions.again')}
            </button>
          )}
        </>
      )}
    </section>
  );
}
