/** Translation helpers bound to the current language. */
import type { ValidationIssue } from '../../../preload/contract/errors';
import { useAppStore } from '../store/app-store';
import { en, zhCN } from './messages';
import type { Messages } from './messages';

type TextKey = { [K in keyof Messages]: Messages[K] extends string ? K : never }[keyof Messages];

export function format(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? `{${name}}`));
}

export function useMessages(): Messages {
  const language = useAppStore((s) => s.state?.preferences.language ?? 'en');
  return language === 'zh-CN' ? zhCN : en;
}

export function useT(): {
  t: (key: TextKey, values?: Record<string, string | number>) => string;
  m: Messages;
  issue: (issue: ValidationIssue) => string;
} {
  const m = useMessages();
  return {
    m,
    t: (key, values) => format(m[key], values),
    issue: (issue) => {
      const template = m.issues[issue.key];
      return template ? format(template, issue.values) : issue.message;
    },
  };
}
