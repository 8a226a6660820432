/**
 * Every code main can send has words in both languages. The lists come from main's own code (the
 * arrays its types are made of), so a new check outcome, error key, job phase or card content
 * without a text in English and Simplified Chinese fails here, not in front of a user.
 */
import { describe, expect, it } from 'vitest';
import { recoveryCode, stepLock } from '../../../preload/contract/app';
import { nodeStage } from '../../../preload/contract/cluster';
import { ErrorCode } from '../../../preload/contract/errors';
import { foundHost } from '../../../preload/contract/find-nodes';
import { PI_BOOT_ERROR_CODES, practiceCardContent, practiceFault, practicePi } from '../../../preload/contract/practice';
import { EJECT_CODES } from '../../../main/cards/card-eject';
import { CARD_CONTENT_CODES } from '../../../main/cards/card-identify';
import { DRIVE_PROBLEM_CODES, DRIVE_WARNING_CODES } from '../../../main/cards/drive-safety';
import { PREFLIGHT_CHECK_IDS, PREFLIGHT_FIXES, PREFLIGHT_OUTCOMES } from '../../../main/cluster/preflight';
import { JOB_KINDS, JOB_PHASES } from '../../../main/jobs/job-codes';
import { ERROR_KEYS } from '../../../main/router/error-keys';
import { messagesByLanguage } from './all-catalogues';

/** Each code's catalogue key, by what it is. */
const expected: Record<string, string[]> = {
  'preflight checks': PREFLIGHT_CHECK_IDS.map((id) => `install.check.${id}`),
  'what a check found': Object.keys(PREFLIGHT_OUTCOMES).map((o) => `install.found.${o}`),
  'what is wrong': Object.entries(PREFLIGHT_OUTCOMES)
    .filter(([, kind]) => kind === 'problem')
    .flatMap(([o]) => [`install.problem.${o}`, `install.why.${o}`]),
  'check statuses': ['pass', 'warn', 'fail', 'skipped'].map((s) => `install.status.${s}`),
  fixes: PREFLIGHT_FIXES.map((id) => `install.fix.${id}`),
  'error keys': ERROR_KEYS.map((k) => `errors.${k}`),
  'error codes': Object.values(ErrorCode).map((c) => `errors.code.${c}`),
  'job kinds': JOB_KINDS.map((k) => `jobs.title.${k}`),
  'job phases': JOB_PHASES.map((p) => `jobs.phase.${p}`),
  'drive problems': [...DRIVE_PROBLEM_CODES, ...DRIVE_WARNING_CODES].map((c) => `cards.problem.${c}`),
  'card contents': CARD_CONTENT_CODES.map((c) => `cards.content.${c}`),
  'eject results': EJECT_CODES.map((c) => `cards.eject.${c}`),
  'node stages': nodeStage.options.map((s) => `stage.${s}`),
  'systems found': foundHost.shape.os.unwrap().options.map((os) => `find.os.${os}`),
  'step locks': stepLock.options.map((l) => `app.lock.${l}`),
  'state recovery': recoveryCode.options.filter((c) => c !== 'NOT_SAVED').map((c) => `app.recovered.${c}`),
  'practice boot errors': PI_BOOT_ERROR_CODES.map((c) => `practice.bootError.${c}`),
  'practice faults': practiceFault.options.map((f) => `practice.fault.${f}`),
  'practice card contents': practiceCardContent.options.map((c) => `practice.content.${c}`),
  'practice Pi states': practicePi.shape.state.options.map((s) => `practice.state.${s}`),
};

describe('every code main sends has words', () => {
  it('lists a real number of codes (the lists are not empty by mistake)', () => {
    expect(expected['what a check found']!.length).toBeGreaterThan(40);
    expect(expected['error keys']!.length).toBeGreaterThan(80);
  });

  it.each(Object.entries(expected))('%s: in English and Simplified Chinese', (_what, keys) => {
    for (const language of ['en', 'zh-CN'] as const) {
      const missing = keys.filter((k) => !(k in messagesByLanguage[language]));
      expect(missing, language).toEqual([]);
    }
  });

  it('words a check that passes without a problem, and every other outcome with one', () => {
    // A passing outcome has no problem text: the window shows none, so none should be written.
    const passing = Object.entries(PREFLIGHT_OUTCOMES).filter(([, kind]) => kind === 'pass');
    expect(passing.filter(([o]) => `install.problem.${o}` in messagesByLanguage.en)).toEqual([]);
  });
});
