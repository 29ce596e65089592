import { describe, expect, it } from 'vitest';
import { parseWindow, withinWindow } from './window';

// 2026-11-22 is a Sunday.
const at = (day: number, hh: number, mm = 0) => new Date(2026, 10, 22 + day, hh, mm);

describe('maintenance windows as runbooks write them', () => {
  it("reads the seeds' table: Anytime, Weekdays 6-8 AM, Weekends 2-4 AM, Sundays 2-6 AM", () => {
    expect(withinWindow(parseWindow('Anytime')!, at(2, 13))).toBe(true);
    const dev = parseWindow('Weekdays 6-8 AM')!;
    expect(dev).toMatchObject({ days: [1, 2, 3, 4, 5], start: 360, end: 480 });
    expect(withinWindow(dev, at(1, 6, 30))).toBe(true);
    expect(withinWindow(dev, at(1, 8, 0))).toBe(false);
    expect(withinWindow(dev, at(0, 7))).toBe(false);
    const staging = parseWindow('Weekends 2-4 AM')!;
    expect(withinWindow(staging, at(6, 3))).toBe(true);
    expect(withinWindow(staging, at(6, 14))).toBe(false);
    const production = parseWindow('Sundays 2-6 AM')!;
    expect(withinWindow(production, at(0, 5, 59))).toBe(true);
    expect(withinWindow(production, at(0, 6))).toBe(false);
    expect(withinWindow(production, at(1, 3))).toBe(false);
  });

  it('reads Saturday as a day, not "S" and the word "at"', () => {
    expect(parseWindow('Sat 01:00-03:00 UTC')).toEqual({
      days: [6],
      start: 60,
      end: 180,
      allDay: false,
      utc: true,
    });
    expect(parseWindow('Sat at 01:00-03:00')).toMatchObject({ days: [6], start: 60 });
  });

  it('reads day ranges, lists, 24-hour times past midnight, PM and UTC', () => {
    const night = parseWindow('Mon-Fri 22:00-02:00')!;
    expect(night.days).toEqual([1, 2, 3, 4, 5]);
    expect(withinWindow(night, at(5, 23))).toBe(true); // Friday night
    expect(withinWindow(night, at(6, 1))).toBe(true); // into Saturday, from Friday's window
    expect(withinWindow(night, at(1, 1))).toBe(false); // Monday 01:00: Sunday has no window
    expect(parseWindow('Tue, Thu 10 PM - 11:30 PM')).toMatchObject({
      days: [2, 4],
      start: 22 * 60,
      end: 23 * 60 + 30,
    });
    expect(parseWindow('Fri-Mon')!.days).toEqual([0, 1, 5, 6]);
    const utc = parseWindow('Daily 01:00-03:00 UTC')!;
    expect(utc.utc).toBe(true);
    expect(withinWindow(utc, new Date(Date.UTC(2026, 10, 24, 2, 0)))).toBe(true);
    expect(withinWindow(utc, new Date(Date.UTC(2026, 10, 24, 3, 0)))).toBe(false);
    expect(withinWindow(parseWindow('Saturdays')!, at(6, 23))).toBe(true);
  });

  it('says it cannot read what it cannot read', () => {
    for (const text of [
      'Planned maintenance window',
      'Moonday 2-4',
      'Sundays 13-15 PM',
      'Weekdays 25-26',
    ])
      expect(parseWindow(text), text).toBeNull();
  });
});
