import type { Cadence } from '../model';

const CADENCE_WORDS: Array<[RegExp, Cadence]> = [
  [/\bdaily\b|\bevery day\b/i, 'daily'],
  [/\bweekly\b|\bevery week\b/i, 'weekly'],
  [/\bmonthly\b|\bevery month\b/i, 'monthly'],
  [/\bquarterly\b|\bevery quarter\b/i, 'quarterly'],
  [/\bannual(?:ly)?\b|\byearly\b|\bevery year\b/i, 'annual'],
];

/** Reads a cadence from a heading such as "Daily Tasks" or "Monthly Maintenance". */
export function cadenceFromText(text: string): Cadence | null {
  for (const [pattern, cadence] of CADENCE_WORDS) if (pattern.test(text)) return cadence;
  return null;
}

/** Normalizes a frontmatter value (`Monthly`, `annually`, …) to a cadence. */
export function parseCadence(value: unknown): Cadence | null {
  return typeof value === 'string' ? cadenceFromText(value) : null;
}
