/**
 * The practice lab's bench: a shelf of virtual SD cards and the practice card readers. Clearly
 * labelled as simulated; cards in a reader show up in "Prepare SD cards" like real ones.
 */
import { useState } from 'react';
import type { PracticeCard, PracticeCardContent, PracticeFault, PracticePi, PracticeView } from '../../../preload/contract/practice';
import type { ErrorBody } from '../../../preload/contract/errors';
import { call, errorBodyOf } from '../api/client';
import { ErrorMessage } from '../errors/ErrorMessage';
import { useT } from '../i18n/use-t';
import { useAppStore } from '../store/app-store';

const CONTENTS: PracticeCardContent[] = ['ubuntu-24.04', 'ubuntu-22.04', 'raspios', 'blank'];
const FAULTS: PracticeFault[] = ['cgroupFlagsMissing', 'clockUnsynchronised', 'port25000Blocked', 'sshSlow', 'sshDropped', 'powerLossDuringInstall'];

export function PracticePanel() {
  const practice = useAppStore((s) => s.practice);
  const { t } = useT();
  const [content, setContent] = useState<PracticeCardContent>('ubuntu-24.04');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [open, setOpen] = useState(true);
  if (!practice?.enabled) return null;

  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(errorBodyOf(e));
    } finally {
      setBusy(false);
    }
  };
  const inReader = (reader: number) => practice.cards.find((c) => c.reader === reader);
  const contentName = (c: PracticeCardContent) => t(`practice.content.${c}`);

  return (
    <section className="practice" aria-label={t('practice.title')} aria-busy={busy}>
      <header>
        <button type="button" className="disclosure" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? '▾' : '▸'}
        </button>
        <h2>{t.rich('practice.title')}</h2>
        <span className="badge sim">{t.rich('practice.simulated')}</span>
        <label>
          {t.rich('practice.speed')}{' '}
          <select value={practice.speed} disabled={busy} onChange={(e) => run(() => call('practice.setSpeed', { speed: Number(e.target.value) as 1 | 10 | 60 }))}>
            {[1, 10, 60].map((speed) => (
              <option key={speed} value={speed}>
                {speed === 1 ? t('practice.realTime') : t('practice.speedTimes', { speed })}
              </option>
            ))}
          </select>
        </label>
      </header>
      {open && (
        <>
      <div className="practice-row">
        <div className="readers">
          {Array.from({ length: practice.readers }, (_, i) => i + 1).map((reader) => {
            const card = inReader(reader);
            return (
              <div key={reader} className={`reader ${card ? 'full' : ''}`} data-reader={reader}>
                <strong>{t.rich('practice.reader', { n: reader })}</strong>
                <span>{card ? `${contentName(card.content)}${card.locked ? ` · ${t('practice.locked')}` : ''}` : t('practice.empty')}</span>
                {card && (
                  <button type="button" disabled={busy} onClick={() => run(() => call('practice.ejectCard', { id: card.id }))}>
                    {t.rich('practice.eject')}
                  </button>
                )}
              </div>
            );
          })}
        </div>
        <div className="shelf">
          <div className="new-card">
            <label>
              {t.rich('practice.newCard')}{' '}
              <select value={content} onChange={(e) => setContent(e.target.value as PracticeCardContent)} aria-label={t('practice.cardContent')}>
                {CONTENTS.map((c) => (
                  <option key={c} value={c}>
                    {contentName(c)}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" disabled={busy} onClick={() => run(() => call('practice.newCard', { content, sizeGB: 32 }))}>
              {t.rich('practice.make')}
            </button>
          </div>
          <ul aria-label={t('practice.shelf')}>
            {practice.cards.map((card, index) => (
              <ShelfCard
                key={card.id}
                card={card}
                index={index}
                busy={busy}
                run={run}
                freeReaders={Array.from({ length: practice.readers }, (_, i) => i + 1).filter((r) => !inReader(r))}
                freePis={practice.pis.filter((pi) => (pi.state === 'off' || pi.state === 'no-boot') && !practice.cards.some((c) => c.pi === pi.id)).map((pi) => pi.id)}
              />
            ))}
          </ul>
        </div>
      </div>
      <PiRow practice={practice} busy={busy} run={run} />
        </>
      )}
      {error && <ErrorMessage error={error} />}
    </section>
  );
}

function ShelfCard({ card, index, busy, run, freeReaders, freePis }: { card: PracticeCard; index: number; busy: boolean; run: (a: () => Promise<unknown>) => void; freeReaders: number[]; freePis: string[] }) {
  const { t } = useT();
  const [lockPending, setLockPending] = useState<boolean | undefined>(undefined);
  const name = `${t('practice.card', { n: index + 1 })}: ${card.preparedFor ? t('practice.preparedFor', { host: card.preparedFor }) : t(`practice.content.${card.content}`)} (${Math.round(card.sizeBytes / 1e9)} GB)`;
  const where = card.reader ? t('practice.inReader', { n: card.reader }) : card.pi ? t('practice.inPi', { n: card.pi.replace('pi-', '') }) : t('practice.onShelf');
  const onShelf = !card.reader && !card.pi;
  return (
    <li className="card" data-card={card.id}>
      <span>{name}</span>
      <span className="hint">{where}</span>
      <label className="check">
        <input
          type="checkbox"
          checked={lockPending ?? card.locked}
          disabled={busy}
          onChange={(e) => {
            const locked = e.target.checked;
            setLockPending(locked);
            run(() => call('practice.lockCard', { id: card.id, locked }).finally(() => setLockPending(undefined)));
          }}
        />
        {t.rich('practice.lock')}
      </label>
      {onShelf && (freeReaders.length > 0 || freePis.length > 0) && (
        <select
          aria-label={`${t('practice.putInto')} ${t('practice.card', { n: index + 1 })}`}
          value=""
          disabled={busy}
          onChange={(e) => {
            const [kind, target] = e.target.value.split(':');
            if (kind === 'reader') run(() => call('practice.insertCard', { id: card.id, reader: Number(target) }));
            if (kind === 'pi' && target) run(() => call('practice.plugCard', { id: card.id, pi: target }));
          }}
        >
          <option value="">{t.rich('practice.putInto')}</option>
          {freeReaders.map((r) => (
            <option key={`r${r}`} value={`reader:${r}`}>
              {t.rich('practice.reader', { n: r })}
            </option>
          ))}
          {freePis.map((id) => (
            <option key={id} value={`pi:${id}`}>
              {`${t('practice.pi')} ${id.replace('pi-', '')}`}
            </option>
          ))}
        </select>
      )}
      {onShelf && (
        <button type="button" disabled={busy} onClick={() => run(() => call('practice.deleteCard', { id: card.id }))} aria-label={`${t('practice.delete')} ${name}`}>
          {t.rich('practice.delete')}
        </button>
      )}
    </li>
  );
}

function PiRow({ practice, busy, run }: { practice: PracticeView; busy: boolean; run: (a: () => Promise<unknown>) => void }) {
  const { t } = useT();
  const shelf = practice.cards.filter((c) => c.reader === undefined && c.pi === undefined);
  return (
    <div className="pis">
      <h3>{t.rich('practice.pis')}</h3>
      <ul aria-label={t('practice.pis')}>
        {practice.pis.map((pi) => (
          <PiItem key={pi.id} pi={pi} card={practice.cards.find((c) => c.pi === pi.id)} cardIndex={practice.cards.findIndex((c) => c.pi === pi.id)} shelf={shelf} allCards={practice.cards} busy={busy} run={run} />
        ))}
      </ul>
      <button type="button" disabled={busy} onClick={() => run(() => call('practice.addPi', {}))}>
        {t.rich('practice.addPi')}
      </button>
    </div>
  );
}

function PiItem({ pi, card, cardIndex, shelf, allCards, busy, run }: { pi: PracticePi; card?: PracticeCard; cardIndex: number; shelf: PracticeCard[]; allCards: PracticeCard[]; busy: boolean; run: (a: () => Promise<unknown>) => void }) {
  const { t } = useT();
  const off = pi.state === 'off' || pi.state === 'no-boot';
  const label = `${t('practice.pi')} ${pi.id.replace('pi-', '')}`;
  const [pending, setPending] = useState<Partial<Record<PracticeFault, boolean>>>({});
  return (
    <li className={`pi pi-${pi.state}`} data-pi={pi.id}>
      <strong>{label}</strong>
      <span className={`pi-state`}>{t.rich(`practice.state.${pi.state}`)}</span>
      {pi.hostname && <span className="mono">{pi.hostname}</span>}
      {pi.address && <span className="mono">{pi.address}</span>}
      {pi.ssh && <span className="mono hint">ssh ubuntu@{pi.ssh.host}{pi.ssh.port === 22 ? '' : ` -p ${pi.ssh.port}`}</span>}
      {pi.bootError && (
        <span className="field-error">
          {pi.bootErrorCode ? t.rich(`practice.bootError.${pi.bootErrorCode}`) : pi.bootError}
          {pi.bootErrorDetail && <code className="mono detail"> {pi.bootErrorDetail}</code>}
        </span>
      )}
      <span className="hint">{card ? t('practice.piCard', { n: cardIndex + 1 }) : t('practice.piNoCard')}</span>
      {off && card && (
        <button type="button" disabled={busy} onClick={() => run(() => call('practice.unplugCard', { pi: pi.id }))}>
          {t.rich('practice.unplug')}
        </button>
      )}
      {off && !card && shelf.length > 0 && (
        <select
          aria-label={`${t('practice.plug')} ${label}`}
          value=""
          disabled={busy}
          onChange={(e) => e.target.value && run(() => call('practice.plugCard', { id: e.target.value, pi: pi.id }))}
        >
          <option value="">{t.rich('practice.plug')}</option>
          {shelf.map((c) => (
            <option key={c.id} value={c.id}>
              {t.rich('practice.card', { n: allCards.indexOf(c) + 1 })}
              {c.preparedFor ? ` (${c.preparedFor})` : ''}
            </option>
          ))}
        </select>
      )}
      <button type="button" disabled={busy} onClick={() => run(() => call('practice.power', { pi: pi.id, on: off }))} aria-label={`${off ? t('practice.powerOn') : t('practice.powerOff')} ${label}`}>
        {off ? t('practice.powerOn') : t('practice.powerOff')}
      </button>
      <details className="faults">
        <summary>
          {t.rich('practice.faults')}
          {pi.faults.length > 0 ? ` (${pi.faults.length})` : ''}
        </summary>
        {FAULTS.map((fault) => (
          <label key={fault} className="check">
            <input
              type="checkbox"
              checked={pending[fault] ?? pi.faults.includes(fault)}
              disabled={busy}
              aria-label={`${t(`practice.fault.${fault}`)} ${label}`}
              onChange={(e) => {
                // Shown at once; main's answer (practice.changed) then takes over.
                const on = e.target.checked;
                setPending((p) => ({ ...p, [fault]: on }));
                run(() =>
                  call('practice.setFault', { pi: pi.id, fault, on }).finally(() =>
                    setPending((p) => Object.fromEntries(Object.entries(p).filter(([k]) => k !== fault))),
                  ),
                );
              }}
            />
            {t.rich(`practice.fault.${fault}`)}
          </label>
        ))}
      </details>
    </li>
  );
}
