/**
 * Step 10, Config and secrets: nginx's page and server block from ConfigMaps, its password file
 * from a Secret (made in main from a user name and password chosen here; the password field is
 * masked unless the user asks to see it, and main keeps the password in memory only), the page
 * fetched from this computer without credentials (401) and with them (200, naming the pod that
 * answered), the page edited and seen pod by pod (old until the kubelet's sync), and `rollout
 * restart` making new pods live. A cluster that does not answer, a quota left in `default` and a
 * node that is down are explained where they matter.
 */
import { useEffect, useState } from 'react';
import type { LessonOutcome } from '../../../../preload/contract/lessons';
import { call } from '../../api/client';
import { useT } from '../../i18n/use-t';
import { ActionPanel } from '../../lessons/ActionPanel';
import { EventList } from '../../lessons/EventList';
import { KubectlPanel } from '../../lessons/KubectlPanel';
import { OutcomeText } from '../../lessons/OutcomeText';
import { LessonFrame } from '../../lessons/LessonFrame';
import { PodsOnNodes } from '../../lessons/PodsOnNodes';
import { useLessons, useLiveCluster } from '../../lessons/use-lesson-state';
import { useNow } from '../../lessons/use-now';

const APP = 'nginx-config';
// The same rules main applies (main checks again): no colon in the name, printable ASCII passwords.
const USER_RULE = /^[A-Za-z0-9._-]{1,32}$/;
const PASSWORD_RULE = /^[\x20-\x7e]{8,72}$/;

function HttpAnswer({ outcome, testId }: { outcome: LessonOutcome; testId: string }) {
  const { t } = useT();
  const probe = outcome.probe;
  if (!probe) return <OutcomeText outcome={outcome} action="config.fetch" />;
  return (
    <div className="http-answer" data-testid={testId} data-status={probe.status ?? ''}>
      <p className={outcome.ok ? 'ok' : 'warn'}>{t.has(`config.outcome.${outcome.code}`) ? t(`config.outcome.${outcome.code}`, { ...outcome.values }) : outcome.code}</p>
      <p>
        <strong>{probe.status ? t('lesson.http.status', { status: probe.status }) : t('lesson.http.failed', { error: probe.error ?? '' })}</strong>
        {probe.headers.server && <span className="mono"> · {t('lesson.http.server', { server: probe.headers.server })}</span>}
        {outcome.values?.['pod'] !== undefined && <span className="mono"> · X-Served-By: {String(outcome.values['pod'])}</span>}
        <span className="hint"> · {String(outcome.values?.['url'] ?? '')}</span>
      </p>
      {probe.headers.wwwAuthenticate && (
        <p className="mono small" data-testid="www-authenticate">
          WWW-Authenticate: {probe.headers.wwwAuthenticate}
        </p>
      )}
      {probe.status === 401 && <p className="hint">{outcome.values?.['auth'] === 'sent' ? t('config.why401Wrong') : t('config.why401')}</p>}
      {probe.status === 200 && <p className="hint">{t('config.why200')}</p>}
      {probe.body && <pre className="log page-excerpt">{probe.body.slice(0, 800)}</pre>}
    </div>
  );
}

export function ConfigStep() {
  const { t } = useT();
  const live = useLiveCluster();
  const lessons = useLessons();
  const now = useNow();
  const [user, setUser] = useState('pi');
  const [password, setPassword] = useState('');
  const [showPassword, setShowPassword] = useState(false);
  const [askPassword, setAskPassword] = useState(false);
  const [answers, setAnswers] = useState<{ without?: LessonOutcome; with?: LessonOutcome }>({});
  const [fetching, setFetching] = useState(false);
  const [fetchError, setFetchError] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [pages, setPages] = useState<LessonOutcome | null>(null);
  const [watching, setWatching] = useState(0);
  const [restartedAt, setRestartedAt] = useState<number | null>(null);
  const snapshot = live?.snapshot;
  const pods = (snapshot?.pods ?? []).filter((p) => p.labels['app'] === APP);
  const deployment = (snapshot?.deployments ?? []).find((d) => d.name === APP);
  const service = (snapshot?.services ?? []).find((s) => s.name === APP);
  const progress = lessons?.progress['config'] ?? [];
  const unreachable = live?.status === 'reconnecting';
  const events = (snapshot?.events ?? []).filter((e) => e.involved.name.startsWith(APP) || e.involved.name.startsWith('nginx-page') || e.involved.name.startsWith('nginx-htpasswd'));
  const quotaRefusal = events.find((e) => e.reason === 'FailedCreate' && /quota/.test(e.message));
  const down = (snapshot?.nodes ?? []).filter((n) => n.ready.status !== 'True');
  const userOk = USER_RULE.test(user);
  const passwordOk = PASSWORD_RULE.test(password);

  // After an edit, ask the pods again every few seconds until all serve the new page.
  useEffect(() => {
    if (!watching) return undefined;
    let stopped = false;
    let tries = 0;
    const ask = async () => {
      if (stopped) return;
      try {
        const out = await call('lessons.run', { action: 'config.pages', params: { requests: 8 } });
        if (stopped) return;
        setPages(out);
        if (out.code === 'ask-password') setAskPassword(true);
        if (out.code === 'pages-current' || out.code === 'ask-password') return;
      } catch {
        // The cluster did not answer: the banner says so; try again.
      }
      if (++tries < 60) timer = setTimeout(() => void ask(), 4000);
    };
    let timer = setTimeout(() => void ask(), 500);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [watching]);

  /** Fetch the page from this computer: without credentials, with the remembered password, or with the one typed again. */
  const open = async (credentials: 'none' | 'remembered' | 'typed') => {
    setFetching(true);
    setFetchError(null);
    try {
      const o = await call('lessons.run', { action: 'config.fetch', params: credentials === 'typed' ? { credentials, user, password } : { credentials } });
      if (o.code === 'ask-password') setAskPassword(true);
      else {
        setAnswers((a) => (credentials === 'none' ? { ...a, without: o } : { ...a, with: o }));
        if (o.code === 'page-served') {
          setAskPassword(false);
          setPassword('');
          if (!text && typeof o.values?.['page'] === 'string') setText(o.values['page']);
        }
      }
    } catch (e) {
      setFetchError((e as Error).message);
    } finally {
      setFetching(false);
    }
  };

  const passwordField = (id: string) => (
    <div className="field">
      <label htmlFor={id}>{t('config.password')}</label>
      <span className="credentials">
        <input
          id={id}
          type={showPassword ? 'text' : 'password'}
          autoComplete="new-password"
          value={password}
          aria-invalid={password !== '' && !passwordOk}
          onChange={(e) => setPassword(e.target.value)}
          data-testid={`${id}-input`}
        />
        <button type="button" className="small" aria-pressed={showPassword} onClick={() => setShowPassword((s) => !s)}>
          {showPassword ? t('config.hidePassword') : t('config.showPassword')}
        </button>
      </span>
      {password !== '' && !passwordOk && <p className="field-error">{t('config.passwordRule')}</p>}
    </div>
  );

  const stalePods = Object.entries(pages?.values ?? {}).filter(([k]) => k.startsWith('pod|'));
  const done = ['fetched-401', 'fetched-200', 'edited', 'restarted'].every((g) => progress.includes(g));
  return (
    <LessonFrame id="config" title={t('config.title')} intro={<p>{t('config.intro')}</p>}>
      {unreachable && (
        <p className="banner warn" role="alert" data-testid="config-unreachable">
          {t('config.unreachable')}
        </p>
      )}
      {quotaRefusal && (
        <p className="banner warn" role="alert" data-testid="config-quota">
          {t('config.quotaInDefault')}
        </p>
      )}

      <h3>{t('config.setupTitle')}</h3>
      <p>{t('config.setupIntro')}</p>
      <fieldset>
        <legend>{t('config.credentials')}</legend>
        <div className="credentials">
          <div className="field">
            <label htmlFor="config-user">{t('config.user')}</label>
            <input id="config-user" value={user} autoComplete="username" aria-invalid={!userOk} onChange={(e) => setUser(e.target.value)} />
            {!userOk && <p className="field-error">{t('config.userRule')}</p>}
          </div>
          {passwordField('config-password')}
        </div>
        <p className="hint small">{t('config.secretMasked')}</p>
      </fieldset>
      <ActionPanel
        action="config.apply"
        params={{ user: userOk ? user : 'pi' }}
        runParams={(): Record<string, string> => (password ? { password } : {})}
        label={deployment ? t('config.applyAgain') : t('config.apply')}
        primary={!deployment}
        disabled={!userOk || (password !== '' && !passwordOk) || (!deployment && !passwordOk) || unreachable}
        onDone={(o) => {
          if (o.ok) setPassword('');
        }}
        testId="config-apply"
      />
      {service && (
        <p className="mono" data-testid="config-service">
          {service.name} {service.type} {service.clusterIP} {service.ports.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(',')}
        </p>
      )}
      <PodsOnNodes nodes={snapshot?.nodes ?? []} pods={pods} now={now} highlight={(p) => (restartedAt && Date.parse(p.createdAt) >= restartedAt - 2000 ? 'new' : undefined)} />
      {down.length > 0 && <p className="hint">{t('config.nodeDown', { nodes: down.map((n) => n.name).join(', ') })}</p>}

      <h3>{t('config.openTitle')}</h3>
      <p>{t('config.openIntro')}</p>
      <KubectlPanel commands={[`kubectl get service ${APP} -o wide`, 'curl -i http://<node address>:<node port>/', `curl -i -u ${userOk ? user : 'pi'} http://<node address>:<node port>/`]} />
      <div className="actions">
        <button type="button" className={service && !progress.includes('fetched-401') ? 'primary' : ''} disabled={!service || unreachable || fetching} onClick={() => void open('none')} data-testid="config-open-anonymous">
          {t('config.openWithout')}
        </button>
        <button type="button" className={progress.includes('fetched-401') && !progress.includes('fetched-200') ? 'primary' : ''} disabled={!service || unreachable || fetching} onClick={() => void open('remembered')} data-testid="config-open-password">
          {t('config.openWith')}
        </button>
      </div>
      {fetchError && (
        <p className="field-error" role="alert">
          {fetchError}
        </p>
      )}
      {askPassword && (
        <div className="http-answer" data-testid="config-ask-password">
          <p>{t('config.askPassword')}</p>
          {passwordField('config-ask')}
          <button type="button" className="primary" disabled={!passwordOk || !userOk || fetching} onClick={() => void open('typed')} data-testid="config-open-typed">
            {t('config.openTyped')}
          </button>
        </div>
      )}
      <div className="answers">
        {answers.without && <HttpAnswer outcome={answers.without} testId="config-answer-without" />}
        {answers.with && <HttpAnswer outcome={answers.with} testId="config-answer-with" />}
      </div>

      <h3>{t('config.editTitle')}</h3>
      <p>{t('config.editIntro')}</p>
      <div className="field">
        <label htmlFor="config-page-text">{t('config.pageText')}</label>
        <input id="config-page-text" value={text} maxLength={120} placeholder={t('config.pagePlaceholder')} onChange={(e) => setText(e.target.value)} />
      </div>
      <ActionPanel
        action="config.editPage"
        params={{ text: text.trim() || t('config.pagePlaceholder') }}
        label={t('config.edit')}
        disabled={!deployment || unreachable}
        primary={progress.includes('fetched-200') && !progress.includes('edited')}
        onDone={(o) => {
          if (o.ok) setWatching((n) => n + 1);
        }}
        testId="config-edit"
      />
      <div className="http-answer">
        <p>{t('config.syncWhy')}</p>
        <p className="hint">{t('config.envNever')}</p>
      </div>
      <ActionPanel action="config.pages" params={{ requests: 8 }} label={t('config.askPods')} showYaml={false} disabled={!deployment || unreachable} onDone={(o) => (o.code === 'ask-password' ? setAskPassword(true) : setPages(o))} testId="config-pages" />
      {pages && stalePods.length > 0 && (
        <div data-testid="config-pod-pages" data-stale={pages.values?.['stale'] ?? ''}>
          <p>{pages.code === 'pages-current' ? t('config.pagesCurrent') : t('config.pagesStale', { stale: Number(pages.values?.['stale'] ?? 0) })}</p>
          <table className="pod-pages">
            <thead>
              <tr>
                <th>{t('config.podColumn')}</th>
                <th>{t('config.pageColumn')}</th>
              </tr>
            </thead>
            <tbody>
              {stalePods.map(([k, v]) => (
                <tr key={k} className={v === pages.values?.['expected'] ? '' : 'stale'}>
                  <td className="mono">{k.slice(4)}</td>
                  <td>
                    {String(v)} {v === pages.values?.['expected'] ? '' : t('config.oldPage')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h3>{t('config.restartTitle')}</h3>
      <p>{t('config.restartIntro')}</p>
      <ActionPanel
        action="config.restart"
        label={t('config.restart')}
        showYaml={false}
        disabled={!deployment || unreachable}
        primary={progress.includes('edited') && !progress.includes('restarted')}
        onDone={(o) => {
          if (o.ok) {
            setRestartedAt(Date.now());
            setWatching((n) => n + 1);
          }
        }}
        testId="config-restart"
      />
      {deployment && restartedAt && (
        <p className="mono small" data-testid="config-rollout">
          {t('config.rolloutLine', { updated: deployment.status.updated, ready: deployment.status.ready, replicas: deployment.replicas })}
        </p>
      )}
      <EventList events={events} now={now} />
      <p className={done ? 'banner ok' : 'hint'} role="status" data-testid="config-goal">
        {done ? t('config.goalReached') : t('config.goal')}
      </p>
    </LessonFrame>
  );
}
