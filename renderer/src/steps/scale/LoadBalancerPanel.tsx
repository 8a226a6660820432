/**
 * Step 8's second half: a LoadBalancer Service in front of nginx. MetalLB (MicroK8s' load
 * balancer addon) is enabled over SSH on a control plane with an address range the app proposes
 * from the nodes' subnet and main checks; with DHCP the user confirms the range is outside the
 * router's pool. Then the Service's EXTERNAL-IP (or why it is `<pending>`), nginx fetched
 * through it, and which pod answered each of 20 requests.
 */
import { useEffect, useState } from 'react';
import type { KubeViewSnapshot } from '../../../../preload/contract/kube';
import type { LessonOutcome } from '../../../../preload/contract/lessons';
import { useT } from '../../i18n/use-t';
import { ActionPanel } from '../../lessons/ActionPanel';
import { RunButton } from '../../lessons/RunButton';
import { useProbe } from '../../lessons/use-probe';
import { call } from '../../api/client';

const SERVICE = 'nginx-service';

export function LoadBalancerPanel({ snapshot }: { snapshot: KubeViewSnapshot | undefined }) {
  const { t } = useT();
  const [refresh, setRefresh] = useState(0);
  const info = useLoadBalancerInfo(refresh);
  const [range, setRange] = useState('');
  const [confirmed, setConfirmed] = useState(false);
  const [enableOutput, setEnableOutput] = useState<string | null>(null);
  const [opened, setOpened] = useState<LessonOutcome | null>(null);
  const spread = useProbe(20);
  const service = snapshot?.services?.find((s) => s.name === SERVICE);
  const deployment = snapshot?.deployments?.find((d) => d.name === 'nginx-deployment');
  const enabled = info?.['metallb'] === 'enabled';
  const dhcp = info?.['mode'] === 'dhcp';
  const address = service?.loadBalancer.ingress[0];

  useEffect(() => {
    if (!range && typeof info?.['proposed'] === 'string') setRange(info['proposed']);
  }, [info, range]);

  const pods = [...new Set(spread.samples.flatMap((s) => (s.pod ? [s.pod] : [])))].sort();
  const counts = new Map<string, number>();
  for (const s of spread.samples) if (s.pod) counts.set(s.pod, (counts.get(s.pod) ?? 0) + 1);

  return (
    <section className="load-balancer" aria-label={t('scale.lb.title')}>
      <h3>{t('scale.lb.title')}</h3>
      <p>{t('scale.lb.intro')}</p>

      <h4>{t('scale.metallb.title')}</h4>
      {info === undefined ? (
        <p className="hint">{t('lesson.working')}</p>
      ) : enabled ? (
        <p className="banner ok" data-testid="metallb-state">
          {t('scale.metallb.enabled', { ranges: String(info['ranges'] ?? '') })}
        </p>
      ) : (
        <div className="metallb-enable" data-testid="metallb-enable">
          <p>{t('scale.metallb.explain')}</p>
          <label>
            {t('scale.metallb.range')} <input type="text" value={range} onChange={(e) => setRange(e.target.value)} className="mono" size={32} aria-label={t('scale.metallb.range')} />
          </label>
          <p className="hint">{dhcp ? t('scale.metallb.rangeHintDhcp', { subnet: String(info['subnet'] ?? ''), nodes: String(info['nodes'] ?? '') }) : t('scale.metallb.rangeHintStatic', { subnet: String(info['subnet'] ?? ''), nodes: String(info['nodes'] ?? '') })}</p>
          {dhcp && (
            <label className="confirm-dhcp">
              <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} /> {t('scale.metallb.dhcpConfirm', { range: range.trim() })}
            </label>
          )}
          <p className="mono small">$ microk8s enable metallb:{range.trim()}</p>
          <RunButton
            action="scale.enableMetallb"
            params={{ range, dhcpConfirmed: confirmed }}
            label={t('scale.metallb.enable')}
            primary
            disabled={!range.trim() || (dhcp && !confirmed)}
            onDone={(o) => {
              setEnableOutput(o.output ?? null);
              if (o.ok) setRefresh((r) => r + 1);
            }}
            testId="metallb-enable-run"
          />
        </div>
      )}
      {enableOutput && (
        <details open>
          <summary>{t('scale.metallb.output')}</summary>
          <pre className="log mono" data-testid="metallb-output">
            {enableOutput}
          </pre>
        </details>
      )}

      <h4>{t('scale.lb.serviceTitle')}</h4>
      <ActionPanel action="scale.loadBalancer" label={t('scale.lb.create')} disabled={!deployment} primary={service?.type !== 'LoadBalancer'} testId="scale-lb-create" />
      {service && (
        <pre className="mono service-table" data-testid="lb-service-line">
          {`NAME            TYPE           CLUSTER-IP       EXTERNAL-IP      PORT(S)\n${service.name.padEnd(16)}${service.type.padEnd(15)}${(service.clusterIP ?? '').padEnd(17)}${(service.type === 'LoadBalancer' ? (address ?? '<pending>') : '<none>').padEnd(17)}${service.ports.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(',')}`}
        </pre>
      )}
      {service?.type === 'LoadBalancer' && !address && (
        <p className="banner warn" data-testid="lb-pending">
          {enabled ? t('scale.lb.pendingWaiting') : t('scale.lb.pendingNoMetallb')}
        </p>
      )}
      {address && <p className="banner ok">{t('scale.lb.address', { address })}</p>}

      <ActionPanel action="scale.open" label={t('scale.lb.open')} showYaml={false} disabled={!address} onDone={setOpened} testId="scale-lb-open" />
      {opened?.probe && (
        <div className="http-answer" data-testid="lb-http-answer">
          <p>
            <strong>{opened.probe.status ? t('lesson.http.status', { status: opened.probe.status }) : t('lesson.http.failed', { error: opened.probe.error ?? '' })}</strong>
            {opened.probe.headers.server && <span className="mono"> · {t('lesson.http.server', { server: opened.probe.headers.server })}</span>}
            <span className="hint"> · {opened.values?.['url']}</span>
          </p>
        </div>
      )}

      <h4>{t('scale.spread.title')}</h4>
      <p>{t('scale.spread.intro')}</p>
      <button type="button" disabled={!address || spread.running} onClick={() => void spread.start({ service: SERVICE, namespace: 'default', count: 20, ratePerSecond: 1, durationMs: 60_000, path: '/' })} data-testid="spread-run">
        {spread.running ? t('scale.spread.running', { count: spread.samples.length }) : t('scale.spread.run')}
      </button>
      {spread.error && <p className="field-error">{spread.error}</p>}
      {!spread.running && spread.samples.length > 0 && (
        <div className="spread" data-testid="spread">
          <ol className="spread-cells" aria-label={t('scale.spread.cells')}>
            {spread.samples.map((s, i) => (
              <li key={i} className={`spread-cell p${s.pod ? pods.indexOf(s.pod) % 6 : 'x'}`} title={`#${i + 1}: ${s.pod ?? t('scale.spread.unknown')}`} data-pod={s.pod ?? ''}>
                {i + 1}
              </li>
            ))}
          </ol>
          <ul className="spread-legend">
            {pods.map((p, i) => (
              <li key={p} data-pod={p}>
                <span className={`spread-cell p${i % 6}`} /> <span className="mono small">{p}</span> {t('scale.spread.count', { count: counts.get(p) ?? 0 })}
              </li>
            ))}
          </ul>
          <p className="hint">{t('scale.spread.explain', { pods: pods.length })}</p>
        </div>
      )}
    </section>
  );
}

/** Reads the MetalLB state and the range main proposes. */
export function useLoadBalancerInfo(refresh: number) {
  const [info, setInfo] = useState<LessonOutcome['values']>(undefined);
  useEffect(() => {
    let live = true;
    call('lessons.run', { action: 'scale.loadBalancerInfo', params: {}, force: false }).then(
      (o) => live && setInfo(o.values),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [refresh]);
  return info;
}
