/**
 * A node's health as the Kubernetes API reports it now (live, not as it was when the cluster was
 * formed): Ready or not, since when (relative, in the user's language) and why, in the kubelet's
 * or node controller's own words. Pulling a practice Pi's power shows here within the node
 * monitor grace period.
 */
import { useT } from '../../i18n/use-t';
import { useLiveCluster } from '../../lessons/use-lesson-state';
import { useNow } from '../../lessons/use-now';

export function NodeHealth({ name, savedReady }: { name: string; savedReady: boolean }) {
  const { t, intl } = useT();
  const live = useLiveCluster();
  const now = useNow(5000);
  const node = live?.snapshot?.nodes?.find((n) => n.name === name);
  if (!node) return <span>{savedReady ? t('cluster.readyWhenFormed') : t('cluster.notReadyWhenFormed')}</span>;
  const since = node.ready.since ? Date.parse(node.ready.since) : undefined;
  const ago = since ? relative(intl, since, now) : undefined;
  const ok = node.ready.status === 'True';
  return (
    <span className={ok ? 'ok' : 'problem'} data-ready={node.ready.status}>
      {ok ? t('cluster.nodeReady') : node.ready.status === 'Unknown' ? t('cluster.nodeUnknown') : t('cluster.nodeNotReady')}
      {ago && <span className="hint small"> · {t('cluster.since', { ago })}</span>}
      {!ok && node.ready.message && (
        <span className="hint small" data-testid={`node-why-${name}`}>
          {' '}
          · {node.ready.reason ? `${node.ready.reason}: ` : ''}
          {node.ready.message}
        </span>
      )}
    </span>
  );
}

/** Where the live picture comes from: connected to which API server, or reconnecting and why. */
export function LiveLine() {
  const { t } = useT();
  const live = useLiveCluster();
  if (!live || live.status === 'none') return null;
  return (
    <p className={`connection connection-${live.status}`} role="status" data-testid="live-line">
      {live.status === 'connected'
        ? t.rich('live.connection.connected', { server: live.server ?? '' })
        : live.status === 'reconnecting'
          ? t.rich('live.connection.reconnecting', { error: live.error?.message ?? '' })
          : t('live.connection.connecting')}
      {live.failedOver && <span> · {t.rich('live.failedOver', { server: live.failedOver.to })}</span>}
    </p>
  );
}

function relative(intl: ReturnType<typeof useT>['intl'], since: number, now: number): string {
  // A clock ahead of this computer must not read as "in 5 minutes".
  const s = Math.min(0, Math.round((since - now) / 1000));
  const abs = Math.abs(s);
  if (abs < 90) return intl.formatRelativeTime(s, 'second');
  if (abs < 90 * 60) return intl.formatRelativeTime(Math.round(s / 60), 'minute');
  if (abs < 36 * 3600) return intl.formatRelativeTime(Math.round(s / 3600), 'hour');
  return intl.formatRelativeTime(Math.round(s / 86400), 'day');
}
