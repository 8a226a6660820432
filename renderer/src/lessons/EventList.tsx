/**
 * What the cluster did, in plain words: each event of the lesson's objects, newest first, with
 * the cluster's own message (as `kubectl get events` prints it) beside the explanation.
 */
import type { KubeEventView } from '../../../preload/contract/kube';
import { useT } from '../i18n/use-t';
import { age } from './format';

export function EventList({ events, now, filter, limit = 12 }: { events: readonly KubeEventView[]; now: number; filter?: (e: KubeEventView) => boolean; limit?: number }) {
  const { t, intl } = useT();
  const shown = [...events]
    .filter((e) => (filter ? filter(e) : true))
    .sort((a, b) => (b.lastAt ?? '').localeCompare(a.lastAt ?? ''))
    .slice(0, limit);
  return (
    <section className="event-list" aria-label={t('lesson.events')}>
      <h3>{t('lesson.events')}</h3>
      {shown.length === 0 ? (
        <p className="hint">{t('lesson.noEvents')}</p>
      ) : (
        <ol>
          {shown.map((e) => {
            const key = `event.${e.reason}`;
            const values = { name: e.involved.name, kind: e.involved.kind, node: e.source.host ?? '' };
            return (
              <li key={e.uid} className={`event event-${e.type}`} data-reason={e.reason}>
                <span className="hint small">{age(intl, e.lastAt ?? e.firstAt, now)}</span> <strong>{t.has(key) ? t(key, values) : e.reason}</strong>
                {e.count > 1 && <span className="hint small"> {t('lesson.eventCount', { count: e.count })}</span>}
                <div className="mono small event-message">
                  {e.involved.kind}/{e.involved.name}: {e.message}
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
