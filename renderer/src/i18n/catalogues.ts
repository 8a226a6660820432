/**
 * Every feature's catalogue, found by its folder (`renderer/src/**\/messages.ts`), merged per
 * language. Adding a feature's texts needs no edit here.
 *
 * The lessons' steps (6-12) are self-contained: their texts, and the lesson kit's, load with their
 * view (the step registry calls `loadStepTexts`), so the app's first bundle does not carry them
 * (`npm run bench -- house`). Everything else is in the first bundle. A new lesson step that is
 * not listed in the two globs below simply has its texts in the first bundle.
 */
import type { Language } from '../../../preload/contract/app';
import type { Catalogue } from './catalogue';

const eager = import.meta.glob<{ messages: Catalogue }>(['../**/messages.ts', '!../steps/{deploy,update,scale,limits,config,strategies,ha}/**', '!../lessons/**'], { eager: true });
/** Each lesson step's own texts, and the lesson kit's (`lessons/`), which every lesson step loads. */
const perStep = import.meta.glob<{ messages: Catalogue }>(['../steps/{deploy,update,scale,limits,config,strategies,ha}/**/messages.ts', '../lessons/**/messages.ts']);

/** The catalogues in the first bundle. */
export const catalogues: Array<{ file: string; messages: Catalogue }> = Object.entries(eager).map(([file, m]) => ({ file, messages: m.messages }));

function merged(list: Array<{ messages: Catalogue }>, language: Language, into: Record<string, string> = {}): Record<string, string> {
  const out = { ...into };
  for (const { messages } of list) Object.assign(out, messages[language]);
  return out;
}

let current: Record<Language, Record<string, string>> = { en: merged(catalogues, 'en'), 'zh-CN': merged(catalogues, 'zh-CN') };
const loaded = new Set<string>();
const listeners = new Set<() => void>();

/** The messages known now, per language (a new object whenever a step's texts arrive). */
export function currentMessages(): Record<Language, Record<string, string>> {
  return current;
}

export function onMessagesChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Loads the texts of a step's folder (once); resolves when they are in `currentMessages()`. */
export async function loadStepTexts(stepId: string): Promise<void> {
  const own = Object.keys(perStep).filter((f) => f.startsWith(`../steps/${stepId}/`));
  const files = (own.length ? [...own, ...Object.keys(perStep).filter((f) => f.startsWith('../lessons/'))] : []).filter((f) => !loaded.has(f));
  if (!files.length) return;
  const modules = await Promise.all(files.map((f) => perStep[f]!()));
  const fresh = modules.filter((_, i) => !loaded.has(files[i]!));
  files.forEach((f) => loaded.add(f));
  if (!fresh.length) return;
  current = { en: merged(fresh, 'en', current.en), 'zh-CN': merged(fresh, 'zh-CN', current['zh-CN']) };
  for (const l of listeners) l();
}
