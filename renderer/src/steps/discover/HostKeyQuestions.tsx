/**
 * The host-key questions of step 3, under the node table: hosts met for the first time that the
 * app did not prepare (the user compares the fingerprint and trusts exactly that key), and hosts
 * refused for presenting another key than the one the app wrote to a node's card. Nodes the app
 * prepared never appear here: their keys are known before they answer.
 */
import { useState } from 'react';
import type { FindNodesState, RefusedHostView, UnconfirmedHostView } from '../../../../preload/contract/find-nodes';
import { call } from '../../api/client';
import { useT } from '../../i18n/use-t';

const where = (h: { host: string; port: number }) => `${h.host}${h.port === 22 ? '' : `:${h.port}`}`;
const keyFile = (keyType: string) => `sudo ssh-keygen -lf /etc/ssh/ssh_host_${keyType.replace(/^ssh-/, '').replace(/-sha2-nistp\d+$/, '')}_key.pub`;

export function UnconfirmedHosts({ hosts, onState }: { hosts: UnconfirmedHostView[]; onState: (s: FindNodesState) => void }) {
  const { t } = useT();
  const [error, setError] = useState<string | null>(null);
  if (hosts.length === 0) return null;
  const trust = (h: UnconfirmedHostView) => {
    setError(null);
    call('findNodes.confirmHostKey', { host: h.host, port: h.port, fingerprint: h.fingerprint }).then(onState, (e: Error) => setError(e.message));
  };
  return (
    <section className="host-keys" aria-labelledby="find-confirm-heading">
      <h3 id="find-confirm-heading">{t('find.confirm.heading')}</h3>
      <p className="hint">{t('find.confirm.intro')}</p>
      <ul className="unconfirmed-hosts">
        {hosts.map((h) => (
          <li key={`${h.host}:${h.port}`} data-host={h.host}>
            <p>{h.hostname ? t('find.confirm.says', { where: where(h), hostname: h.hostname }) : where(h)}</p>
            <dl className="fingerprints">
              <dt>{h.keyType}</dt>
              <dd className="mono" data-testid="unconfirmed-fingerprint">
                {h.fingerprint}
              </dd>
            </dl>
            <pre className="log">{keyFile(h.keyType)}</pre>
            <div className="actions">
              <button type="button" onClick={() => trust(h)}>
                {t('find.confirm.trust')}
              </button>
            </div>
          </li>
        ))}
      </ul>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

export function RefusedHosts({ hosts }: { hosts: RefusedHostView[] }) {
  const { t } = useT();
  if (hosts.length === 0) return null;
  return (
    <section className="host-keys" aria-labelledby="find-refused-heading">
      <h3 id="find-refused-heading">{t('find.refused.heading')}</h3>
      <ul className="refused-hosts">
        {hosts.map((h) => (
          <li key={`${h.host}:${h.port}`} data-host={h.host} role="alert">
            <p className="problem">{t(h.reason === 'hostname' ? 'find.refused.hostname' : 'find.refused.address', { where: where(h), node: h.node })}</p>
            <dl className="fingerprints">
              <dt>{t('find.refused.expected', { node: h.node })}</dt>
              <dd className="mono">{h.expectedFingerprint}</dd>
              <dt>{t('find.refused.presented')}</dt>
              <dd className="mono">{h.presentedFingerprint}</dd>
            </dl>
            <p className="hint">{t('find.refused.advice', { node: h.node })}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}
