/**
 * Every code imaging can send has words in English and Simplified Chinese: the failure codes come
 * from main's own list (main/imaging/imaging-errors.ts), the job and card stages from the
 * contract's enums, so a new code without a text fails here, not in front of a user.
 */
import { describe, expect, it } from 'vitest';
import { cardImagingPhase, imagingProgress } from '../../../../../preload/contract/imaging';
import { ImagingErrorCode } from '../../../../../main/imaging/imaging-errors';
import { messagesByLanguage } from '../../../i18n/catalogues';

const expected: Record<string, string[]> = {
  'imaging failures': Object.values(ImagingErrorCode).map((code) => `imaging.error.${code}`),
  'job stages': imagingProgress.shape.phase.options.map((phase) => `imaging.phase.${phase}`),
  'card stages': cardImagingPhase.options.map((phase) => `imaging.cardPhase.${phase}`),
};

describe('imaging codes have words', () => {
  it('lists the codes main really has (not an empty list by mistake)', () => {
    expect(expected['imaging failures']!.length).toBeGreaterThanOrEqual(22);
    expect(expected['imaging failures']).toContain('imaging.error.CARD_TOO_SMALL');
  });

  it.each(Object.entries(expected))('%s: in English and Simplified Chinese', (_what, keys) => {
    for (const language of ['en', 'zh-CN'] as const) {
      const missing = keys.filter((k) => !(k in messagesByLanguage[language]));
      expect(missing, language).toEqual([]);
    }
  });
});
