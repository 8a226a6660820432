/**
 * The imaging part of step 2, shown before the boot settings: choose Ubuntu (the catalogue in use,
 * the plan's release preselected; another list or a mirror; a local file), see and clear the
 * download cache, give each writable card a planned node (blank cards get one by themselves),
 * confirm once naming each device, size and model, then follow one job: the download (bytes,
 * rate, time left, resumes) and each card's writing, reading back and boot settings, with every
 * failure worded. Main keeps one report per card (step 2's reports list); the job is found again
 * after a reload from the jobs main keeps for this run.
 */
import { useEffect, useRef, useState } from 'react';
import type { IntlShape } from 'react-intl';
import type { CardDrive } from '../../../../../preload/contract/cards';
import type { CatalogueEntryView, ImagingConfirmation, ImagingProgressView, LocalImageView } from '../../../../../preload/contract/imaging';
import { call, onEvent } from '../../../api/client';
import { useT } from '../../../i18n/use-t';
import type { T } from '../../../i18n/use-t';
import { useAppStore } from '../../../store/app-store';
import { ConfirmDialog } from '../../../toolkit/ConfirmDialog';
import { useMainState } from '../../../toolkit/use-main-state';
import type { Choices, Target } from './imaging-model';
import {
  IMAGE_FORMATS,
  bytesText,
  cardFraction,
  chosenTargets,
  durationText,
  failureWords,
  finished,
  imagingDrives,
  largeTargets,
  mergeChoices,
  nodesChosenTwice,
  rateText,
  startTargets,
} from './imaging-model';
import './imaging.css';

type Failure = { code: string; message: string; values?: Record<string, string | number> };
type Context = { url?: string; path?: string; device?: string };

/** A call's error as a failure (the code, main's English, and values when main sends them). */
function failureOf(error: unknown): Failure {
  const e = error as { code?: unknown; message?: unknown; values?: unknown };
  return {
    code: typeof e.code === 'string' ? e.code : 'FAILED',
    message: typeof e.message === 'string' ? e.message : String(error),
    ...(e.values && typeof e.values === 'object' ? { values: e.values as Record<string, string | number> } : {}),
  };
}

/** A failure in the user's words: imaging's own texts, else step 2's drive problems, else main's English. */
function wordFailure(t: T, intl: IntlShape, failure: Failure, context: Context = {}): string {
  const words = failureWords(intl, failure, context);
  if (t.has(words.key)) return t(words.key, words.values);
  if (t.has(`cards.problem.${failure.code}`)) return t(`cards.problem.${failure.code}`, { reason: '', mount: '', gb: 0, ...failure.values });
  return failure.message;
}

/** A failure worded, with main's technical message folded away under "Details". */
function FailureView({ failure, context, role = 'alert' }: { failure: Failure; context?: Context; role?: 'alert' | 'none' }) {
  const { t, intl } = useT();
  const text = wordFailure(t, intl, failure, context);
  return (
    <div className="field-error imaging-failure" role={role === 'none' ? undefined : role} data-code={failure.code}>
      <span>{text}</span>
      {failure.message && failure.message !== text && (
        <details>
          <summary>{t('imaging.details')}</summary>
          <span className="mono">{failure.message}</span>
        </details>
      )}
    </div>
  );
}

export interface ImagingSectionProps {
  drives: readonly CardDrive[];
  /** The plan's nodes in order, and whether each already has a prepared card. */
  nodes: readonly { hostname: string; prepared: boolean }[];
  /** An imaging job ended (these nodes' cards were written and configured): step 2 reloads its reports. */
  onCardsWritten(hostnames: string[]): void;
}

export function ImagingSection({ drives, nodes, onCardsWritten }: ImagingSectionProps) {
  const { t, intl } = useT();
  const host = useAppStore((s) => s.state?.host);
  const practice = useAppStore((s) => s.practice?.enabled ?? false);
  const practiceCards = useAppStore((s) => s.practice?.cards);
  const catalogueState = useMainState('imaging.catalogue', {});
  const cacheState = useMainState('imaging.cacheInfo', {});
  const catalogue = catalogueState.data;

  const [choice, setChoice] = useState<string | null>(null); // an entry id, or 'local'
  const [local, setLocal] = useState<LocalImageView | null>(null);
  const [localPath, setLocalPath] = useState('');
  const [localError, setLocalError] = useState<Failure | null>(null);
  const [listUrl, setListUrl] = useState<string | null>(null);
  const [listError, setListError] = useState<Failure | null>(null);
  const [cacheNotice, setCacheNotice] = useState<string | Failure | null>(null);
  const [choices, setChoices] = useState<Choices>({});
  const decided = useRef(new Set<string>());
  const [confirm, setConfirm] = useState<{ view: ImagingConfirmation; targets: Target[] } | null>(null);
  const [actionError, setActionError] = useState<Failure | null>(null);
  const [pending, setPending] = useState(false);

  // The newest imaging job of this run (also after a reload) and its per-card progress.
  const job = useAppStore((s) => Object.values(s.jobs).filter((j) => j.kind === 'imaging').sort((a, b) => b.startedAt - a.startedAt)[0]);
  const [progress, setProgress] = useState<ImagingProgressView | null>(null);
  const [hidden, setHidden] = useState<string | null>(null);
  const running = job?.state === 'running';
  const handled = useRef(new Set<string>());

  const nodesKey = JSON.stringify(nodes);
  useEffect(() => {
    setChoices((previous) => mergeChoices(previous, decided.current, drives, nodes));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- nodes is compared by value
  }, [drives, nodesKey]);

  useEffect(() => {
    if (!job) return;
    let live = true;
    const off = onEvent('imaging.progress', (p) => {
      if (p.jobId === job.id) setProgress(p);
    });
    void call('imaging.job', { jobId: job.id }).then(
      (p) => live && setProgress((current) => (current?.jobId === p.jobId && !finished(p) ? current : p)),
      () => undefined,
    );
    return () => {
      live = false;
      off();
    };
  }, [job?.id]); // eslint-disable-line react-hooks/exhaustive-deps -- one subscription per job

  useEffect(() => {
    if (!job || job.state === 'running' || handled.current.has(job.id)) return;
    handled.current.add(job.id);
    // The job's last word: per-card outcomes, new reports, a fuller cache.
    void call('imaging.job', { jobId: job.id }).then(
      (p) => {
        setProgress(p);
        onCardsWritten(p.cards.filter((c) => c.phase === 'done').map((c) => c.hostname));
      },
      () => onCardsWritten([]),
    );
    void cacheState.reload();
    void catalogueState.reload();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per finished job
  }, [job?.id, job?.state]);

  const entries = catalogue?.entries ?? [];
  const entryId = choice && choice !== 'local' && entries.some((e) => e.id === choice) ? choice : (catalogue?.defaultId ?? entries[0]?.id ?? null);
  const selected = choice === 'local' ? 'local' : entryId;
  const imageId = selected === 'local' ? (local?.id ?? null) : selected;
  const writable = imagingDrives(drives);
  const targets = chosenTargets(choices, drives);
  const twice = nodesChosenTwice(targets);

  const failureText = (failure: Failure, context: Context = {}) => wordFailure(t, intl, failure, context);

  /** A drive's name: a practice reader by its number (remembered after its card went back to the shelf), a real drive by the name its system gives it. */
  const readers = useRef(new Map<string, number>());
  for (const c of practiceCards ?? []) if (c.device && c.reader !== undefined) readers.current.set(c.device, c.reader);
  const driveName = (d: { device: string; description: string }) => {
    const reader = readers.current.get(d.device);
    return reader !== undefined ? t('practice.reader', { n: reader }) : d.description || d.device;
  };
  const contentText = (c: CardDrive['content']) =>
    !c ? t('cards.looking') : c.code && t.has(`cards.content.${c.code}`) ? t(`cards.content.${c.code}`, { release: '', codename: '', label: '', diskError: '', ...c.values, preparedFor: c.preparedFor ?? '' }) : c.summary;

  const applyList = async (url: string | null) => {
    setListError(null);
    setPending(true);
    try {
      catalogueState.set(await call('imaging.setCatalogueUrl', { url }));
      setChoice(null);
      if (url === null) setListUrl(null);
    } catch (e) {
      setListError(failureOf(e));
    } finally {
      setPending(false);
    }
  };

  const applyLocal = async (pick: boolean) => {
    setLocalError(null);
    setPending(true);
    try {
      const image = pick ? await call('imaging.pickLocalFile', {}) : await call('imaging.chooseLocalFile', { path: localPath.trim() });
      if (image) {
        setLocal(image);
        setLocalPath(image.path);
      }
    } catch (e) {
      setLocalError(failureOf(e));
    } finally {
      setPending(false);
    }
  };

  const clearCache = async () => {
    setCacheNotice(null);
    try {
      cacheState.set(await call('imaging.clearCache', {}));
      setCacheNotice(t('imaging.cacheCleared'));
      void catalogueState.reload();
    } catch (e) {
      setCacheNotice(failureOf(e));
    }
  };

  const ask = async () => {
    if (!imageId) return;
    setActionError(null);
    setPending(true);
    try {
      const view = await call('imaging.confirmation', { imageId, targets: targets.map((x) => ({ device: x.drive.device, hostname: x.hostname })) });
      setConfirm({ view, targets });
    } catch (e) {
      setActionError(failureOf(e));
    } finally {
      setPending(false);
    }
  };

  const start = async () => {
    if (!confirm || !imageId) return;
    // The dialog's second check box had to be ticked for any drive over 256 GiB.
    const largeConfirmed = largeTargets(confirm.targets).length > 0;
    const chosen = confirm.targets;
    setConfirm(null);
    setActionError(null);
    setHidden(null);
    try {
      await call('imaging.start', { imageId, targets: startTargets(chosen, largeConfirmed) });
    } catch (e) {
      setActionError(failureOf(e));
    }
  };

  const cache = cacheState.data;
  const entryFacts = (e: CatalogueEntryView) =>
    [
      e.releaseDate ? t('imaging.released', { date: intl.formatDate(e.releaseDate, { dateStyle: 'medium', timeZone: 'UTC' }) }) : null,
      e.downloadSize !== undefined ? t('imaging.downloadSize', { size: bytesText(intl, e.downloadSize) }) : null,
      e.extractSize !== undefined ? t('imaging.imageSize', { size: bytesText(intl, e.extractSize) }) : null,
      e.cached ? t('imaging.cached') : null,
    ]
      .filter(Boolean)
      .join(' · ');

  const shown = progress && progress.jobId === job?.id && progress.jobId !== hidden ? progress : null;
  const good = shown?.cards.filter((c) => c.phase === 'done').length ?? 0;

  return (
    <section className="imaging" aria-labelledby="imaging-title">
      <h2 id="imaging-title">{t('imaging.title')}</h2>
      <p className="intro">{t('imaging.intro')}</p>

      <fieldset className="imaging-image" disabled={running}>
        <legend>{t('imaging.image')}</legend>
        {catalogue && <p className="hint">{catalogue.source === 'custom' ? t('imaging.source.custom', { url: catalogue.url ?? '' }) : t(`imaging.source.${catalogue.source}`)}</p>}
        {!catalogue && !catalogueState.error && (
          <p className="hint" role="status">
            {t(practice ? 'imaging.loadingPractice' : 'imaging.loadingCatalogue')}
          </p>
        )}
        {catalogueState.error && <FailureView failure={failureOf(catalogueState.error)} />}
        <div role="radiogroup" aria-label={t('imaging.image')} className="imaging-entries">
          {entries.map((e) => (
            <label key={e.id} className="check imaging-entry">
              <input type="radio" name="imaging-image" value={e.id} checked={selected === e.id} onChange={() => setChoice(e.id)} />
              <span>
                <strong>{e.name}</strong> {e.id === catalogue?.defaultId && <span className="badge">{t('imaging.forPlan')}</span>}
                <br />
                <span className="hint">{entryFacts(e)}</span>
              </span>
            </label>
          ))}
          <label className="check imaging-entry">
            <input type="radio" name="imaging-image" value="local" checked={selected === 'local'} onChange={() => setChoice('local')} />
            <strong>{t('imaging.local')}</strong>
          </label>
        </div>
        {selected === 'local' && (
          <div className="imaging-local">
            <label className="field">
              <span>{t('imaging.localPath', { formats: IMAGE_FORMATS })}</span>
              <input
                type="text"
                className="mono"
                value={localPath}
                spellCheck={false}
                onChange={(e) => setLocalPath(e.target.value)}
                onKeyDown={(e) => e.key === 'Enter' && localPath.trim() && void applyLocal(false)}
                aria-invalid={localError ? true : undefined}
              />
            </label>
            <button type="button" disabled={pending || !localPath.trim()} onClick={() => void applyLocal(false)}>
              {t('imaging.localUse')}
            </button>{' '}
            {host === 'electron' && (
              <button type="button" disabled={pending} onClick={() => void applyLocal(true)}>
                {t('imaging.localPick')}
              </button>
            )}
            {local && !localError && (
              <p className="hint" data-testid="imaging-local-file">
                {t('imaging.localChosen', { name: local.name, size: bytesText(intl, local.fileBytes) })}
                {local.extractSize !== undefined && ` · ${t('imaging.localUnpacked', { size: bytesText(intl, local.extractSize) })}`}
              </p>
            )}
            {localError && <FailureView failure={localError} context={{ path: localPath.trim() }} />}
          </div>
        )}
        {(catalogue?.problems.length ?? 0) > 0 && (
          <div className="hint warn">
            {t('imaging.problems')}
            <ul>
              {catalogue!.problems.map((p) => (
                <li key={p.url}>
                  <FailureView failure={{ code: p.code, message: p.reason }} context={{ url: p.url }} role="none" />
                </li>
              ))}
            </ul>
          </div>
        )}
        <details className="imaging-list" open={catalogue?.source === 'custom' || listError !== null || (catalogueState.error !== undefined && catalogue === undefined)}>
          <summary>{t('imaging.catalogueUrl')}</summary>
          {catalogue?.source === 'practice' && <p className="hint">{t('imaging.practiceCatalogue')}</p>}
          <label className="field">
            <span>{t('imaging.catalogueUrl')}</span>
            <input
              type="url"
              className="mono"
              spellCheck={false}
              placeholder="https://…/os_list_imagingutility_v4.json"
              value={listUrl ?? (catalogue?.source === 'custom' ? (catalogue.url ?? '') : '')}
              onChange={(e) => setListUrl(e.target.value)}
              aria-invalid={listError ? true : undefined}
            />
          </label>
          <button type="button" disabled={pending || !(listUrl ?? '').trim()} onClick={() => void applyList((listUrl ?? '').trim())}>
            {t('imaging.catalogueUrlUse')}
          </button>{' '}
          {(catalogue?.source === 'custom' || catalogueState.error) && (
            <button type="button" disabled={pending} onClick={() => void applyList(null)}>
              {t('imaging.catalogueUrlReset')}
            </button>
          )}
          {listError && <FailureView failure={listError} context={{ url: (listUrl ?? '').trim() }} />}
        </details>
        {cache && (
          <div className="imaging-cache" data-testid="imaging-cache">
            <span className="hint">
              {cache.images.length > 0
                ? t('imaging.cache', { size: bytesText(intl, cache.totalBytes - cache.partialBytes), dir: cache.dir, cap: bytesText(intl, cache.capBytes) })
                : t('imaging.cacheEmpty', { dir: cache.dir, cap: bytesText(intl, cache.capBytes) })}
              {cache.partialBytes > 0 && ` ${t('imaging.cachePartial', { size: bytesText(intl, cache.partialBytes) })}`}
            </span>{' '}
            <button type="button" disabled={running || (cache.totalBytes === 0 && cache.images.length === 0)} onClick={() => void clearCache()}>
              {t('imaging.clearCache')}
            </button>
            {typeof cacheNotice === 'string' && (
              <span className="ok" role="status">
                {' '}
                {cacheNotice}
              </span>
            )}
            {cacheNotice && typeof cacheNotice === 'object' && <FailureView failure={cacheNotice} />}
          </div>
        )}
      </fieldset>

      <h3>{t('imaging.cards')}</h3>
      {writable.length === 0 && <p className="hint">{t('imaging.noCards')}</p>}
      {writable.length > 0 && (
        <table className="nodes imaging-cards" aria-label={t('imaging.cards')}>
          <thead>
            <tr>
              <th>{t('imaging.card')}</th>
              <th>{t('cards.content')}</th>
              <th>{t('imaging.node')}</th>
            </tr>
          </thead>
          <tbody>
            {writable.map((d) => (
              <tr key={d.device} data-imaging-device={d.device}>
                <td>
                  <strong>{driveName(d)}</strong> {d.practice && <span className="badge sim">{t('cards.practice')}</span>}
                  <br />
                  <span className="mono">{d.device}</span> · {bytesText(intl, d.size)}
                </td>
                <td>{contentText(d.content)}</td>
                <td>
                  <select
                    aria-label={t('imaging.nodeFor', { drive: driveName(d) })}
                    value={choices[d.device] ?? ''}
                    disabled={running}
                    onChange={(e) => {
                      decided.current.add(d.device);
                      setChoices({ ...choices, [d.device]: e.target.value });
                    }}
                  >
                    <option value="">{t('imaging.leaveAlone')}</option>
                    {nodes.map((n) => (
                      <option key={n.hostname} value={n.hostname}>
                        {n.hostname}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {twice.map((h) => (
        <p key={h} className="field-error" role="alert">
          {t('imaging.twice', { host: h })}
        </p>
      ))}
      {writable.length > 0 && targets.length === 0 && <p className="hint">{t('imaging.chooseNodes')}</p>}
      {targets.length > 0 && (
        <div className="actions imaging-actions">
          <button type="button" className="primary" disabled={running || pending || !imageId || twice.length > 0} onClick={() => void ask()}>
            {t('imaging.write', { count: targets.length })}
          </button>
        </div>
      )}
      {actionError && <FailureView failure={actionError} />}

      {shown && <ImagingProgress progress={shown} running={running} jobId={job!.id} good={good} failureText={failureText} driveName={driveName} onHide={() => setHidden(shown.jobId)} />}

      {confirm && (
        <ConfirmDialog
          title={t('imaging.confirmTitle', { count: confirm.view.cards.length })}
          check={t('imaging.confirmCheck', { count: confirm.view.cards.length })}
          {...(largeTargets(confirm.targets).length > 0
            ? { secondCheck: t('cards.confirmLargeCheck', { drives: largeTargets(confirm.targets).map((d) => `${d.device} (${bytesText(intl, d.size)})`).join(', ') }) }
            : {})}
          confirmLabel={t('imaging.confirmWrite')}
          cancelLabel={t('cards.cancel')}
          danger
          busy={!confirm.view.cards.every((c) => c.allowed)}
          onConfirm={() => void start()}
          onCancel={() => setConfirm(null)}
          testId="imaging-confirm"
        >
          <p>{t('imaging.confirmIntro', { image: confirm.view.image.name })}</p>
          <ul className="imaging-confirm-cards">
            {confirm.view.cards.map((c) => {
              const drive = drives.find((d) => d.device === c.device);
              return (
                <li key={c.device} data-device={c.device}>
                  <strong>{t('imaging.confirmCard', { host: c.hostname, drive: driveName({ device: c.device, description: c.description }), device: c.device, size: bytesText(intl, c.size) })}</strong>
                  {drive?.content && <span className="hint"> — {t('imaging.confirmNow', { content: contentText(drive.content) })}</span>}
                  {c.tooSmall && <p className="field-error">{t('imaging.confirmTooSmall', { size: bytesText(intl, confirm.view.image.extractSize) })}</p>}
                  {c.problems.map((p) => (
                    <FailureView key={p.code} failure={{ code: p.code, message: p.message }} context={{ device: c.device }} role="none" />
                  ))}
                  {c.warnings.map((w) => (
                    <p key={w.code} className="hint warn">
                      {t.has(`cards.problem.${w.code}`) ? t(`cards.problem.${w.code}`, { reason: '', mount: '', gb: 0 }) : w.message}
                    </p>
                  ))}
                </li>
              );
            })}
          </ul>
          <p className="hint">
            {selected === 'local'
              ? t('imaging.confirmLocal')
              : confirm.view.image.cached
                ? t('imaging.confirmCached')
                : t('imaging.confirmDownload', { size: bytesText(intl, confirm.view.image.downloadSize) })}
          </p>
          {confirm.view.cards.length > 1 && <p className="hint">{t('cards.batchExplained', { count: confirm.view.cards.length })}</p>}
          {!confirm.view.cards.every((c) => c.allowed) && <p className="field-error">{t('imaging.confirmNotAllowed')}</p>}
        </ConfirmDialog>
      )}
    </section>
  );
}

interface ImagingProgressProps {
  progress: ImagingProgressView;
  running: boolean;
  jobId: string;
  good: number;
  failureText(failure: Failure, context?: Context): string;
  driveName(d: { device: string; description: string }): string;
  onHide(): void;
}

/** One imaging job: the download or where the image comes from, then a row per card. */
function ImagingProgress({ progress, running, jobId, good, failureText, driveName, onHide }: ImagingProgressProps) {
  const { t, intl } = useT();
  const cancel = useAppStore((s) => s.cancelJob);
  const download = progress.download;
  const over = finished(progress) || !running;
  return (
    <div className="imaging-progress" role="region" aria-label={t('imaging.progressTitle', { image: progress.image.name })} data-phase={progress.phase}>
      <div className="imaging-progress-head">
        <strong>{t('imaging.progressTitle', { image: progress.image.name })}</strong>
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
                  {c.error && <div className="field-error">{failureText(c.error, { device: c.device })}</div>}
                  {c.error && c.error.message && (
                    <details>
                      <summary>{t('imaging.details')}</summary>
                      <span className="mono">{c.error.message}</span>
                    </details>
                  )}
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
