import { closeSync, existsSync, openSync } from 'node:fs';
import type { JournalRecord } from '../../shared/model';
import { outputPathOf, readOutputBatch, readRunJournal } from './reader';

/** The screen size a recording declares: the journal does not keep the terminal's, players rescale. */
const COLS = 120;
const ROWS = 30;

/**
 * A run's terminal session as an asciicast v2 recording (the format of
 * asciinema and its player: a JSON header line, then `[seconds, code, data]`
 * lines), written line by line from the journal: each output batch at the
 * time its record was written, a marker (`"m"`) where each step starts and
 * where it finishes with its exit status. The bytes are the journal's, so
 * secrets are redacted as they are there. Without `host` it is the run's own
 * shell; with it, that host's part of the fan-out steps. Hand-written because
 * the format is four lines of spec and asciinema's own writer is a Python
 * program, not a library.
 */
export function* asciicast(
  journalPath: string,
  options: {
    host?: string;
    /**
     * A step's output past this many bytes is left out, with a note where it was (the
     * app's replay: a player holds the whole recording; Full output has every byte).
     */
    maxStepBytes?: number;
    /** The same for the whole recording: output past it is left out, step by step. */
    maxBytes?: number;
    /** Collects each marker: when (seconds), which step, and what it says. */
    markers?: Array<{ time: number; stepId: string; text: string }>;
  } = {},
): Generator<string> {
  const { records, started: first } = readRunJournal(journalPath);
  const start = Date.parse(first.ts);
  const at = (r: JournalRecord) => Math.max(0, (Date.parse(r.ts) - start) / 1000).toFixed(6);
  const event = (r: JournalRecord, code: 'o' | 'm', data: string) =>
    `[${at(r)}, ${JSON.stringify(code)}, ${JSON.stringify(data)}]\n`;
  yield `${JSON.stringify({
    version: 2,
    width: COLS,
    height: ROWS,
    timestamp: Math.floor(start / 1000),
    title: `${first.runbookTitle} (${options.host ?? first.host})`,
    env: { TERM: 'xterm-256color' },
  })}\n`;
  const mine = (host: string | undefined) =>
    options.host === undefined ? host === undefined : host === options.host;
  /** Steps this session took part in: a finish marker only for those. */
  const started = new Set<string>();
  const outPath = outputPathOf(journalPath);
  // A run whose steps printed nothing has no output file.
  const out = existsSync(outPath) ? openSync(outPath, 'r') : null;
  // One decoder for the whole session: a character split across two batches arrives whole.
  const decoder = new TextDecoder('utf-8');
  const limit = options.maxStepBytes ?? Infinity;
  const totalLimit = options.maxBytes ?? Infinity;
  let total = 0;
  const marker = (r: JournalRecord, stepId: string, text: string) => {
    options.markers?.push({ time: Number(at(r)), stepId, text });
    return event(r, 'm', `${stepId} ${text}`);
  };
  /** Bytes of each step played, and left out. */
  const played = new Map<string, number>();
  const left = new Map<string, number>();
  /** The note where a step's output was left out, once the step ends. */
  const skipped = (r: JournalRecord, stepId: string) => {
    const bytes = left.get(stepId);
    if (!bytes) return '';
    left.delete(stepId);
    return event(
      r,
      'o',
      `\r\n\x1b[2m[${bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${bytes} bytes`} of this step's output left out of the replay; Full output has all of it]\x1b[0m\r\n`,
    );
  };
  try {
    for (const r of records) {
      if (r.type === 'step.started' && (options.host === undefined || r.host === options.host)) {
        // A fan-out step starts once per host: the run's own session marks it once.
        if (started.has(r.stepId)) continue;
        started.add(r.stepId);
        yield marker(r, r.stepId, 'started');
      } else if (r.type === 'step.output' && out !== null && mine(r.host)) {
        const before = played.get(r.stepId) ?? 0;
        if (before >= limit || total >= totalLimit) {
          left.set(r.stepId, (left.get(r.stepId) ?? 0) + r.length);
          continue;
        }
        played.set(r.stepId, before + r.length);
        total += r.length;
        const bytes = readOutputBatch(out, outPath, r);
        const text = decoder.decode(bytes, { stream: true });
        if (text) yield event(r, 'o', text);
      } else if (r.type === 'step.host.finished' && options.host === r.host) {
        yield skipped(r, r.stepId);
        yield marker(r, r.stepId, `${r.status}, exit ${r.exitCode ?? 'none'}`);
      } else if (r.type === 'step.finished' && started.has(r.stepId) && !options.host) {
        yield skipped(r, r.stepId);
        yield marker(r, r.stepId, `${r.status}, exit ${r.exitCode ?? 'none'}`);
      }
    }
    const rest = decoder.decode();
    if (rest) yield `[${at(records[records.length - 1]!)}, "o", ${JSON.stringify(rest)}]\n`;
  } finally {
    if (out !== null) closeSync(out);
  }
}
