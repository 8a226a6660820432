/**
 * A feature's texts: one catalogue per feature folder (`messages.ts` exporting `messages`), with
 * the same keys in English and Simplified Chinese (the type checks it; a test checks that every
 * message parses as ICU MessageFormat and uses the same arguments in both languages). Keys start
 * with the feature's name (`cards.title`), so catalogues merge without clashes.
 */
import type { Language } from '../../../preload/contract/app';

export type Catalogue<K extends string = string> = Record<Language, Record<K, string>>;

export function catalogue<const E extends Record<string, string>>(texts: { en: E; 'zh-CN': { [K in keyof E]: string } }): Catalogue<Extract<keyof E, string>> {
  return texts as Catalogue<Extract<keyof E, string>>;
}
