/**
 * Every code imaging can send has words in English and Simplified Chinese: the failure codes come
 * from main's own list (main/imaging/imaging-errors.ts), the job and card stages from the
 * contract's enums, so a new code without a text fails here, not in front of a user.
 */
import { createIntl } from 'react-intl';
import { describe, expect, it } from 'vitest';
import { cardImagingPhase, imagingProgress } from '../../../../../preload/contract/imaging';
import { ImagingErrorCode } from '../../../../../main/imaging/imaging-errors';
import { messagesByLanguage } from '../../../i18n/all-catalogues';
import { IMAGING_CODES, failureWords } from './imaging-model';

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

  it("the window's list of imaging's own codes is main's", () => {
    expect([...IMAGING_CODES].sort()).toEqual(Object.values(ImagingErrorCode).sort());
  });

  it.each(Object.entries(expected))('%s: in English and Simplified Chinese', (_what, keys) => {
    for (const language of ['en', 'zh-CN'] as const) {
      const missing = keys.filter((k) => !(k in messagesByLanguage[language]));
      expect(missing, language).toEqual([]);
    }
  });
});

describe('imaging failures are worded', () => {
  it.each(['en', 'zh-CN'] as const)('%s: every code, with the values main sends and without any (a call refused)', (language) => {
    const errors: string[] = [];
    const intl = createIntl({ locale: language, messages: messagesByLanguage[language], onError: (e) => errors.push(e.message) });
    const sample = { device: '/dev/sdb', url: 'https://mirror.example/os_list.json', path: '/home/me/u.img.xz', status: 503, reason: 'missing', expected: 1000, actual: 2000, cardBytes: 2e9, imageBytes: 4.7e9, format: 'xz', id: 'img-1' };
    for (const code of Object.values(ImagingErrorCode)) {
      for (const values of [sample, undefined]) {
        const words = failureWords(intl, { code, message: 'detail', ...(values ? { values } : {}) });
        const text = intl.formatMessage({ id: words.key }, { ...words.values, mono: (chunks: string[]) => chunks.join('') });
        expect(text, `${code} ${values ? 'with' : 'without'} values`).not.toMatch(/[{}]|imaging\.error/);
      }
    }
    expect(errors).toEqual([]);
  });
});
