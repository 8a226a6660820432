/**
 * One imaging job as it runs and after: where the image comes from (one download with bytes, rate,
 * time left, resumes after broken connections; the cache; a local file), then one row per card
 * with its stage (writing, reading back, boot settings), progress and outcome, each failure worded.
 */
import type { ImagingProgressView } from '../../../../../preload/contract/imaging';
import { useT } from '../../../i18n/use-t';
import { useAppStore } from '../../../store/app-store';
import { FailureView } from './imaging-failure';
import { bytesText, cardFraction, durationText, finished, rateText } from './imaging-model';

export interface ImagingProgressProps {
  progress: ImagingProgressView;
  running: boolean;
  jobId: string;
  driveName(d: { device: string; description: string }): string;
  onHide(): void;
}

/** One imaging job: the download or where the image comes from, then a row per card. */
export function ImagingProgress({ progress, running, jobId, driveName, onHide }: ImagingProgressProps) {
  const { t, intl } = useT();
  const cancel = useAppStore((s) => s.cancelJob);
  const download = progress.download;
  const over = finished(progress) || !running;
  const good = progress.cards.filter((c) => c.phase === 'done').length;
  return (
    <div className="imaging-progress" role="region" aria-labelledby={`imaging-progress-${jobId}`} data-phase={progress.phase}>
      <div className="imaging-progress-head">
        <strong id={`imaging-progress-${jobId}`}>{t.rich('imaging.progressTitle', { image: progress.image.name })}</strong>
        <span className="job-phase" data-testid="imaging-phase">
          {t(`imaging.phase.${progress.phase}`)}
        </span>
        {running && (
          <button type="button" onClick={() => void cancel(jobId)}>
            {t('imaging.cancel')}
          </button>
        )}
        {over && (
          <button type="button" onClick={onHide}>
            {t('imaging.dismiss')}
          </button>
        )}
      </div>
      {progress.source === 'cache' && <p className="hint">{t('imaging.fromCache')}</p>}
      {progress.source === 'local' && <p className="hint">{t('imaging.fromLocal')}</p>}
      {download && (
        <div className="imaging-download" data-testid="imaging-download">
          <progress max={1} value={download.total ? Math.min(1, download.bytes / download.total) : undefined} aria-label={t('imaging.phase.downloading')} />
          <span>
            {[
              download.total ? t('imaging.downloaded', { bytes: bytesText(intl, download.bytes), total: bytesText(intl, download.total) }) : t('imaging.downloadedSoFar', { bytes: bytesText(intl, download.bytes) }),
              download.bytesPerSecond > 0 && download.bytes !== download.total ? t('imaging.rate', { rate: rateText(intl, download.bytesPerSecond) }) : null,
              download.secondsLeft !== null && download.bytes !== download.total ? t('imaging.timeLeft', { time: durationText(intl, download.secondsLeft) }) : null,
            ]
              .filter(Boolean)
              .join(' · ')}
          </span>
          {download.resumedFrom > 0 && (
            <p className="hint" role="status">
              {t('imaging.resumed', { bytes: bytesText(intl, download.resumedFrom) })}
            </p>
          )}
          {download.retries > 0 && (
            <p className="hint warn" role="status">
              {t('imaging.retries', { count: download.retries })}
            </p>
          )}
        </div>
      )}
      <table className="nodes imaging-card-progress" aria-label={t('imaging.progress')}>
        <thead>
          <tr>
            <th>{t('imaging.node')}</th>
            <th>{t('imaging.card')}</th>
            <th>{t('imaging.stage')}</th>
            <th>{t('imaging.progress')}</th>
          </tr>
        </thead>
        <tbody>
          {progress.cards.map((c) => {
            const fraction = cardFraction(c);
            const moving = c.phase === 'writing' || c.phase === 'verifying';
            return (
              <tr key={c.device} data-imaging-card={c.hostname} data-phase={c.phase}>
                <td className="mono nowrap">{c.hostname}</td>
                <td>
                  {driveName(c)} <span className="mono">{c.device}</span> · {bytesText(intl, c.size)}
                </td>
                <td data-testid={`imaging-card-${c.hostname}`}>
                  {t(`imaging.cardPhase.${c.phase}`)}
                  {c.error && <FailureView failure={c.error} context={{ device: c.device }} role="none" />}
                </td>
                <td className="imaging-bar">
                  <progress max={1} value={fraction ?? undefined} aria-label={`${c.hostname}: ${t(`imaging.cardPhase.${c.phase}`)}`} />
                  {moving && (
                    <span className="hint">
                      {[
                        t('imaging.cardBytes', { bytes: bytesText(intl, c.bytes), total: bytesText(intl, c.total) }),
                        c.bytesPerSecond > 0 ? rateText(intl, c.bytesPerSecond) : null,
                        c.secondsLeft !== null ? t('imaging.timeLeft', { time: durationText(intl, c.secondsLeft) }) : null,
                      ]
                        .filter(Boolean)
                        .join(' · ')}
                    </span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {over && (
        <p className={good > 0 ? 'banner ok' : 'banner'} role="status" data-testid="imaging-summary">
          {t('imaging.summary', { good, count: progress.cards.length })} {good > 0 && t('imaging.summaryNext')}
        </p>
      )}
    </div>
  );
}
