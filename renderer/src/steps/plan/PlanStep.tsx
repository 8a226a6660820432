/**
 * Step 1: the plan. The form checks every field as the user types (same rules as main) and
 * main checks again on save; only a valid plan is saved. Secrets typed here go to main once
 * and never come back.
 */
import { useMemo, useState } from 'react';
import type { ErrorBody, ValidationIssue } from '../../../../preload/contract/errors';
import { COUNTRY_CODES, MAX_NODES, MIN_NODES, validatePlanRules } from '../../../../preload/contract/plan-rules';
import { CallError, call, errorBodyOf } from '../../api/client';
import { ErrorMessage } from '../../errors/ErrorMessage';
import { useT } from '../../i18n/use-t';
import { useAppStore } from '../../store/app-store';
import { Field } from './Field';
import { defaultDraft, draftFromView, isHighAvailability, resizeNodes, toPlanDraft, withHighAvailability } from './plan-draft';
import type { FormDraft } from './plan-draft';

const CHANNELS = ['1.32/stable', '1.31/stable', '1.30/stable', '1.29/stable', 'latest/stable'];

function timeZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
}

type SaveState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved' } | { kind: 'error'; message: string } | { kind: 'failed'; error: ErrorBody };

export function PlanStep() {
  const saved = useAppStore((s) => s.state?.plan ?? null);
  const { t, issue: describe } = useT();
  const [form, setForm] = useState<FormDraft>(() => (saved ? draftFromView(saved) : defaultDraft()));
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [showAll, setShowAll] = useState(false);
  const [serverIssues, setServerIssues] = useState<ValidationIssue[]>([]);
  const [save, setSave] = useState<SaveState>({ kind: 'idle' });
  const [countNote, setCountNote] = useState<string | null>(null);
  const zones = useMemo(timeZones, []);

  const draft = toPlanDraft(form);
  const localIssues = validatePlanRules(draft, { storedWifiSsid: saved?.network.wifi?.ssid, timeZones: zones });
  const issues = [...localIssues, ...serverIssues.filter((s) => !localIssues.some((l) => l.path === s.path))];
  const errorFor = (path: string) => {
    if (!showAll && !touched.has(path)) return undefined;
    const found = issues.find((i) => i.path === path);
    return found ? describe(found) : undefined;
  };

  const update = (change: (f: FormDraft) => FormDraft, path?: string) => {
    setForm((f) => change(structuredClone(f)));
    if (path) setTouched((s) => new Set(s).add(path));
    setServerIssues([]);
    setSave({ kind: 'idle' });
  };
  const touch = (path: string) => setTouched((s) => new Set(s).add(path));

  const onSave = async () => {
    setShowAll(true);
    if (localIssues.length > 0) {
      document.getElementById(fieldId(localIssues[0]?.path ?? ''))?.focus();
      setSave({ kind: 'error', message: t('plan.fix', { count: localIssues.length }) });
      return;
    }
    setSave({ kind: 'saving' });
    try {
      await call('plan.save', { draft });
      setForm((f) => ({ ...f, password: '', removePassword: false, network: { ...f.network, wifi: { ...f.network.wifi, passphrase: '' } } }));
      setSave({ kind: 'saved' });
      await useAppStore.getState().load();
    } catch (error) {
      if (error instanceof CallError && error.issues.length > 0) {
        setServerIssues(error.issues);
        setSave({ kind: 'error', message: t('plan.fix', { count: error.issues.length }) });
      } else setSave({ kind: 'failed', error: errorBodyOf(error) });
    }
  };

  const wifi = form.network.kind === 'wifi';
  const staticMode = form.network.mode === 'static';
  const passphraseKept = Boolean(saved?.network.wifi?.passphraseSet && saved.network.wifi.ssid === form.network.wifi.ssid);

  return (
    <form
      className="plan"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void onSave();
      }}
    >
      <h2>{t.rich('plan.heading')}</h2>
      <p className="intro">{t.rich('plan.intro')}</p>

      <fieldset>
        <legend>{t.rich('plan.cluster')}</legend>
        <Field id={fieldId('clusterName')} label={t('plan.clusterName')} error={errorFor('clusterName')}>
          {(aria) => (
            <input {...aria} value={form.clusterName} autoComplete="off" spellCheck={false} onChange={(e) => update((f) => ({ ...f, clusterName: e.target.value }), 'clusterName')} onBlur={() => touch('clusterName')} />
          )}
        </Field>
        <Field id={fieldId('nodes')} label={t('plan.nodeCount')} error={errorFor('nodes')}>
          {(aria) => (
            <input
              {...aria}
              type="number"
              min={MIN_NODES}
              max={MAX_NODES}
              value={form.nodes.length}
              onChange={(e) => {
                const asked = Number(e.target.value);
                const n = Math.max(MIN_NODES, Math.min(MAX_NODES, asked || MIN_NODES));
                setCountNote(e.target.value !== '' && asked !== n ? t('plan.countClamped', { min: MIN_NODES, max: MAX_NODES, asked: e.target.value, value: n }) : null);
                update((f) => ({ ...f, nodes: resizeNodes(f.nodes, n) }), 'nodes');
              }}
            />
          )}
        </Field>
        {countNote && (
          <p className="hint warn" role="status" data-testid="count-note">
            {countNote}
          </p>
        )}
        {form.nodes.length >= 3 && (
          <label className="check">
            <input type="checkbox" checked={isHighAvailability(form.nodes)} onChange={(e) => update((f) => ({ ...f, nodes: withHighAvailability(f.nodes, e.target.checked) }))} />
            {t.rich('plan.ha')}
            <span className="hint"> {t.rich('plan.haHint')}</span>
          </label>
        )}
        <table className="nodes">
          <caption>{t.rich('plan.nodes')}</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">{t.rich('plan.hostname')}</th>
              <th scope="col">{t.rich('plan.role')}</th>
              {staticMode && <th scope="col">{t.rich('plan.address')}</th>}
            </tr>
          </thead>
          <tbody>
            {form.nodes.map((node, i) => {
              const hostError = errorFor(`nodes.${i}.hostname`);
              const addrError = errorFor(`nodes.${i}.address`);
              return (
                <tr key={i}>
                  <td>{i + 1}</td>
                  <td>
                    <input
                      id={fieldId(`nodes.${i}.hostname`)}
                      aria-label={`${t('plan.hostname')} ${i + 1}`}
                      aria-invalid={Boolean(hostError)}
                      aria-describedby={hostError ? `${fieldId(`nodes.${i}.hostname`)}-error` : undefined}
                      value={node.hostname}
                      spellCheck={false}
                      autoComplete="off"
                      onChange={(e) => update((f) => ({ ...f, nodes: f.nodes.map((n, j) => (j === i ? { ...n, hostname: e.target.value } : n)) }), `nodes.${i}.hostname`)}
                      onBlur={() => touch(`nodes.${i}.hostname`)}
                    />
                    {hostError && (
                      <p className="field-error" id={`${fieldId(`nodes.${i}.hostname`)}-error`} role="alert">
                        {hostError}
                      </p>
                    )}
                  </td>
                  <td>
                    <select
                      aria-label={`${t('plan.role')} ${i + 1}`}
                      value={node.role}
                      onChange={(e) => update((f) => ({ ...f, nodes: f.nodes.map((n, j) => (j === i ? { ...n, role: e.target.value as typeof n.role } : n)) }))}
                    >
                      <option value="control-plane">{t.rich('role.control-plane')}</option>
                      <option value="worker">{t.rich('role.worker')}</option>
                    </select>
                  </td>
                  {staticMode && (
                    <td>
                      <input
                        id={fieldId(`nodes.${i}.address`)}
                        aria-label={`${t('plan.address')} ${i + 1}`}
                        aria-invalid={Boolean(addrError)}
                        value={node.address}
                        inputMode="decimal"
                        placeholder="192.168.1.21"
                        onChange={(e) => update((f) => ({ ...f, nodes: f.nodes.map((n, j) => (j === i ? { ...n, address: e.target.value } : n)) }), `nodes.${i}.address`)}
                        onBlur={() => touch(`nodes.${i}.address`)}
                      />
                      {addrError && (
                        <p className="field-error" role="alert">
                          {addrError}
                        </p>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </fieldset>

      <fieldset>
        <legend>{t.rich('plan.network')}</legend>
        <div className="radio-row" role="radiogroup" aria-label={t('plan.connection')}>
          {(['ethernet', 'wifi'] as const).map((kind) => (
            <label key={kind} className="check">
              <input type="radio" name="kind" checked={form.network.kind === kind} onChange={() => update((f) => ({ ...f, network: { ...f.network, kind } }))} />
              {t.rich(kind === 'wifi' ? 'net.wifi' : 'net.ethernet')}
            </label>
          ))}
        </div>
        {wifi && (
          <div className="grid">
            <Field id={fieldId('network.wifi.ssid')} label={t('plan.ssid')} error={errorFor('network.wifi.ssid')}>
              {(aria) => (
                <input {...aria} value={form.network.wifi.ssid} spellCheck={false} autoComplete="off" onChange={(e) => update((f) => ({ ...f, network: { ...f.network, wifi: { ...f.network.wifi, ssid: e.target.value } } }), 'network.wifi.ssid')} onBlur={() => touch('network.wifi.ssid')} />
              )}
            </Field>
            <Field id={fieldId('network.wifi.passphrase')} label={t('plan.passphrase')} error={errorFor('network.wifi.passphrase')} hint={passphraseKept ? t('plan.passphraseKept') : undefined}>
              {(aria) => (
                <input {...aria} type="password" autoComplete="new-password" value={form.network.wifi.passphrase} onChange={(e) => update((f) => ({ ...f, network: { ...f.network, wifi: { ...f.network.wifi, passphrase: e.target.value } } }), 'network.wifi.passphrase')} onBlur={() => touch('network.wifi.passphrase')} />
              )}
            </Field>
            <Field id={fieldId('network.wifi.country')} label={t('plan.country')} error={errorFor('network.wifi.country')}>
              {(aria) => (
                <select {...aria} value={form.network.wifi.country} onChange={(e) => update((f) => ({ ...f, network: { ...f.network, wifi: { ...f.network.wifi, country: e.target.value } } }), 'network.wifi.country')}>
                  {COUNTRY_CODES.map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <label className="check">
              <input type="checkbox" checked={form.network.wifi.hidden} onChange={(e) => update((f) => ({ ...f, network: { ...f.network, wifi: { ...f.network.wifi, hidden: e.target.checked } } }))} />
              {t.rich('plan.hidden')}
            </label>
          </div>
        )}
        <div className="radio-row" role="radiogroup" aria-label={t('plan.addressing')}>
          {(['dhcp', 'static'] as const).map((mode) => (
            <label key={mode} className="check">
              <input type="radio" name="mode" checked={form.network.mode === mode} onChange={() => update((f) => ({ ...f, network: { ...f.network, mode } }))} />
              {t.rich(mode === 'dhcp' ? 'net.dhcp' : 'net.static')}
            </label>
          ))}
        </div>
        {staticMode && (
          <div className="grid">
            <Field id={fieldId('network.static.prefix')} label={t('plan.prefix')} error={errorFor('network.static.prefix')}>
              {(aria) => (
                <input {...aria} type="number" min={8} max={30} value={form.network.static.prefix} onChange={(e) => update((f) => ({ ...f, network: { ...f.network, static: { ...f.network.static, prefix: Number(e.target.value) } } }), 'network.static.prefix')} />
              )}
            </Field>
            <Field id={fieldId('network.static.gateway')} label={t('plan.gateway')} error={errorFor('network.static.gateway')}>
              {(aria) => (
                <input {...aria} value={form.network.static.gateway} inputMode="decimal" placeholder="192.168.1.1" onChange={(e) => update((f) => ({ ...f, network: { ...f.network, static: { ...f.network.static, gateway: e.target.value } } }), 'network.static.gateway')} onBlur={() => touch('network.static.gateway')} />
              )}
            </Field>
            <Field id={fieldId('network.static.dns')} label={t('plan.dns')} error={errorFor('network.static.dns') ?? errorFor('network.static.dns.0') ?? errorFor('network.static.dns.1')}>
              {(aria) => (
                <input {...aria} value={form.network.static.dns} placeholder="192.168.1.1" onChange={(e) => update((f) => ({ ...f, network: { ...f.network, static: { ...f.network.static, dns: e.target.value } } }), 'network.static.dns')} onBlur={() => { touch('network.static.dns'); touch('network.static.dns.0'); touch('network.static.dns.1'); }} />
              )}
            </Field>
          </div>
        )}
      </fieldset>

      <fieldset>
        <legend>{t.rich('plan.login')}</legend>
        <p className="hint">{t.rich('plan.keyInfo')}</p>
        {saved && (
          <p className="mono" data-testid="fingerprint">
            {t.rich('plan.fingerprint')}: {saved.login.fingerprint}
          </p>
        )}
        <Field id={fieldId('password')} label={t.rich('plan.password')} error={errorFor('password')} hint={saved?.login.passwordSet ? t('plan.passwordSet') : undefined}>
          {(aria) => <input {...aria} type="password" autoComplete="new-password" value={form.password ?? ''} onChange={(e) => update((f) => ({ ...f, password: e.target.value }), 'password')} onBlur={() => touch('password')} />}
        </Field>
        {saved?.login.passwordSet && (
          <label className="check">
            <input type="checkbox" checked={Boolean(form.removePassword)} onChange={(e) => update((f) => ({ ...f, removePassword: e.target.checked }))} />
            {t.rich('plan.removePassword')}
          </label>
        )}
      </fieldset>

      <fieldset>
        <legend>{t.rich('plan.software')}</legend>
        <div className="grid">
          <Field id={fieldId('microk8sChannel')} label={t('plan.channel')} error={errorFor('microk8sChannel')}>
            {(aria) => (
              <>
                <input {...aria} list="channels" value={form.microk8sChannel} onChange={(e) => update((f) => ({ ...f, microk8sChannel: e.target.value }), 'microk8sChannel')} />
                <datalist id="channels">
                  {CHANNELS.map((c) => (
                    <option key={c} value={c} />
                  ))}
                </datalist>
              </>
            )}
          </Field>
          <Field id={fieldId('ubuntuRelease')} label={t('plan.release')}>
            {(aria) => (
              <select {...aria} value={form.ubuntuRelease} onChange={(e) => update((f) => ({ ...f, ubuntuRelease: e.target.value as FormDraft['ubuntuRelease'] }))}>
                <option value="24.04">Ubuntu Server 24.04 LTS</option>
                <option value="22.04">Ubuntu Server 22.04 LTS</option>
              </select>
            )}
          </Field>
          <Field id={fieldId('timezone')} label={t('plan.timezone')} error={errorFor('timezone')}>
            {(aria) => (
              <select {...aria} className="mono" value={form.timezone} onChange={(e) => update((f) => ({ ...f, timezone: e.target.value }), 'timezone')}>
                {(zones.includes(form.timezone) ? zones : [form.timezone, ...zones]).map((z) => (
                  <option key={z} value={z}>
                    {z}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
      </fieldset>

      <div className="actions sticky-actions">
        <button type="submit" className="primary" disabled={save.kind === 'saving'}>
          {save.kind === 'saving' ? t('plan.saving') : t('plan.save')}
        </button>
        <span role="status" className={`save-status ${save.kind}`} data-testid="save-status">
          {save.kind === 'saved' ? t('plan.saved') : save.kind === 'error' ? save.message : save.kind === 'failed' ? <ErrorMessage error={save.error} role="none" className="" /> : ''}
        </span>
        {save.kind === 'saved' && (
          <button type="button" className="link" onClick={() => void useAppStore.getState().setPreferences({ currentStep: 'cards' })}>
            {t.rich('plan.next')}
          </button>
        )}
      </div>
    </form>
  );
}

function fieldId(path: string): string {
  return `plan-${path.replace(/\./g, '-')}`;
}
