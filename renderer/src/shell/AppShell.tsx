/** The frame around every step: header with language and theme, the journey rail, the step, the jobs. */
import { useEffect } from 'react';
import type { Language, Theme } from '../../../preload/contract/app';
import { call } from '../api/client';
import { useT } from '../i18n/use-t';
import { JobPanel } from '../jobs/JobPanel';
import { PracticePanel } from '../practice/PracticePanel';
import { useAppStore } from '../store/app-store';
import { CardsStep } from '../steps/cards/CardsStep';
import { ClusterStep } from '../steps/cluster/ClusterStep';
import { InstallStep } from '../steps/cluster/InstallStep';
import { FindNodesStep } from '../steps/find-nodes/FindNodesStep';
import { PlanStep } from '../steps/plan/PlanStep';
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
  const setPractice = useAppStore((s) => s.setPracticeEnabled);
  const { t, m } = useT();
  useThemeAndLanguage(state?.preferences.theme, state?.preferences.language);

  useEffect(() => {
    document.title = m.appTitle;
  }, [m.appTitle]);

  if (!state) {
    return (
      <main className="loading" aria-busy={!loadError}>
        {loadError ? <p role="alert">{loadError}</p> : <p>{t('loading')}</p>}
      </main>
    );
  }

  const step = state.preferences.currentStep;
  return (
    <div className="shell">
      <header className="topbar">
        <h1>{m.appTitle}</h1>
        {state.host === 'browser' && <span className="badge">{t('browserHost')}</span>}
        <div className="spacer" />
        <label className="check">
          <input type="checkbox" role="switch" checked={Boolean(practice?.enabled)} onChange={(e) => void setPractice(e.target.checked)} />
          {t('practice.mode')}
        </label>
        <label>
          {t('language')}{' '}
          <select
            value={state.preferences.language}
            onChange={(e) => void setPreferences({ language: e.target.value as Language })}
            data-testid="language"
          >
            <option value="en">English</option>
            <option value="zh-CN">简体中文</option>
          </select>
        </label>
        <label>
          {t('theme')}{' '}
          <select value={state.preferences.theme} onChange={(e) => void setPreferences({ theme: e.target.value as Theme })} data-testid="theme">
            <option value="system">{t('theme.system')}</option>
            <option value="light">{t('theme.light')}</option>
            <option value="dark">{t('theme.dark')}</option>
          </select>
        </label>
      </header>
      {!connected && (
        <div className="banner warn" role="status">
          {t('disconnected')}
        </div>
      )}
      {state.recovered && (
        <div className="banner warn" role="alert">
          <span>{state.recovered.code}: {state.recovered.detail}</span>
          <button type="button" onClick={() => void call('app.dismissRecovery', {}).then(() => useAppStore.getState().load())}>
            {t('dismiss')}
          </button>
        </div>
      )}
      <PracticePanel />
      <div className="body">
        <StepRail state={state} onSelect={(id) => void setPreferences({ currentStep: id })} />
        <main className="content" id="content" tabIndex={-1}>
          {step === 'plan' && <PlanStep />}
          {step === 'cards' && <CardsStep />}
          {step === 'discover' && <FindNodesStep />}
          {step === 'install' && <InstallStep />}
          {step === 'cluster' && <ClusterStep />}
        </main>
      </div>
      <JobPanel />
      <HostKeyChangedDialog />
    </div>
  );
}
