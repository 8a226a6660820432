/**
 * The user's language: react-intl (FormatJS) over the features' catalogues, so messages use ICU
 * plurals, and numbers, dates and relative times are formatted by the platform's Intl for the
 * chosen language. Main sends codes and values; the words live here.
 *
 * `t(key, values)` gives text; `t.rich(key, values)` gives React nodes and understands
 * `<mono>…</mono>` in a message, for names, paths, addresses and commands inside a sentence.
 */
import { createElement, Fragment, useSyncExternalStore } from 'react';
import type { ReactNode } from 'react';
import { IntlProvider, useIntl } from 'react-intl';
import type { IntlShape } from 'react-intl';
import type { Language } from '../../../preload/contract/app';
import type { ValidationIssue } from '../../../preload/contract/errors';
import { useAppStore } from '../store/app-store';
import { currentMessages, onMessagesChange } from './catalogues';

export type Values = Record<string, string | number | boolean | Date | null | undefined>;

export function I18nProvider({ children }: { children: ReactNode }) {
  const language: Language = useAppStore((s) => s.state?.preferences.language ?? 'en');
  const messages = useSyncExternalStore(onMessagesChange, currentMessages);
  return (
    <IntlProvider locale={language} defaultLocale="en" messages={messages[language]} onError={reportMissing}>
      {children}
    </IntlProvider>
  );
}

function reportMissing(error: { code?: string; message: string }): void {
  // A missing text shows its key (tests catch it); anything else is a bug worth seeing.
  if (error.code !== 'MISSING_TRANSLATION') console.error(error.message);
}

/** Tags a message may use: `t.rich` draws them, `t` keeps just their text. */
const TAGS = {
  mono: (chunks: ReactNode[]) => createElement('span', { className: 'mono' }, ...chunks),
};
const TEXT_TAGS = {
  mono: (chunks: string[]) => chunks.join(''),
};

export interface T {
  (key: string, values?: Values): string;
  /** The message as React nodes, with `<mono>` for names, paths and commands. */
  rich(key: string, values?: Values): ReactNode;
  /** True when a catalogue has the key (for codes main may send that the window words). */
  has(key: string): boolean;
}

export function useT(): { t: T; intl: IntlShape; issue: (issue: ValidationIssue) => ReactNode } {
  const intl = useIntl();
  const t = ((key: string, values?: Values) => String(intl.formatMessage({ id: key }, { ...(values as Record<string, string | number>), ...TEXT_TAGS }))) as T;
  t.rich = (key: string, values?: Values) => {
    const out = intl.formatMessage({ id: key }, { ...(values as Record<string, string | number>), ...TAGS }) as ReactNode;
    return Array.isArray(out) ? createElement(Fragment, null, ...(out as ReactNode[])) : out;
  };
  t.has = (key: string) => key in intl.messages;
  return {
    t,
    intl,
    issue: (issue) => (t.has(`issues.${issue.key}`) ? t.rich(`issues.${issue.key}`, issue.values) : issue.message),
  };
}
