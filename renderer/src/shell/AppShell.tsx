/**
 * The frame around every step: a skip link, the top bar (practice mode, language, theme), the
 * journey rail, the current step's view (loaded from its folder, see steps/registry.ts), the jobs
 * and the dialogs that can appear over any step.
 */
import { Suspense, useEffect } from 'react';
import type { Language, Theme } from '../../../preload/contract/app';
import { call } from '../api/client';
import { ErrorMessage } from '../errors/ErrorMessage';
import { useT } from '../i18n/use-t';
import { JobPanel } from '../jobs/JobPanel';
import { PracticePanel } from '../practice/PracticePanel';
import { useAppStore } from '../store/app-store';
import { stepView } from '../steps/registry';
import { SkipLink } from '../toolkit/SkipLink';
import { HostKeyChangedDialog } from './HostKeyChangedDialog';
import { StepRail } from './StepRail';

function useThemeAndLanguage(theme: Theme | undefined, language: Language | undefined) {
  useEffect(() => {
    document.documentElement.dataset.theme = theme ?? 'system';
    document.documentElement.lang = language ?? 'en';
  }, [theme, language]);
}

export function AppShell() {
  const state = useAppStore((s) => s.state);
  const loadError = useAppStore((s) => s.loadError);
  const connected = useAppStore((s) => s.connected);
  const setPreferences = useAppStore((s) => s.setPreferences);
  const practice = useAppStore((s) => s.practice);
  const practiceError = useAppStore((s) => s.practiceError);
  const setPractice = useAppStore((s) => s.setPracticeEnabled);
  const switchingTo = useAppStore((s) => s.practiceSwitchingTo);
  const switching = switchingTo !== null;
  const { t } = useT();
  useThemeAndLanguage(state?.preferences.theme, state?.preferences.language);

  const title = t('app.title');
  useEffect(() => {
    document.title = title;
  }, [title]);

  if (!state) {
    return (
      <main className="loading" aria-busy={!loadError}>
        {loadError ? <ErrorMessage error={loadError} /> : <p>{t.rich('app.loading')}</p>}
      </main>
    );
  }

  const step = state.preferences.currentStep;
  const View = stepView(step);
  return (
    <div className="shell">
      <SkipLink label={t('app.skipToStep')} />
      <header className="topbar">
        <h1>{title}</h1>
        {state.host === 'browser' && <span className="badge">{t.rich('app.browserHost')}</span>}
        {state.world === 'practice' && <span className="badge practice-badge">{t.rich('app.practiceWorld')}</span>}
        <div className="spacer" />
        <label className="check">
          <input type="checkbox" role="switch" checked={Boolean(practice?.enabled)} disabled={!practice} aria-disabled={switching} aria-busy={switching} onChange={(e) => !switching && void setPractice(e.target.checked)} />
          {t.rich('practice.mode')}
        </label>
        <label>
          {t.rich('app.language')}{' '}
          <select value={state.preferences.language} onChange={(e) => void setPreferences({ language: e.target.value as Language })} data-testid="language">
            <option value="en">English</option>
            <option value="zh-CN">简体中文</option>
          </select>
        </label>
        <label>
          {t.rich('app.theme')}{' '}
          <select value={state.preferences.theme} onChange={(e) => void setPreferences({ theme: e.target.value as Theme })} data-testid="theme">
            <option value="system">{t.rich('theme.system')}</option>
            <option value="light">{t.rich('theme.light')}</option>
            <option value="dark">{t.rich('theme.dark')}</option>
          </select>
        </label>
      </header>
      {!connected && (
        <div className="banner warn" role="status">
          {t.rich('app.disconnected')}
        </div>
      )}
      {practiceError && <ErrorMessage error={practiceError} className="banner warn" />}
      {state.recovered && (
        <div className="banner warn" role="alert">
          <span>{t.rich(`app.recovered.${state.recovered.code}`, { file: state.recovered.keptAs, detail: state.recovered.detail })}</span>
          <button type="button" onClick={() => void call('app.dismissRecovery', {}).then(() => useAppStore.getState().load())}>
            {t.rich('app.dismiss')}
          </button>
        </div>
      )}
      <PracticePanel />
      <div className="body">
        <StepRail state={state} onSelect={(id) => void setPreferences({ currentStep: id })} />
        {/* During a switch the step still shows the other world's data: not to be acted on. */}
        <main className="content" id="content" tabIndex={-1} aria-busy={switching} inert={switching}>
          {switching && (
            <p className="banner switching" role="status" data-testid="switching-world">
              {t.rich(switchingTo ? 'app.switchingToPractice' : 'app.switchingToReal')}
            </p>
          )}
          {View ? (
            <Suspense fallback={<p aria-busy="true">{t.rich('app.loading')}</p>}>
              <View key={`${state.world}-${step}`} />
            </Suspense>
          ) : (
            <p>{t.rich('app.comingSoon')}</p>
          )}
        </main>
      </div>
      <JobPanel />
      <HostKeyChangedDialog />
    </div>
  );
}
