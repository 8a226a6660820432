/**
 * A ResourceQuota as bars: for each capped resource, what the namespace uses (the quota
 * controller's `status.used`) against the cap, as `kubectl describe quota` lists them, live.
 */
import type { KubeResourceQuotaView } from '../../../../preload/contract/kube';
import { useT } from '../../i18n/use-t';

export function QuotaBars({ quota, testId = 'quota-bars' }: { quota: KubeResourceQuotaView; testId?: string }) {
  const { t } = useT();
  const resources = Object.keys(quota.hard).sort();
  return (
    <div className="quota-bars" data-testid={testId} data-quota={quota.name}>
      <p className="small">
        <strong className="mono">
          {quota.namespace}/{quota.name}
        </strong>{' '}
        {Object.keys(quota.used).length === 0 && <span className="hint">{t('limits.quotaNotCounted')}</span>}
      </p>
      {resources.map((r) => {
        const amount = quota.amounts[r];
        const share = amount && amount.hard > 0 && amount.used !== undefined ? Math.min(1, amount.used / amount.hard) : 0;
        const full = amount?.used !== undefined && amount.used >= amount.hard;
        return (
          <div key={r} className={`quota-row ${full ? 'full' : ''}`} data-resource={r} data-used={quota.used[r] ?? ''}>
            <span className="mono small quota-name">{r}</span>
            <span
              className="quota-bar"
              role="meter"
              aria-label={r}
              aria-valuemin={0}
              aria-valuemax={amount?.hard ?? 0}
              aria-valuenow={amount?.used ?? 0}
              aria-valuetext={t('limits.quotaValue', { used: quota.used[r] ?? '?', hard: quota.hard[r] ?? '' })}
            >
              <span className="quota-fill" style={{ width: `${Math.round(share * 100)}%` }} />
            </span>
            <span className="mono small quota-numbers">{t('limits.quotaValue', { used: quota.used[r] ?? '?', hard: quota.hard[r] ?? '' })}</span>
            {full && <span className="badge">{t('limits.quotaFull')}</span>}
          </div>
        );
      })}
    </div>
  );
}
