/**
 * The frame every lesson step shares: its title and why it matters, where the live picture comes
 * from (and a failover to another control plane), nodes that are down and what that means for
 * the lesson, the lessons being blocked (no cluster, another cluster), and "Reset lessons".
 */
import { useState } from 'react';
import type { ReactNode } from 'react';
import { call } from '../api/client';
import { useT } from '../i18n/use-t';
import { ConfirmDialog } from '../toolkit/ConfirmDialog';
import { useLessons, useLiveCluster } from './use-lesson-state';

export function LessonFrame({ id, title, intro, children }: { id: string; title: string; intro: ReactNode; children: ReactNode }) {
  const { t } = useT();
  const live = useLiveCluster();
  const lessons = useLessons();
  const [reset, setReset] = useState<{ list: string[] } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const down = (live?.snapshot?.nodes ?? []).filter((n) => n.ready.status !== 'True');
  const askReset = async () => {
    setNotice(null);
    try {
      const plan = await call('lessons.planReset', {});
      setReset({ list: plan.objects.map((o) => o.display) });
    } catch (e) {
      setNotice((e as Error).message);
    }
  };
  return (
    <section className={`lesson lesson-${id}`} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      <div className="intro">{intro}</div>
      {lessons?.blocked === 'no-cluster' && <p className="banner warn">{t('lesson.noCluster')}</p>}
      {lessons?.blocked === 'other-cluster' && <p className="banner warn">{t('lesson.otherCluster')}</p>}
      {live && live.status !== 'none' && (
        <p className={`connection connection-${live.status}`} role="status" data-testid="connection">
          {live.status === 'connected'
            ? t('live.connection.connected', { server: live.server ?? '' })
            : live.status === 'reconnecting'
              ? t('live.connection.reconnecting', { error: live.error?.message ?? '' })
              : t('live.connection.connecting')}
        </p>
      )}
      {live?.failedOver && <p className="banner warn">{t('live.failedOver', { server: live.failedOver.to })}</p>}
      {down.length > 0 && (
        <p className="banner warn" data-testid="nodes-down">
          {t('lesson.nodeDown', { nodes: down.map((n) => n.name).join(', '), count: down.length })}
        </p>
      )}
      {children}
      <div className="actions lesson-reset">
        <button type="button" onClick={() => void askReset()}>
          {t('lesson.reset')}
        </button>
        {notice && <span role="status">{notice}</span>}
      </div>
      {reset && (
        <ConfirmDialog
          title={t('lesson.resetTitle')}
          confirmLabel={t('lesson.resetNow')}
          cancelLabel={t('lesson.cancel')}
          danger
          onConfirm={() => {
            setReset(null);
            void call('lessons.reset', {}).then(
              () => setNotice(t('lesson.working')),
              (e: Error) => setNotice(e.message),
            );
          }}
          onCancel={() => setReset(null)}
          testId="reset-confirm"
        >
          <p>{reset.list.length ? t('lesson.resetExplain', { list: reset.list.join(', ') }) : t('lesson.resetNothing')}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
