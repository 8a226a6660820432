import { describe, expect, it } from 'vitest';
import { formatDuration } from './format';

describe('formatDuration', () => {
  it('says a length of time as a person does, never negative', () => {
    expect(formatDuration({ locale: 'en' }, -72)).toBe('1 min 12 sec');
    expect(formatDuration({ locale: 'en' }, 72)).toBe('1 min 12 sec');
    expect(formatDuration({ locale: 'en' }, 60)).toBe('1 min');
    expect(formatDuration({ locale: 'en' }, 0)).toBe('0 sec');
    expect(formatDuration({ locale: 'en' }, 3 * 3600 + 5)).toBe('3 hr');
    // The lab's clock fault: the card's image date, years behind.
    expect(formatDuration({ locale: 'en' }, -71_842_368)).toBe('2 yrs 101 days');
    expect(formatDuration({ locale: 'zh-CN' }, -72)).toBe('1分钟12秒');
    expect(formatDuration({ locale: 'zh-CN' }, -71_842_368)).toBe('2年101天');
  });
});
