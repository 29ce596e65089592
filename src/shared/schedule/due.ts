import type { Cadence } from '../model';

/** How far ahead "due soon" looks, per cadence. */
const SOON_DAYS: Record<Cadence, number> = {
  daily: 0.25,
  weekly: 1,
  monthly: 3,
  quarterly: 7,
  annual: 14,
};

/**
 * The date a cadence falls due after `last`: calendar days and months, with
 * month ends clamped (done Jan 31, monthly: due Feb 28, or 29 in a leap year;
 * then Mar 28 — the day of the month follows the last time it was done).
 */
export function nextDue(cadence: Cadence, last: Date): Date {
  const next = new Date(last.getTime());
  switch (cadence) {
    case 'daily':
      next.setDate(next.getDate() + 1);
      return next;
    case 'weekly':
      next.setDate(next.getDate() + 7);
      return next;
    case 'monthly':
      return addMonths(last, 1);
    case 'quarterly':
      return addMonths(last, 3);
    case 'annual':
      return addMonths(last, 12);
  }
}

function addMonths(date: Date, months: number): Date {
  const next = new Date(date.getTime());
  const day = next.getDate();
  next.setDate(1);
  next.setMonth(next.getMonth() + months);
  const lastDay = new Date(next.getFullYear(), next.getMonth() + 1, 0).getDate();
  next.setDate(Math.min(day, lastDay));
  return next;
}

export type DueStatus = 'overdue' | 'never' | 'due-soon' | 'ok';

/** Where a cadence stands at `now`, given when it was last done (null: never). */
export function dueStatus(
  cadence: Cadence,
  last: Date | null,
  now: Date,
): { status: DueStatus; dueAt: Date | null } {
  if (!last) return { status: 'never', dueAt: null };
  const dueAt = nextDue(cadence, last);
  if (now.getTime() >= dueAt.getTime()) return { status: 'overdue', dueAt };
  const soon = dueAt.getTime() - SOON_DAYS[cadence] * 86_400_000;
  return { status: now.getTime() >= soon ? 'due-soon' : 'ok', dueAt };
}
