import { cadenceFromText } from './cadence';
import type { MaintenanceWindow, ScheduleEntry } from '../model';

export interface Table {
  line: number;
  headers: string[];
  rows: Array<{ line: number; cells: string[] }>;
}

const norm = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .replace(/[^a-z]+/g, ' ')
    .trim();

function column(headers: string[], ...names: string[]): number {
  return headers.findIndex((h) => names.includes(norm(h)));
}

/** A schedule table (Task | Frequency | Preferred Time | Duration) as structured entries. */
export function readSchedule(table: Table): ScheduleEntry[] | null {
  const task = column(table.headers, 'task', 'activity', 'job');
  const frequency = column(table.headers, 'frequency', 'cadence', 'schedule');
  if (task < 0 || frequency < 0 || column(table.headers, 'environment', 'env') >= 0) return null;
  const time = column(table.headers, 'preferred time', 'time', 'when');
  const duration = column(table.headers, 'duration', 'estimated duration');
  return table.rows.map(({ line, cells }) => ({
    line,
    task: cells[task] ?? '',
    frequency: cells[frequency] ?? '',
    cadence: cadenceFromText(cells[frequency] ?? ''),
    preferredTime: time >= 0 ? (cells[time] ?? null) : null,
    duration: duration >= 0 ? (cells[duration] ?? null) : null,
  }));
}

/** A maintenance-window table (Environment | Window | Duration | Frequency) as structured entries. */
export function readWindows(table: Table): MaintenanceWindow[] | null {
  const env = column(table.headers, 'environment', 'env');
  const window = column(table.headers, 'window', 'maintenance window', 'time window');
  if (env < 0 || window < 0) return null;
  const duration = column(table.headers, 'duration');
  const frequency = column(table.headers, 'frequency', 'cadence');
  return table.rows.map(({ line, cells }) => ({
    line,
    environment: cells[env] ?? '',
    window: cells[window] ?? '',
    duration: duration >= 0 ? (cells[duration] ?? null) : null,
    frequency: frequency >= 0 ? (cells[frequency] ?? null) : null,
  }));
}
