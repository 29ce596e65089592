import { describe, expect, it } from 'vitest';
import { dueStatus, nextDue } from './due';

const d = (y: number, m: number, day: number, h = 9) => new Date(y, m - 1, day, h);

describe('due dates from cadences', () => {
  it('adds calendar days and months, clamping month ends', () => {
    expect(nextDue('daily', d(2026, 12, 31))).toEqual(d(2027, 1, 1));
    expect(nextDue('weekly', d(2026, 2, 25))).toEqual(d(2026, 3, 4));
    expect(nextDue('monthly', d(2026, 1, 31))).toEqual(d(2026, 2, 28));
    expect(nextDue('monthly', d(2028, 1, 31))).toEqual(d(2028, 2, 29)); // leap year
    expect(nextDue('monthly', d(2026, 3, 31))).toEqual(d(2026, 4, 30));
    expect(nextDue('quarterly', d(2026, 11, 30))).toEqual(d(2027, 2, 28));
    expect(nextDue('annual', d(2028, 2, 29))).toEqual(d(2029, 2, 28));
    expect(nextDue('monthly', d(2026, 12, 15))).toEqual(d(2027, 1, 15));
  });

  it('says overdue, due soon, fine, or never done', () => {
    const now = d(2026, 11, 22, 12);
    expect(dueStatus('monthly', null, now)).toEqual({ status: 'never', dueAt: null });
    expect(dueStatus('monthly', d(2026, 10, 22, 11), now).status).toBe('overdue');
    expect(dueStatus('monthly', d(2026, 10, 24), now).status).toBe('due-soon');
    expect(dueStatus('monthly', d(2026, 11, 1), now).status).toBe('ok');
    expect(dueStatus('daily', d(2026, 11, 21, 11), now).status).toBe('overdue');
    expect(dueStatus('daily', d(2026, 11, 21, 18), now).status).toBe('due-soon');
    expect(dueStatus('weekly', d(2026, 11, 20), now)).toEqual({
      status: 'ok',
      dueAt: d(2026, 11, 27),
    });
  });
});
