import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nProvider } from './i18n/use-t';
import { AppShell } from './shell/AppShell';
import { connectStore, useAppStore } from './store/app-store';
import './styles.css';

connectStore();
void useAppStore.getState().load();

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <I18nProvider>
        <AppShell />
      </I18nProvider>
    </StrictMode>,
  );
}
