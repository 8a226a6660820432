/**
 * A failure of imaging in the user's words: main sends a code with values (job progress) or a
 * call's error; the words come from imaging's catalogue (`imaging.error.<code>`), else the key
 * main gave the error (`errors.<key>`, as ErrorMessage words it), else step 2's drive problems,
 * else main's English. Main's technical message stays folded under "Details".
 */
import type { IntlShape } from 'react-intl';
import { useT } from '../../../i18n/use-t';
import type { T } from '../../../i18n/use-t';
import { IMAGING_CODES, failureWords } from './imaging-model';

export type Failure = { code: string; message: string; key?: string; values?: Record<string, string | number> };
/** What the user typed or chose, for errors that do not carry it. */
export type FailureContext = { url?: string; path?: string; device?: string };

/** A call's error as a failure (its code, main's English, and values when main sends them). */
export function failureOf(error: unknown): Failure {
  const e = error as { code?: unknown; message?: unknown; key?: unknown; values?: unknown };
  return {
    code: typeof e.code === 'string' ? e.code : 'FAILED',
    message: typeof e.message === 'string' ? e.message : String(error),
    ...(typeof e.key === 'string' ? { key: e.key } : {}),
    ...(e.values && typeof e.values === 'object' ? { values: e.values as Record<string, string | number> } : {}),
  };
}

/** The catalogue key and values that word `failure`, or null when only main's English is there. */
export function failureText(t: T, intl: IntlShape, failure: Failure, context: FailureContext = {}): { key: string; values: Record<string, string | number> } | null {
  const words = failureWords(intl, failure, context);
  if (IMAGING_CODES.includes(failure.code) && t.has(words.key)) return words;
  if (failure.key && t.has(`errors.${failure.key}`)) return { key: `errors.${failure.key}`, values: { ...failure.values } };
  if (t.has(words.key)) return words;
  if (t.has(`cards.problem.${failure.code}`)) return { key: `cards.problem.${failure.code}`, values: { reason: '', mount: '', gb: 0, ...failure.values } };
  return null;
}

/** A failure worded, with main's technical message folded away under "Details". */
export function FailureView({ failure, context, role = 'alert' }: { failure: Failure; context?: FailureContext; role?: 'alert' | 'none' }) {
  const { t, intl } = useT();
  const words = failureText(t, intl, failure, context);
  return (
    <div className="field-error imaging-failure" role={role === 'none' ? undefined : role} data-code={failure.code}>
      <span>{words ? t.rich(words.key, words.values) : failure.message}</span>
      {words && failure.message && (
        <details>
          <summary>{t('imaging.details')}</summary>
          <span className="mono">{failure.message}</span>
        </details>
      )}
    </div>
  );
}
