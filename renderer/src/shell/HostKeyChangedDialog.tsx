/**
 * A host's SSH key changed: the app stopped talking to it (in discovery or any job). This dialog,
 * over every step, explains why that matters and lets the user trust exactly the new key, after
 * a re-install, or leave the host blocked.
 */
import { useEffect, useState } from 'react';
import type { ErrorBody } from '../../../preload/contract/errors';
import type { FindNodesState, HostKeyChangeView } from '../../../preload/contract/find-nodes';
import { call, errorBodyOf, onEvent } from '../api/client';
import { ErrorMessage } from '../errors/ErrorMessage';
import { useT } from '../i18n/use-t';
import { useAppStore } from '../store/app-store';

const keyOf = (c: HostKeyChangeView) => `${c.host}:${c.port}:${c.presentedFingerprint}`;

export function HostKeyChangedDialog() {
  const { t } = useT();
  const language = useAppStore((s) => s.state?.preferences.language ?? 'en');
  const [changes, setChanges] = useState<HostKeyChangeView[]>([]);
  const [dismissed, setDismissed] = useState<string[]>([]);
  const [error, setError] = useState<ErrorBody | null>(null);

  useEffect(() => {
    const apply = (s: FindNodesState) => setChanges(s.hostKeyChanges);
    void call('findNodes.state', {}).then(apply, () => undefined);
    return onEvent('findNodes.changed', apply);
  }, []);

  const change = changes.find((c) => !dismissed.includes(keyOf(c)));
  if (!change) return null;
  const who = change.node ?? change.host;
  const where = `${change.host}${change.port === 22 ? '' : `:${change.port}`}`;
  const trust = () => {
    setError(null);
    call('findNodes.trustNewHostKey', { host: change.host, port: change.port, fingerprint: change.presentedFingerprint }).then(
      (s) => setChanges(s.hostKeyChanges),
      (e: unknown) => setError(errorBodyOf(e)),
    );
  };
  const prepared = change.cardPreparedAt ? new Date(change.cardPreparedAt).toLocaleString(language) : null;
  return (
    <div className="dialog host-key" role="alertdialog" aria-modal="true" aria-labelledby="host-key-title" aria-describedby="host-key-why">
      <h3 id="host-key-title">{t('hostKey.title', { node: who })}</h3>
      <p id="host-key-why">{t('hostKey.stopped', { node: who, where })}</p>
      <dl className="fingerprints">
        <dt>{t('hostKey.was')}</dt>
        <dd className="mono">{change.pinnedFingerprint}</dd>
        <dt>{t('hostKey.now')}</dt>
        <dd className="mono" data-testid="presented-fingerprint">
          {change.presentedFingerprint}
        </dd>
      </dl>
      {prepared ? <p className="ok">{t('hostKey.expected', { node: who, when: prepared })}</p> : <p className="problem">{t('hostKey.unexpected', { node: who })}</p>}
      <p className="hint">{t('hostKey.check')}</p>
      <pre className="log">sudo ssh-keygen -lf /etc/ssh/ssh_host_{change.keyType.replace(/^ssh-/, '')}_key.pub</pre>
      <div className="actions">
        <button type="button" className={prepared ? 'primary' : ''} autoFocus={Boolean(prepared)} onClick={trust}>
          {t('hostKey.trust')}
        </button>
        <button type="button" autoFocus={!prepared} onClick={() => setDismissed((d) => [...d, keyOf(change)])}>
          {t('hostKey.keepBlocked')}
        </button>
      </div>
      {error && <ErrorMessage error={error} />}
    </div>
  );
}
