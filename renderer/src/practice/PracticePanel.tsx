/**
 * The practice lab's bench: a shelf of virtual SD cards and the practice card readers. Clearly
 * labelled as simulated; cards in a reader show up in "Prepare SD cards" like real ones.
 */
import { useState } from 'react';
import type { PracticeCard, PracticeCardContent } from '../../../preload/contract/practice';
import { call } from '../api/client';
import { useT } from '../i18n/use-t';
import { useAppStore } from '../store/app-store';

const CONTENTS: PracticeCardContent[] = ['ubuntu-24.04', 'ubuntu-22.04', 'raspios', 'blank'];

export function PracticePanel() {
  const practice = useAppStore((s) => s.practice);
  const { t } = useT();
  const [content, setContent] = useState<PracticeCardContent>('ubuntu-24.04');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!practice?.enabled) return null;

  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const inReader = (reader: number) => practice.cards.find((c) => c.reader === reader);
  const contentName = (c: PracticeCardContent) => t(`practice.content.${c}`);

  return (
    <section className="practice" aria-label={t('practice.title')} aria-busy={busy}>
      <header>
        <h2>{t('practice.title')}</h2>
        <span className="badge sim">{t('practice.simulated')}</span>
      </header>
      <div className="practice-row">
        <div className="readers">
          {Array.from({ length: practice.readers }, (_, i) => i + 1).map((reader) => {
            const card = inReader(reader);
            return (
              <div key={reader} className={`reader ${card ? 'full' : ''}`} data-reader={reader}>
                <strong>{t('practice.reader', { n: reader })}</strong>
                <span>{card ? `${contentName(card.content)}${card.locked ? ` · ${t('practice.locked')}` : ''}` : t('practice.empty')}</span>
                {card && (
                  <button type="button" disabled={busy} onClick={() => run(() => call('practice.ejectCard', { id: card.id }))}>
                    {t('practice.eject')}
                  </button>
                )}
              </div>
            );
          })}
        </div>
        <div className="shelf">
          <div className="new-card">
            <label>
              {t('practice.newCard')}{' '}
              <select value={content} onChange={(e) => setContent(e.target.value as PracticeCardContent)} aria-label={t('practice.cardContent')}>
                {CONTENTS.map((c) => (
                  <option key={c} value={c}>
                    {contentName(c)}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" disabled={busy} onClick={() => run(() => call('practice.newCard', { content, sizeGB: 32 }))}>
              {t('practice.make')}
            </button>
          </div>
          <ul aria-label={t('practice.shelf')}>
            {practice.cards.map((card, index) => (
              <ShelfCard key={card.id} card={card} index={index} busy={busy} run={run} freeReaders={Array.from({ length: practice.readers }, (_, i) => i + 1).filter((r) => !inReader(r))} />
            ))}
          </ul>
        </div>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function ShelfCard({ card, index, busy, run, freeReaders }: { card: PracticeCard; index: number; busy: boolean; run: (a: () => Promise<unknown>) => void; freeReaders: number[] }) {
  const { t } = useT();
  const name = `${t('practice.card', { n: index + 1 })}: ${t(`practice.content.${card.content}`)} (${Math.round(card.sizeBytes / 1e9)} GB)`;
  return (
    <li className="card" data-card={card.id}>
      <span>{name}</span>
      <span className="hint">{card.reader ? t('practice.inReader', { n: card.reader }) : t('practice.onShelf')}</span>
      <label className="check">
        <input type="checkbox" checked={card.locked} disabled={busy} onChange={(e) => run(() => call('practice.lockCard', { id: card.id, locked: e.target.checked }))} />
        {t('practice.lock')}
      </label>
      {!card.reader &&
        freeReaders.map((r) => (
          <button key={r} type="button" disabled={busy} onClick={() => run(() => call('practice.insertCard', { id: card.id, reader: r }))}>
            {t('practice.insert', { n: r })}
          </button>
        ))}
      {!card.reader && (
        <button type="button" disabled={busy} onClick={() => run(() => call('practice.deleteCard', { id: card.id }))} aria-label={`${t('practice.delete')} ${name}`}>
          {t('practice.delete')}
        </button>
      )}
    </li>
  );
}
