/**
 * Every catalogue at once, for the tests that check them all (both languages complete, codes
 * worded, no English in Chinese). The app itself loads the lessons' texts with their steps
 * (`catalogues.ts`); this module is never imported by the app.
 */
import type { Language } from '../../../preload/contract/app';
import type { Catalogue } from './catalogue';

const modules = import.meta.glob<{ messages: Catalogue }>('../**/messages.ts', { eager: true });

export const catalogues: Array<{ file: string; messages: Catalogue }> = Object.entries(modules).map(([file, m]) => ({ file, messages: m.messages }));

function merged(language: Language): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { messages } of catalogues) Object.assign(out, messages[language]);
  return out;
}

export const messagesByLanguage: Record<Language, Record<string, string>> = { en: merged('en'), 'zh-CN': merged('zh-CN') };
