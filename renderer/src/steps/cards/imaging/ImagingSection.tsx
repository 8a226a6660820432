/**
 * The imaging part of step 2, shown before the boot settings: choose Ubuntu (ImageChooser.tsx),
 * give each writable card a planned node (blank cards get the next node without a card by
 * themselves), confirm once naming each device, size and model (with the second check box for a
 * drive over 256 GiB), then follow one job (ImagingProgress.tsx). Main keeps one report per card
 * in step 2's reports list; the job is found again after a reload from the jobs main keeps for
 * this run. With only Ubuntu cards in the readers it stays folded (no list is loaded) until asked.
 */
import { useEffect, useRef, useState } from 'react';
import type { CardDrive } from '../../../../../preload/contract/cards';
import type { ImagingConfirmation, ImagingProgressView } from '../../../../../preload/contract/imaging';
import { call, onEvent } from '../../../api/client';
import { useT } from '../../../i18n/use-t';
import { useAppStore } from '../../../store/app-store';
import { ConfirmDialog } from '../../../toolkit/ConfirmDialog';
import { ImageChooser } from './ImageChooser';
import type { ChosenImage } from './ImageChooser';
import { ImagingProgress } from './ImagingProgress';
import { FailureView, failureOf } from './imaging-failure';
import type { Failure } from './imaging-failure';
import type { Choices, Target } from './imaging-model';
import { bytesText, chosenTargets, finished, imagingDrives, largeTargets, mergeChoices, nodesChosenTwice, startTargets } from './imaging-model';
import './imaging.css';

export interface ImagingSectionProps {
  drives: readonly CardDrive[];
  /** The plan's nodes in order, and whether each already has a prepared card. */
  nodes: readonly { hostname: string; prepared: boolean }[];
  /** An imaging job ended (these nodes' cards were written and configured): step 2 reloads its reports. */
  onCardsWritten(hostnames: string[]): void;
}

export function ImagingSection({ drives, nodes, onCardsWritten }: ImagingSectionProps) {
  const { t, intl } = useT();
  const practiceCards = useAppStore((s) => s.practice?.cards);
  const [image, setImage] = useState<ChosenImage>({ imageId: null, local: false });
  const [opened, setOpened] = useState(false);
  const [choices, setChoices] = useState<Choices>({});
  const decided = useRef(new Set<string>());
  const [confirm, setConfirm] = useState<{ view: ImagingConfirmation; targets: Target[]; imageId: string } | null>(null);
  const [actionError, setActionError] = useState<Failure | null>(null);
  const [pending, setPending] = useState(false);

  // The newest imaging job of this run (also after a reload) and its per-card progress.
  const job = useAppStore((s) => Object.values(s.jobs).filter((j) => j.kind === 'imaging').sort((a, b) => b.startedAt - a.startedAt)[0]);
  const [progress, setProgress] = useState<ImagingProgressView | null>(null);
  const [hidden, setHidden] = useState<string | null>(null);
  const [jobsDone, setJobsDone] = useState(0);
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
      // An event may have brought newer progress meanwhile; a finished job's own answer is final.
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
    setJobsDone((n) => n + 1);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per finished job
  }, [job?.id, job?.state]);

  /** A drive's name: a practice reader by its number (remembered after its card went back to the shelf), a real drive by the name its system gives it. */
  const readers = useRef(new Map<string, number>());
  for (const c of practiceCards ?? []) if (c.device && c.reader !== undefined) readers.current.set(c.device, c.reader);
  const driveName = (d: { device: string; description: string }) => {
    const reader = readers.current.get(d.device);
    return reader !== undefined ? t('practice.reader', { n: reader }) : d.description || d.device;
  };
  const contentText = (c: CardDrive['content']) =>
    !c ? t('cards.looking') : c.code && t.has(`cards.content.${c.code}`) ? t(`cards.content.${c.code}`, { release: '', codename: '', label: '', diskError: '', ...c.values, preparedFor: c.preparedFor ?? '' }) : c.summary;

  const writable = imagingDrives(drives);
  const targets = chosenTargets(choices, drives);
  const twice = nodesChosenTwice(targets);
  // Imaging is wanted when a card needs Ubuntu, or the user asked for it, or a job of this run is shown.
  const wanted = opened || targets.length > 0 || writable.some((d) => d.content !== null && d.content.kind !== 'ubuntu') || (!!job && job.id !== hidden);
  useEffect(() => {
    if (wanted && !opened) setOpened(true); // once shown it stays, even when the blank card is taken out
  }, [wanted, opened]);

  const ask = async () => {
    const imageId = image.imageId;
    if (!imageId) return;
    setActionError(null);
    setPending(true);
    try {
      const view = await call('imaging.confirmation', { imageId, targets: targets.map((x) => ({ device: x.drive.device, hostname: x.hostname })) });
      setConfirm({ view, targets, imageId });
    } catch (e) {
      setActionError(failureOf(e));
    } finally {
      setPending(false);
    }
  };

  const start = async () => {
    if (!confirm) return;
    // The dialog's second check box had to be ticked for any drive over 256 GiB.
    const largeConfirmed = largeTargets(confirm.targets).length > 0;
    const { imageId, targets: chosen } = confirm;
    setConfirm(null);
    setActionError(null);
    setHidden(null);
    try {
      await call('imaging.start', { imageId, targets: startTargets(chosen, largeConfirmed) });
    } catch (e) {
      setActionError(failureOf(e));
    }
  };

  const shown = progress && progress.jobId === job?.id && progress.jobId !== hidden ? progress : null;

  return (
    <section className="imaging" aria-labelledby="imaging-title">
      <h2 id="imaging-title">{t('imaging.title')}</h2>
      <p className="intro">{t('imaging.intro')}</p>
      {!wanted && (
        <p className="hint">
          {t('imaging.notNeeded')}{' '}
          <button type="button" onClick={() => setOpened(true)}>
            {t('imaging.open')}
          </button>
        </p>
      )}
      {wanted && (
        <>
          <ImageChooser running={running} refresh={jobsDone} onChange={setImage} />

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
              {t.rich('imaging.twice', { host: h })}
            </p>
          ))}
          {writable.length > 0 && targets.length === 0 && <p className="hint">{t('imaging.chooseNodes')}</p>}
          {targets.length > 0 && (
            <div className="actions imaging-actions">
              <button type="button" className="primary" disabled={running || pending || !image.imageId || twice.length > 0} onClick={() => void ask()}>
                {t('imaging.write', { count: targets.length })}
              </button>
            </div>
          )}
          {actionError && <FailureView failure={actionError} />}
        </>
      )}

      {shown && job && <ImagingProgress progress={shown} running={running} jobId={job.id} driveName={driveName} onHide={() => setHidden(shown.jobId)} />}

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
          <p>{t.rich('imaging.confirmIntro', { image: confirm.view.image.name })}</p>
          <ul className="imaging-confirm-cards">
            {confirm.view.cards.map((c) => {
              const drive = drives.find((d) => d.device === c.device);
              return (
                <li key={c.device} data-device={c.device}>
                  <strong>{t.rich('imaging.confirmCard', { host: c.hostname, drive: driveName({ device: c.device, description: c.description }), device: c.device, size: bytesText(intl, c.size) })}</strong>
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
            {image.local
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
