/**
 * Step 3, "Boot & discover": the user powers on the Pis, chooses where to search, and watches
 * the planned nodes appear. Nothing is searched until the user picks a network or a host.
 * Each node's host key is shown: the one the app wrote to its card (known before it answers), or
 * for a host the app did not prepare, the one the user confirmed (HostKeyQuestions.tsx).
 */
import { useEffect, useState } from 'react';
import type { ErrorBody } from '../../../../preload/contract/errors';
import type { FindNodesState } from '../../../../preload/contract/find-nodes';
import { call, errorBodyOf, onEvent } from '../../api/client';
import { ErrorMessage } from '../../errors/ErrorMessage';
import { useT } from '../../i18n/use-t';
import { JobFailure } from '../../jobs/JobFailure';
import { useAppStore } from '../../store/app-store';
import { RefusedHosts, UnconfirmedHosts } from './HostKeyQuestions';

type Subnet = { cidr: string; interfaceName: string; localAddress: string; narrowedFrom?: string; practice: boolean };

export function FindNodesStep() {
  const { t } = useT();
  const plan = useAppStore((s) => s.state?.plan ?? null);
  const [subnets, setSubnets] = useState<Subnet[] | null>(null);
  const [chosen, setChosen] = useState<string[]>([]);
  const [extra, setExtra] = useState('');
  const [widen, setWiden] = useState(false);
  const [state, setState] = useState<FindNodesState | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);

  useEffect(() => {
    void call('findNodes.subnets', {}).then((r) => {
      setSubnets(r.subnets);
      setChosen((c) => (c.length ? c : r.subnets.filter((s) => s.practice).map((s) => s.cidr)));
    });
    void call('findNodes.state', {}).then(setState);
    return onEvent('findNodes.changed', setState);
  }, []);

  if (!plan) return <p>{t.rich('find.needPlan')}</p>;
  const running = Boolean(state?.jobId);
  const extraEntries = extra.split(/[\s,]+/).filter(Boolean);
  // "192.168.50.0/24" is a subnet to search; anything else is a host (address or name).
  const extraSubnets = extraEntries.filter((e) => e.includes('/'));
  const extraHosts = extraEntries.filter((e) => !e.includes('/'));
  const toggle = (cidr: string, on: boolean) => setChosen((c) => (on ? [...c, cidr] : c.filter((x) => x !== cidr)));

  const start = async () => {
    setError(null);
    try {
      setState(await call('findNodes.start', { subnets: [...new Set([...chosen, ...extraSubnets])], extraHosts, widen }));
    } catch (e) {
      setError(errorBodyOf(e));
    }
  };

  return (
    <section className="find-nodes">
      <h2>{t.rich('find.heading')}</h2>
      <p className="intro">{t.rich('find.intro')}</p>

      <fieldset>
        <legend>{t.rich('find.where')}</legend>
        {subnets?.length === 0 && <p className="hint">{t.rich('find.noSubnets')}</p>}
        {(subnets ?? []).map((s) => (
          <label key={s.cidr} className="check">
            <input type="checkbox" checked={chosen.includes(s.cidr)} disabled={running} onChange={(e) => toggle(s.cidr, e.target.checked)} />
            <span className="mono">{s.cidr}</span>
            <span className="hint">{s.practice ? t.rich('find.practiceNet') : t.rich(s.narrowedFrom ? 'find.networkNarrowed' : 'find.network', { interface: s.interfaceName, address: s.localAddress, from: s.narrowedFrom ?? '' })}</span>
          </label>
        ))}
        <div className="field">
          <label htmlFor="find-extra">{t.rich('find.extra')}</label>
          <input id="find-extra" value={extra} disabled={running} placeholder="192.168.1.50, ubuntu-vm.local, 192.168.50.0/24" onChange={(e) => setExtra(e.target.value)} />
        </div>
        <label className="check">
          <input type="checkbox" checked={widen} disabled={running} onChange={(e) => setWiden(e.target.checked)} />
          {t.rich('find.widen')}
        </label>
        <div className="actions">
          {running ? (
            <button type="button" onClick={() => void call('findNodes.stop', {}).then(setState)}>
              {t.rich('find.stop')}
            </button>
          ) : (
            <button type="button" className="primary" disabled={subnets === null} onClick={() => void start()}>
              {t.rich('find.start')}
            </button>
          )}
          {running && <span role="status">{t.rich('find.searching')}</span>}
        </div>
        {error && <ErrorMessage error={error} />}
        {!running && <JobFailure kinds={['find-nodes']} />}
      </fieldset>

      <h3>{t.rich('find.nodes')}</h3>
      <table className="nodes">
        <thead>
          <tr>
            <th scope="col">{t.rich('plan.hostname')}</th>
            <th scope="col">{t.rich('find.status')}</th>
            <th scope="col">{t.rich('find.address')}</th>
            <th scope="col">{t.rich('find.hostKey')}</th>
          </tr>
        </thead>
        <tbody>
          {plan.nodes.map((n) => {
            const found = state?.found[n.hostname];
            const by = state?.hosts.find((h) => h.plannedNode === n.hostname)?.matchedBy;
            const prepared = state?.preparedKeys[n.hostname];
            return (
              <tr key={n.hostname} data-node={n.hostname}>
                <td className="mono">{n.hostname}</td>
                <td>
                  {found ? `✓ ${t('find.found')}` : running ? t('find.waiting') : t('find.notFound')}
                  {found && by && <span className="hint small"> ({t.rich('find.byLabel', { how: t(`find.by.${by}`) })})</span>}
                </td>
                <td className="mono">{found ? `${found.address}${found.port === 22 ? '' : `:${found.port}`}` : ''}</td>
                <td className="mono small">
                  {found?.fingerprint ?? prepared ?? ''}
                  {prepared && (found?.fingerprint === prepared || !found) && <span className="hint"> ({t(found ? 'find.keyFromCard' : 'find.keyNotSeen')})</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>

      {state && <RefusedHosts hosts={state.refusedHosts} />}
      {state && <UnconfirmedHosts hosts={state.unconfirmedHosts} onState={setState} />}

      {state && state.hosts.some((h) => !h.plannedNode) && (
        <>
          <h3>{t.rich('find.others')}</h3>
          <ul className="other-hosts">
            {state.hosts
              .filter((h) => !h.plannedNode)
              .map((h) => (
                <li key={h.address}>
                  <span className="mono">{h.address}</span> {h.isPi && <span className="badge">Raspberry Pi</span>} {h.os && <span className="badge">{t.rich(`find.os.${h.os}`, { release: h.osRelease ?? '' })}</span>}{' '}
                  {h.sshReady ? t('find.sshOpen') : t('find.noSsh')} {h.hostname && <span className="mono">{h.hostname}</span>}
                  {h.hostKeyStatus && <span className="hint"> — {t.rich(`find.keyState.${h.hostKeyStatus}`)}</span>}
                  {!h.hostname && !h.hostKeyStatus && h.sshReady && <span className="hint"> — {t.rich('find.notOurs')}</span>}
                </li>
              ))}
          </ul>
        </>
      )}
    </section>
  );
}
