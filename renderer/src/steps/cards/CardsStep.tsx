/**
 * Step 2: prepare one SD card per node. Shows the plan's nodes and whether each card is ready,
 * the cards in this computer (live: inserting or pulling a card shows at once) with what is on
 * them, and writes a node's card only after a confirmation that names the drive. "Prepare all"
 * writes every inserted Ubuntu card at once when several readers hold one (one confirmation
 * listing each node and drive), otherwise walks the nodes in order, asking for each card.
 */
import { useEffect, useRef, useState } from 'react';
import type { CardDrive, CardReport } from '../../../../preload/contract/cards';
import { call, onEvent } from '../../api/client';
import { useT } from '../../i18n/use-t';
import { useAppStore } from '../../store/app-store';
import { useCardTexts } from './cards-messages';
import { batchAssignments, formatBytes, largeDrives, nextNode, nodeRows, prepareParams, reportsExport, suggestedDrive, targetDrives } from './card-step-model';
import type { Assignment } from './card-step-model';

type Running = { host: string; jobId: string };

export function CardsStep() {
  const plan = useAppStore((s) => s.state?.plan ?? null);
  const jobs = useAppStore((s) => s.jobs);
  const tx = useCardTexts();
  const { t } = useT();
  const [drives, setDrives] = useState<CardDrive[]>([]);
  const [reports, setReports] = useState<CardReport[]>([]);
  const [target, setTarget] = useState<string | null>(null);
  const [batch, setBatch] = useState(false);
  const [confirm, setConfirm] = useState<Assignment[] | null>(null);
  const [confirmed, setConfirmed] = useState(false);
  // The second confirmation for drives over 256 GB (shown only when the dialog lists one).
  const [confirmedLarge, setConfirmedLarge] = useState(false);
  const [running, setRunning] = useState<Running[]>([]);
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    if (confirm && dialog.current && !dialog.current.open) dialog.current.showModal();
  }, [confirm]);

  useEffect(() => {
    let live = true;
    void call('cards.listDrives', {}).then((r) => live && setDrives(r.drives)).catch(() => undefined);
    void call('cards.reports', {}).then((r) => live && setReports(r.reports)).catch(() => undefined);
    const off = onEvent('cards.drives', ({ drives: next }) => setDrives(next));
    return () => {
      live = false;
      off();
    };
  }, []);

  const rows = plan ? nodeRows(plan.nodes, reports) : [];
  const busy = running.length > 0;
  const finished = busy && running.every((r) => jobs[r.jobId] && jobs[r.jobId]!.state !== 'running');

  useEffect(() => {
    if (!finished) return;
    const results = running.map((r) => ({ ...r, job: jobs[r.jobId]! }));
    setRunning([]);
    // The step's status (in the rail) changed in main: re-read the app state.
    void call('app.getState', {}).then((state) => useAppStore.getState().setState(state)).catch(() => undefined);
    void call('cards.reports', {}).then((r) => {
      setReports(r.reports);
      const failed = results.filter((x) => x.job.state !== 'succeeded');
      const texts = results
        .filter((x) => x.job.state === 'succeeded')
        .map((x) => tx('done', { host: x.host, eject: r.reports.find((rep) => rep.hostname === x.host)?.eject.message ?? '' }));
      if (failed.length > 0) setNotice({ kind: 'error', text: [...failed.map((x) => `${x.host}: ${x.job.error?.message ?? x.job.phase}`), ...texts].join(' ') });
      else setNotice({ kind: 'ok', text: texts.join(' ') });
      const next = batch ? nextNode(nodeRows(plan?.nodes ?? [], r.reports)) : undefined;
      setTarget(next?.hostname ?? null);
      if (!next) setBatch(false);
    });
  }, [finished, running, jobs, batch, plan, tx]);

  if (!plan) {
    return (
      <section className="cards" aria-labelledby="cards-title">
        <h1 id="cards-title">{tx('title')}</h1>
        <p className="banner warn">{tx('noPlan')}</p>
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
      setConfirmed(false);
      setConfirmedLarge(false);
    } else {
      setTarget(nextNode(rows)?.hostname ?? null);
    }
  };

  const write = async () => {
    if (!confirm) return;
    const assignments = confirm;
    const largeConfirmed = confirmedLarge;
    setConfirm(null);
    setConfirmed(false);
    setConfirmedLarge(false);
    setNotice(null);
    const started: Running[] = [];
    const errors: string[] = [];
    for (const assignment of assignments) {
      const { hostname } = assignment;
      try {
        const { jobId } = await call('cards.prepare', prepareParams(assignment, largeConfirmed));
        started.push({ host: hostname, jobId });
      } catch (e) {
        errors.push(`${hostname}: ${(e as Error).message}`);
      }
    }
    setRunning(started);
    if (errors.length > 0) setNotice({ kind: 'error', text: errors.join(' ') });
  };

  const eject = async (device: string) => {
    try {
      const result = await call('cards.eject', { device });
      setNotice({ kind: result.ejected ? 'ok' : 'error', text: result.message });
    } catch (e) {
      setNotice({ kind: 'error', text: (e as Error).message });
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
      <h1 id="cards-title">{tx('title')}</h1>
      <p className="intro">{tx('intro')}</p>

      <h2>{tx('nodes')}</h2>
      <table className="nodes" aria-label={tx('nodes')}>
        <thead>
          <tr>
            <th>{tx('node')}</th>
            <th>{tx('role')}</th>
            <th>{tx('status')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.hostname} data-node={row.hostname} aria-current={target === row.hostname ? 'step' : undefined}>
              <td className="mono">{row.hostname}</td>
              <td>{t(row.role === 'control-plane' ? 'role.control-plane' : 'role.worker')}</td>
              <td data-testid={`card-status-${row.hostname}`}>
                {row.report ? tx('ready', { release: row.report.release, time: new Date(row.report.finishedAt).toLocaleString() }) : tx('notReady')}
              </td>
              <td>
                <button type="button" disabled={busy} onClick={() => (setTarget(row.hostname), setBatch(false), setNotice(null))}>
                  {row.report ? tx('prepareAgain') : tx('prepare')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions">
        <button type="button" className="primary" disabled={busy || !nextNode(rows)} onClick={startBatch}>
          {tx('prepareAll')}
        </button>
      </div>

      {notice && (
        <p className={notice.kind === 'ok' ? 'banner ok' : 'field-error'} role={notice.kind === 'ok' ? 'status' : 'alert'}>
          {notice.text}
        </p>
      )}
      {running.map((r) => (
        <div key={r.jobId} role="status" className="banner">
          <span>{tx('writing', { host: r.host })}</span>
          <progress max={1} value={jobs[r.jobId]?.progress ?? undefined} aria-label={tx('writing', { host: r.host })} />
        </div>
      ))}
      {!busy && target && (
        <p className="banner" role="status">
          {tx('nextCard', { host: target })}
          {/* "Prepare all" was pressed before the cards showed up: once several can be written, offer that again. */}
          {batch && !confirm && parallel.length >= 2 && (
            <>
              {' '}
              <button type="button" onClick={startBatch}>
                {tx('writeAllNow', { count: parallel.length })}
              </button>
            </>
          )}
        </p>
      )}
      {!busy && !target && rows.length > 0 && !nextNode(rows) && <p className="banner ok">{tx('allReady')}</p>}

      <h2>{tx('drives')}</h2>
      {offered.length === 0 && <p className="hint">{tx('noDrives')}</p>}
      <ul className="drives" aria-label={tx('drives')}>
        {offered.map((d) => (
          <li key={d.device} className={`drive ${d.device === suggestion?.device ? 'suggested' : ''}`} data-device={d.device}>
            <div>
              <strong>{d.description || d.device}</strong> {d.practice && <span className="badge sim">{tx('practice')}</span>}
              <span className="mono"> {d.device}</span> · {formatBytes(d.size)} · {tx('bus', { bus: d.busType })} ·{' '}
              {d.mountpoints.length > 0 ? tx('mountedAt', { paths: d.mountpoints.map((m) => m.path).join(', ') }) : tx('notMounted')}
            </div>
            <div>
              {tx('content')}: {d.content ? d.content.summary : tx('looking')}
            </div>
            {d.problems.map((p) => (
              <p key={p.code} className="field-error">
                {p.message}
              </p>
            ))}
            {d.warnings.map((w) => (
              <p key={w.code} className="hint warn">
                {w.message}
              </p>
            ))}
            {target && (
              <button type="button" disabled={!d.writable || d.content?.kind !== 'ubuntu' || busy} onClick={() => (setConfirm([{ hostname: target, drive: d }]), setConfirmed(false), setConfirmedLarge(false))}>
                {tx('choose', { host: target })}
              </button>
            )}{' '}
            <button type="button" disabled={busy} onClick={() => void eject(d.device)}>
              {tx('eject')}
            </button>
          </li>
        ))}
      </ul>
      {refused.length > 0 && (
        <details>
          <summary>{tx('notOffered', { count: refused.length })}</summary>
          <ul>
            {refused.map((d) => (
              <li key={d.device}>
                <span className="mono">{d.device}</span> {d.description} — {d.problems[0]?.message}
              </li>
            ))}
          </ul>
        </details>
      )}

      {confirm && (
        <dialog ref={dialog} className="dialog" aria-labelledby="confirm-title" onClose={() => setConfirm(null)}>
          <h2 id="confirm-title">{confirm.length > 1 ? tx('confirmManyTitle', { count: confirm.length }) : tx('confirmTitle')}</h2>
          <ul>
            {confirm.map(({ hostname, drive }) => (
              <li key={drive.device}>{tx('confirmText', { host: hostname, drive: drive.description || drive.device, device: drive.device, size: formatBytes(drive.size) })}</li>
            ))}
          </ul>
          <label className="check">
            <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} />
            {confirm.length > 1 ? tx('confirmManyCheck') : tx('confirmCheck', { device: confirm[0]!.drive.device, host: confirm[0]!.hostname })}
          </label>
          {largeDrives(confirm).length > 0 && (
            <label className="check">
              <input type="checkbox" checked={confirmedLarge} onChange={(e) => setConfirmedLarge(e.target.checked)} />
              {tx('confirmLargeCheck', { drives: largeDrives(confirm).map((d) => `${d.device} (${formatBytes(d.size)})`).join(', ') })}
            </label>
          )}
          <div className="actions">
            <button type="button" className="primary" disabled={!confirmed || (largeDrives(confirm).length > 0 && !confirmedLarge)} onClick={() => void write()}>
              {tx('write')}
            </button>
            <button type="button" onClick={() => setConfirm(null)}>
              {tx('cancel')}
            </button>
          </div>
        </dialog>
      )}

      {reports.length > 0 && (
        <>
          <h2>{tx('reports')}</h2>
          <button type="button" onClick={download}>
            {tx('export')}
          </button>
          {reports.map((r) => (
            <details key={r.hostname} data-report={r.hostname}>
              <summary>
                {r.hostname} — {r.drive.description || r.drive.device} · Ubuntu {r.release} · {new Date(r.finishedAt).toLocaleString()}
              </summary>
              <table>
                <thead>
                  <tr>
                    <th>{tx('file')}</th>
                    <th>{tx('bytes')}</th>
                    <th>{tx('digest')}</th>
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
