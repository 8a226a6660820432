/**
 * Step 2: prepare one SD card per node. Shows the plan's nodes and whether each card is ready,
 * the cards in this computer (live: inserting or pulling a card shows at once) with what is on
 * them, and writes a node's card only after a confirmation that names the drive. "Prepare all"
 * writes every inserted Ubuntu card at once when several readers hold one (one confirmation
 * listing each node and drive), otherwise walks the nodes in order, asking for each card.
 * Blank cards get Ubuntu first in the imaging part above (imaging/ImagingSection.tsx).
 */
import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import type { CardDrive, CardReport } from '../../../../preload/contract/cards';
import type { ErrorBody } from '../../../../preload/contract/errors';
import { call, errorBodyOf } from '../../api/client';
import { ErrorMessage } from '../../errors/ErrorMessage';
import { useT } from '../../i18n/use-t';
import { JobFailure } from '../../jobs/JobFailure';
import { useAppStore } from '../../store/app-store';
import { ConfirmDialog } from '../../toolkit/ConfirmDialog';
import { useMainState } from '../../toolkit/use-main-state';
import { ImagingSection } from './imaging/ImagingSection';
import { batchAssignments, formatBytes, largeDrives, nextNode, nodeRows, prepareParams, reportsExport, suggestedDrive, targetDrives } from './card-step-model';
import type { Assignment } from './card-step-model';

type Running = { host: string; jobId: string };

export function CardsStep() {
  const plan = useAppStore((s) => s.state?.plan ?? null);
  const jobs = useAppStore((s) => s.jobs);
  const practiceCards = useAppStore((s) => s.practice?.cards ?? []);
  const { t, intl } = useT();
  const drives: CardDrive[] = useMainState('cards.listDrives', {}, 'cards.drives').data?.drives ?? [];
  const reportsState = useMainState('cards.reports', {});
  const reports: CardReport[] = reportsState.data?.reports ?? [];
  const [target, setTarget] = useState<string | null>(null);
  const [batch, setBatch] = useState(false);
  const [confirm, setConfirm] = useState<Assignment[] | null>(null);
  const [running, setRunning] = useState<Running[]>([]);
  /** What the last action did: texts for what went well, errors (worded by key) for each card that failed. */
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: ReactNode[]; errors?: { host?: string; error: ErrorBody }[] } | null>(null);

  const rows = plan ? nodeRows(plan.nodes, reports) : [];
  const busy = running.length > 0;
  const finished = busy && running.every((r) => jobs[r.jobId] && jobs[r.jobId]!.state !== 'running');

  useEffect(() => {
    if (!finished) return;
    const results = running.map((r) => ({ ...r, job: jobs[r.jobId]! }));
    setRunning([]);
    void call('cards.reports', {}).then((r) => {
      reportsState.set(r);
      const failed = results.filter((x) => x.job.state !== 'succeeded');
      const texts = results
        .filter((x) => x.job.state === 'succeeded')
        .map((x) => t.rich('cards.done', { host: x.host, eject: ejectText(r.reports.find((rep) => rep.hostname === x.host)?.eject) }));
      const errors = failed.map((x) => ({ host: x.host, error: x.job.error ?? { code: x.job.state === 'cancelled' ? 'CANCELLED' : 'FAILED', message: x.job.state } }));
      setNotice({ kind: failed.length > 0 ? 'error' : 'ok', text: texts, errors });
      const next = batch ? nextNode(nodeRows(plan?.nodes ?? [], r.reports)) : undefined;
      setTarget(next?.hostname ?? null);
      if (!next) setBatch(false);
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- runs once per finished batch
  }, [finished]);

  /** Main sends codes and values; the words are the catalogue's (main's English only where it has none). */
  const noticeText = (n: { code: string; message: string; values?: Record<string, string | number> }) =>
    t.has(`cards.problem.${n.code}`) ? t.rich(`cards.problem.${n.code}`, { reason: '', mount: '', gb: 0, kind: '', ...n.values }) : n.message;
  const contentText = (c: CardDrive['content'] & object) =>
    c.code && t.has(`cards.content.${c.code}`) ? t.rich(`cards.content.${c.code}`, { release: '', codename: '', label: '', diskError: '', ...c.values, preparedFor: c.preparedFor ?? '' }) : c.summary;
  /** A drive's name: a practice reader by its number (in the user's words), a real drive by the name its system gives it. */
  const readerOf = (device: string) => practiceCards.find((c) => c.device === device)?.reader;
  const driveText = (d: { device: string; description: string }) => {
    const n = readerOf(d.device);
    return n !== undefined ? t('practice.reader', { n }) : d.description || d.device;
  };
  const driveName = (d: { device: string; description: string }) => (readerOf(d.device) !== undefined ? driveText(d) : <span className="mono">{d.description || d.device}</span>);
  const ejectText = (e?: { ejected: boolean; message: string; code?: string; values?: Record<string, string | number> }) =>
    !e ? '' : e.code && t.has(`cards.eject.${e.code}`) ? t(`cards.eject.${e.code}`, e.values) : e.message;

  if (!plan) {
    return (
      <section className="cards" aria-labelledby="cards-title">
        <h1 id="cards-title">{t.rich('cards.title')}</h1>
        <p className="banner warn">{t.rich('cards.noPlan')}</p>
      </section>
    );
  }

  const offered = targetDrives(drives);
  const refused = drives.filter((d) => !d.offered);
  const suggestion = target ? suggestedDrive(drives, target) : undefined;

  const parallel = batchAssignments(rows, drives);
  const startBatch = () => {
    setBatch(true);
    setNotice(null);
    if (parallel.length >= 2) {
      setTarget(null);
      setConfirm(parallel);
    } else {
      setTarget(nextNode(rows)?.hostname ?? null);
    }
  };

  const write = async () => {
    if (!confirm) return;
    const assignments = confirm;
    // The dialog's second check box had to be ticked for any drive over 256 GiB.
    const largeConfirmed = largeDrives(assignments).length > 0;
    setConfirm(null);
    setNotice(null);
    const started: Running[] = [];
    const errors: { host: string; error: ErrorBody }[] = [];
    for (const assignment of assignments) {
      const { hostname } = assignment;
      try {
        const { jobId } = await call('cards.prepare', prepareParams(assignment, largeConfirmed));
        started.push({ host: hostname, jobId });
      } catch (e) {
        errors.push({ host: hostname, error: errorBodyOf(e) });
      }
    }
    setRunning(started);
    if (errors.length > 0) setNotice({ kind: 'error', text: [], errors });
  };

  const eject = async (device: string) => {
    try {
      const result = await call('cards.eject', { device });
      setNotice({ kind: result.ejected ? 'ok' : 'error', text: [ejectText(result)] });
    } catch (e) {
      setNotice({ kind: 'error', text: [], errors: [{ error: errorBodyOf(e) }] });
    }
  };

  const download = () => {
    const file = reportsExport(plan.clusterName, reports);
    const url = URL.createObjectURL(new Blob([file.text], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = file.filename;
    a.click();
    URL.revokeObjectURL(url);
  };

  return (
    <section className="cards" aria-labelledby="cards-title">
      <h1 id="cards-title">{t.rich('cards.title')}</h1>
      <p className="intro">{t.rich('cards.intro')}</p>

      <ImagingSection
        drives={drives}
        nodes={rows.map((r) => ({ hostname: r.hostname, prepared: !!r.report }))}
        onCardsWritten={(hosts) => {
          void reportsState.reload();
          // A node waiting for its card got it from imaging.
          if (target && hosts.includes(target)) setTarget(null);
        }}
      />

      <h2>{t.rich('cards.nodes')}</h2>
      <table className="nodes" aria-label={t('cards.nodes')}>
        <thead>
          <tr>
            <th>{t.rich('cards.node')}</th>
            <th>{t.rich('cards.role')}</th>
            <th>{t.rich('cards.status')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.hostname} data-node={row.hostname} aria-current={target === row.hostname ? 'step' : undefined}>
              <td className="mono">{row.hostname}</td>
              <td>{t.rich(row.role === 'control-plane' ? 'role.control-plane' : 'role.worker')}</td>
              <td data-testid={`card-status-${row.hostname}`}>
                {row.report ? t('cards.ready', { release: row.report.release, time: intl.formatDate(row.report.finishedAt, { dateStyle: 'medium', timeStyle: 'short' }) }) : t('cards.notReady')}
              </td>
              <td>
                <button type="button" disabled={busy} onClick={() => (setTarget(row.hostname), setBatch(false), setNotice(null))}>
                  {row.report ? t('cards.prepareAgain') : t('cards.prepare')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions">
        <button type="button" className="primary" disabled={busy || !nextNode(rows)} onClick={startBatch}>
          {t.rich('cards.prepareAll')}
        </button>
      </div>

      {notice && (
        <div className={notice.kind === 'ok' ? 'banner ok' : 'banner error'} role={notice.kind === 'ok' ? 'status' : 'alert'} data-testid="cards-notice">
          {notice.errors?.map((e, i) => (
            <p key={`e${i}`}>
              {e.host && <span className="mono">{e.host}: </span>}
              <ErrorMessage error={e.error} role="none" className="" />
            </p>
          ))}
          {notice.text.map((text, i) => (
            <span key={`t${i}`}>{text} </span>
          ))}
        </div>
      )}
      {/* After a reload the step no longer tracks its jobs: the last card job that failed still shows here. */}
      {!busy && !notice && <JobFailure kinds={['prepare-card']} bySubject />}
      {running.map((r) => (
        <div key={r.jobId} role="status" className="banner">
          <span>{t.rich('cards.writing', { host: r.host })}</span>
          <progress max={1} value={jobs[r.jobId]?.progress ?? undefined} aria-label={t('cards.writing', { host: r.host })} />
        </div>
      ))}
      {!busy && target && (
        <p className="banner" role="status">
          {batch ? t.rich('cards.guided', { host: target, done: rows.filter((r) => r.report).length + 1, count: rows.length }) : t.rich('cards.nextCard', { host: target })}
          {/* "Prepare all" was pressed before the cards showed up: once several can be written, offer that again. */}
          {batch && !confirm && parallel.length >= 2 && (
            <>
              {' '}
              <button type="button" onClick={startBatch}>
                {t.rich('cards.writeAllNow', { count: parallel.length })}
              </button>
            </>
          )}
        </p>
      )}
      {!busy && !target && rows.length > 0 && !nextNode(rows) && <p className="banner ok">{t.rich('cards.allReady')}</p>}

      <h2>{t.rich('cards.drives')}</h2>
      {offered.length === 0 && <p className="hint">{t.rich('cards.noDrives')}</p>}
      <ul className="drives" aria-label={t('cards.drives')}>
        {offered.map((d) => (
          <li key={d.device} className={`drive ${d.device === suggestion?.device ? 'suggested' : ''}`} data-device={d.device}>
            <div>
              <strong>{driveName(d)}</strong> {d.practice && <span className="badge sim">{t.rich('cards.practice')}</span>}
              <span className="mono"> {d.device}</span> · {formatBytes(d.size)} · {t.rich('cards.bus', { bus: d.busType })} ·{' '}
              {d.mountpoints.length > 0 ? t('cards.mountedAt', { paths: d.mountpoints.map((m) => m.path).join(', ') }) : t('cards.notMounted')}
            </div>
            <div>
              {t.rich('cards.content')}: {d.content ? contentText(d.content) : t('cards.looking')}
            </div>
            {d.problems.map((p) => (
              <p key={p.code} className="field-error">
                {noticeText(p)}
              </p>
            ))}
            {d.warnings.map((w) => (
              <p key={w.code} className="hint warn">
                {noticeText(w)}
              </p>
            ))}
            {target && (
              <button type="button" disabled={!d.writable || d.content?.kind !== 'ubuntu' || busy} onClick={() => setConfirm([{ hostname: target, drive: d }])}>
                {t.rich('cards.choose', { host: target })}
              </button>
            )}{' '}
            <button type="button" disabled={busy} onClick={() => void eject(d.device)}>
              {t.rich('cards.eject')}
            </button>
          </li>
        ))}
      </ul>
      {refused.length > 0 && (
        <details>
          <summary>{t.rich('cards.notOffered', { count: refused.length })}</summary>
          <ul>
            {refused.map((d) => (
              <li key={d.device}>
                <span className="mono">{d.device}</span> {driveName(d)} — {d.problems[0] ? noticeText(d.problems[0]) : ''}
              </li>
            ))}
          </ul>
        </details>
      )}

      {confirm && (
        <ConfirmDialog
          title={confirm.length > 1 ? t('cards.confirmManyTitle', { count: confirm.length }) : t('cards.confirmTitle')}
          check={confirm.length > 1 ? t('cards.confirmManyCheck') : t('cards.confirmCheck', { device: confirm[0]!.drive.device, host: confirm[0]!.hostname })}
          {...(largeDrives(confirm).length > 0 ? { secondCheck: t('cards.confirmLargeCheck', { drives: largeDrives(confirm).map((d) => `${d.device} (${formatBytes(d.size)})`).join(', ') }) } : {})}
          confirmLabel={t('cards.write')}
          cancelLabel={t('cards.cancel')}
          onConfirm={() => void write()}
          onCancel={() => setConfirm(null)}
          testId="cards-confirm"
        >
          <ul>
            {confirm.map(({ hostname, drive }) => (
              <li key={drive.device}>
                {t.rich('cards.confirmText', { host: hostname, drive: driveText(drive), device: drive.device, size: formatBytes(drive.size) })}
                {drive.content?.preparedFor && drive.content.preparedFor !== hostname && (
                  <strong className="warn"> {t.rich('cards.otherNodesCard', { host: hostname, other: drive.content.preparedFor })}</strong>
                )}
              </li>
            ))}
          </ul>
          {confirm.length > 1 && <p className="hint">{t.rich('cards.batchExplained', { count: confirm.length })}</p>}
        </ConfirmDialog>
      )}

      {reports.length > 0 && (
        <>
          <h2>{t.rich('cards.reports')}</h2>
          <button type="button" onClick={download}>
            {t.rich('cards.export')}
          </button>
          {reports.map((r) => (
            <details key={r.hostname} data-report={r.hostname}>
              <summary>
                <span className="mono">{r.hostname}</span> — {driveName(r.drive)} · Ubuntu {r.release} · {intl.formatDate(r.finishedAt, { dateStyle: 'medium', timeStyle: 'short' })}
              </summary>
              <table>
                <thead>
                  <tr>
                    <th>{t.rich('cards.file')}</th>
                    <th>{t.rich('cards.bytes')}</th>
                    <th>{t.rich('cards.digest')}</th>
                  </tr>
                </thead>
                <tbody>
                  {r.files.map((f) => (
                    <tr key={f.name}>
                      <td className="mono">{f.name}</td>
                      <td>{f.bytes}</td>
                      <td className="mono">{f.sha256}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          ))}
        </>
      )}
    </section>
  );
}
