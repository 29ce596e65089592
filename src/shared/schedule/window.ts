/**
 * Maintenance windows as people write them in runbooks ("Sundays 2-6 AM",
 * "Weekdays 6-8 AM", "Weekends 2-4 AM UTC", "Mon-Fri 22:00-02:00", "Anytime"),
 * read into something a clock can be checked against. Written here because
 * cron-style libraries read cron syntax, not these phrases.
 */
export interface WindowSpec {
  /** Days the window opens on, 0 = Sunday; null = every day. */
  days: number[] | null;
  /** Minutes after midnight; end <= start means the window runs past midnight. */
  start: number;
  end: number;
  /** Whole days (no hours given), or always. */
  allDay: boolean;
  utc: boolean;
}

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const SHORT: Record<string, number> = { tues: 2, thur: 4, thurs: 4 };
const ALWAYS = /^(any\s*time|always|24\s*\/\s*7|n\/a)$/i;

/** "Sun", "Sunday", "Sundays", "Tues", "Thurs." -> 0..6. */
function dayIndex(word: string): number | null {
  const w = word.toLowerCase().replace(/\.$/, '');
  const i = DAYS.findIndex((d) => w === d.slice(0, 3) || w === d || w === `${d}s`);
  return i >= 0 ? i : (SHORT[w] ?? null);
}

function range(from: number, to: number): number[] {
  const days: number[] = [];
  for (let d = from; ; d = (d + 1) % 7) {
    days.push(d);
    if (d === to) return days;
  }
}

function parseDays(text: string): number[] | null | undefined {
  const t = text.trim().toLowerCase();
  if (!t || /^(daily|every\s*day|nightly|each\s*day)$/.test(t)) return null;
  if (/^week\s*days?$/.test(t)) return [1, 2, 3, 4, 5];
  if (/^week\s*ends?$/.test(t)) return [0, 6];
  const days = new Set<number>();
  for (const part of t.split(/\s*(?:,|&|\band\b|\/)\s*/).filter(Boolean)) {
    const span = /^([a-z]+)\s*(?:-|–|to|through)\s*([a-z]+)$/.exec(part);
    if (span) {
      const a = dayIndex(span[1]!);
      const b = dayIndex(span[2]!);
      if (a === null || b === null) return undefined;
      for (const d of range(a, b)) days.add(d);
      continue;
    }
    const d = dayIndex(part);
    if (d === null) return undefined;
    days.add(d);
  }
  return [...days].sort((a, b) => a - b);
}

function minutes(hour: number, minute: number, meridiem: string | undefined): number | null {
  if (minute > 59) return null;
  if (meridiem) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (meridiem.toLowerCase() === 'pm' ? 12 : 0);
  } else if (hour > 24) {
    return null;
  }
  return (hour % 24) * 60 + minute;
}

/** Reads a window phrase; null when it cannot be read (the caller says so rather than guess). */
export function parseWindow(text: string): WindowSpec | null {
  let t = text.trim();
  if (ALWAYS.test(t)) return { days: null, start: 0, end: 0, allDay: true, utc: false };
  let utc = false;
  t = t.replace(/\s*\b(utc|gmt|z)\b\s*$/i, () => {
    utc = true;
    return '';
  });
  const time =
    /(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\s*(?:-|–|to|until)\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\s*$/i.exec(
      t,
    );
  let start = 0;
  let end = 0;
  let allDay = true;
  if (time) {
    const endMeridiem = time[6];
    const startMeridiem = time[3] ?? endMeridiem;
    const s = minutes(Number(time[1]), Number(time[2] ?? 0), startMeridiem);
    const e = minutes(Number(time[4]), Number(time[5] ?? 0), endMeridiem);
    if (s === null || e === null) return null;
    start = s;
    end = e;
    allDay = false;
    // Whole words only: the "at" of "Sat" is part of the day.
    t = t.slice(0, time.index).replace(/\s*(,|\b(?:from|at|between))?\s*$/i, '');
  }
  const days = parseDays(t);
  if (days === undefined) return null;
  return { days, start, end, allDay, utc };
}

/** Whether `date` falls inside the window. */
export function withinWindow(spec: WindowSpec, date: Date): boolean {
  const day = spec.utc ? date.getUTCDay() : date.getDay();
  const minute = spec.utc
    ? date.getUTCHours() * 60 + date.getUTCMinutes()
    : date.getHours() * 60 + date.getMinutes();
  const opensOn = (d: number): boolean => spec.days === null || spec.days.includes(d);
  if (spec.allDay) return opensOn(day);
  if (spec.end > spec.start) return opensOn(day) && minute >= spec.start && minute < spec.end;
  // Past midnight: the part before midnight belongs to today, the rest to yesterday's window.
  return (opensOn(day) && minute >= spec.start) || (opensOn((day + 6) % 7) && minute < spec.end);
}
