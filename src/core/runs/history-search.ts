import { createReadStream } from 'node:fs';
import { ApiError } from '../../shared/api/errors';
import { HistoryStatus, type HistoryRun, type RunSummary } from '../../shared/model';

/** Results a search that reads journals (words, hosts) returns at most unless told otherwise. */
export const SEARCH_LIMIT = 200;
/** A journal line longer than this (a step's text of many megabytes) is passed over, not held. */
const MAX_LINE = 8 * 1024 * 1024;

/** A history search: words every run must contain, statuses (any of), hosts (all of). */
export interface HistoryQuery {
  words: string[];
  statuses: HistoryStatus[];
  hosts: string[];
}

/**
 * Reads the search box: words (a "quoted phrase" is one word), `status:failed`
 * (also active, finished, interrupted; several mean any of them) and
 * `host:web-1` (the machine Runsheet ran on, or any host a step ran on). Case is
 * ignored. An unknown status is an error that names it.
 */
export function parseHistoryQuery(text: string, statuses: HistoryStatus[] = []): HistoryQuery {
  const query: HistoryQuery = { words: [], statuses: [...statuses], hosts: [] };
  for (const [, quoted, bare] of text.matchAll(/"([^"]*)"?|(\S+)/g)) {
    const token = (quoted ?? bare ?? '').toLowerCase();
    if (!token) continue;
    const field = quoted === undefined ? /^(status|host):(.*)$/.exec(token) : null;
    if (field?.[1] === 'status') {
      const status = HistoryStatus.safeParse(field[2]);
      if (!status.success)
        throw new ApiError(
          'invalid-input',
          `"${token}": not a status (${HistoryStatus.options.join(', ')})`,
        );
      query.statuses.push(status.data);
    } else if (field?.[1] === 'host' && field[2]) query.hosts.push(field[2]);
    else query.words.push(token);
  }
  return query;
}

/**
 * The runs (newest first, as given) that match, at most `limit`. A run's summary
 * (title, status, host, maintainer, environment, Issues, Next actions, start) is
 * searched first; what it does not answer is looked for in the run's journal,
 * streamed line by line: the commands its steps ran and typed between them, their
 * output as a person saw it, the hosts they ran on, notes and skip reasons. The
 * journal's text is what was written there, redacted, so a secret is not found.
 */
export async function searchHistory(
  runs: RunSummary[],
  query: HistoryQuery,
  limit?: number,
): Promise<HistoryRun[]> {
  // A list or a status filter reads the index only; words and hosts may read every journal.
  const max = limit ?? (query.words.length > 0 || query.hosts.length > 0 ? SEARCH_LIMIT : Infinity);
  const hits: HistoryRun[] = [];
  for (const run of runs) {
    if (hits.length >= max) break;
    if (query.statuses.length > 0 && !query.statuses.some((s) => hasStatus(run, s))) continue;
    const fields = [
      run.runbookTitle,
      run.status,
      run.host,
      run.maintainer,
      run.environment,
      run.issues,
      run.nextActions,
      run.startedAt,
    ]
      .join('\n')
      .toLowerCase();
    const words = query.words.filter((w) => !fields.includes(w));
    const hosts = query.hosts.filter((h) => !run.host.toLowerCase().includes(h));
    if (words.length === 0 && hosts.length === 0) {
      hits.push({ ...run, match: null });
      continue;
    }
    const match = await searchJournal(run.journalPath, words, hosts);
    if (match) hits.push({ ...run, match: match === true ? null : match });
  }
  return hits;
}

function hasStatus(run: RunSummary, status: HistoryStatus): boolean {
  return status === 'failed' ? run.failed > 0 : run.status === status;
}

type Match = NonNullable<HistoryRun['match']>;

/**
 * Whether the journal holds every word and host: the first place a word was
 * found, or true when only hosts were looked for. False when any is missing.
 */
async function searchJournal(
  path: string,
  words: string[],
  hosts: string[],
): Promise<Match | true | false> {
  const wordsLeft = new Set(words);
  const hostsLeft = new Set(hosts);
  let first: Match | null = null;
  const look = (where: Match['where'], stepId: string | null, value: unknown): void => {
    if (typeof value !== 'string' || !value) return;
    const text = value.toLowerCase();
    for (const word of wordsLeft)
      if (text.includes(word)) {
        wordsLeft.delete(word);
        first ??= { where, stepId, text: around(value, text.indexOf(word), word.length) };
      }
    if (where !== 'host') return;
    for (const host of hostsLeft)
      if (text.includes(host)) {
        hostsLeft.delete(host);
        first ??= { where, stepId, text: value };
      }
  };
  try {
    for await (const line of journalLines(path)) {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // a torn or damaged line: `runsheet verify` reports it
      }
      if (typeof record !== 'object' || record === null) continue;
      const stepId = typeof record.stepId === 'string' ? record.stepId : null;
      switch (record.type) {
        case 'step.started':
          look('command', stepId, record.code);
          look('host', stepId, record.host);
          break;
        case 'manual.command':
          look('command', null, record.command);
          look('host', null, record.host);
          look('output', null, record.text);
          break;
        case 'step.host.finished':
          look('host', stepId, record.host);
          look('output', stepId, record.text);
          look('output', stepId, record.detail);
          break;
        case 'step.finished':
          look('output', stepId, record.text);
          look('output', stepId, record.detail);
          break;
        case 'step.checked':
        case 'step.manual':
          look('note', stepId, record.note);
          break;
        case 'step.skipped':
          look('note', stepId, record.reason);
          break;
      }
      if (wordsLeft.size === 0 && hostsLeft.size === 0) return first ?? true;
    }
  } catch {
    return false; // removed or unreadable meanwhile: not a match
  }
  return false;
}

/** The line of `text` around a match, at most 160 characters, with … where it was cut. */
function around(text: string, at: number, length: number): string {
  const start = text.lastIndexOf('\n', at) + 1;
  const nl = text.indexOf('\n', at + length);
  const end = nl === -1 ? text.length : nl;
  const from = Math.max(start, Math.min(at - 60, end - 160));
  const to = Math.min(end, from + 160);
  return `${from > start ? '…' : ''}${text.slice(from, to).trim()}${to < end ? '…' : ''}`;
}

/**
 * A file's lines, read in 64 kB chunks. Written here rather than with
 * node:readline, which holds any line whole however long it is: a line longer
 * than MAX_LINE is passed over, so one huge record cannot take the memory.
 */
async function* journalLines(path: string): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let pendingLength = 0;
  let skipping = false;
  for await (const chunk of createReadStream(path, {
    highWaterMark: 64 * 1024,
  }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      if (!skipping) {
        pending.push(chunk.subarray(start, nl));
        yield Buffer.concat(pending).toString('utf8');
      }
      pending = [];
      pendingLength = 0;
      skipping = false;
      start = nl + 1;
    }
    if (skipping || start === chunk.length) continue;
    pending.push(chunk.subarray(start));
    pendingLength += chunk.length - start;
    if (pendingLength > MAX_LINE) {
      skipping = true;
      pending = [];
      pendingLength = 0;
    }
  }
  if (!skipping && pending.length > 0) yield Buffer.concat(pending).toString('utf8');
}
