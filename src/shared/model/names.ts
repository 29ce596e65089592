import { z } from 'zod';

/** The issue trackers a run can be filed in. */
export const TrackerName = z.enum(['redmine', 'github', 'gitlab', 'jira']);
export type TrackerName = z.infer<typeof TrackerName>;
export const TRACKER_NAMES = TrackerName.options;

/** The formats a run can be exported in: the log (Markdown), Jira markup, JSON, CSV. */
export const ExportFormat = z.enum(['md', 'jira', 'json', 'csv']);
export type ExportFormat = z.infer<typeof ExportFormat>;
export const EXPORT_FORMATS = ExportFormat.options;
