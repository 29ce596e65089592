import { createHash, randomBytes } from 'node:crypto';
import {
  copyFileSync,
  createReadStream,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import * as tar from 'tar';
import type { JournalRecord } from '../../shared/model';
import { sshKeygen } from '../guard/approval';
import { asciicast } from './asciicast';
import { outputPathOf, readJournal, readRunJournal, sha256 } from './reader';
import { JournalStore } from './store';

/** The namespace of a bundle's signature (`ssh-keygen -Y sign -n`): it signs nothing else. */
export const BUNDLE_NAMESPACE = 'runsheet-bundle';
const MANIFEST = 'SHA256SUMS';
const SIGNATURE = 'SHA256SUMS.sig';
/** A runbook text that held secrets, bundled with them replaced: `runbooks/<sha256>.redacted.md`. */
const REDACTED = '.redacted.md';

/** Files of a bundle, under its top folder (named after the run). */
const FILES = {
  journal: 'journal.jsonl',
  output: 'journal.out',
  log: 'log.md',
  recording: 'recording.cast',
  readme: 'README.txt',
} as const;

const README = (runId: string, signed: boolean, redacted: number) =>
  [
    `Runsheet run ${runId}: the record of one walk through a runbook.`,
    '',
    `  ${FILES.journal}   the run's journal: one JSON record a line, each chained to the one`,
    '                  before by SHA-256 (prev, hash)',
    `  ${FILES.output}     every byte the steps printed (after redaction); the journal's`,
    "                  step.output records give each batch's offset, length and SHA-256",
    '  runbooks/       the exact text of the runbook the run used, named by its SHA-256',
    ...(redacted > 0
      ? [
          `                  (${redacted === 1 ? 'one text' : `${redacted} texts`} held secrets: <sha256>${REDACTED} has them`,
          '                  replaced by [REDACTED: …], so it does not hash to its name, and',
          '                  runsheet verify cannot render the log again from it)',
        ]
      : []),
    `  ${FILES.log}          the maintenance log`,
    `  ${FILES.recording}  the terminal session, asciicast v2 (asciinema play ${FILES.recording})`,
    `  ${MANIFEST}      the SHA-256 of every file above`,
    ...(signed
      ? [`  ${SIGNATURE}  an SSH signature of ${MANIFEST} (namespace ${BUNDLE_NAMESPACE})`]
      : []),
    '',
    'Check it with standard tools, in this folder:',
    '',
    `  sha256sum -c ${MANIFEST}`,
    ...(signed
      ? [
          `  ssh-keygen -Y verify -f allowed_signers -I <signer> -n ${BUNDLE_NAMESPACE} \\`,
          `    -s ${SIGNATURE} < ${MANIFEST}`,
        ]
      : []),
    '',
    'and everything, the hash chain included, with `runsheet verify <bundle>`.',
    '',
  ].join('\n');

/**
 * Writes one archive (.tar.gz) with everything a run left: its journal, its
 * raw output, the runbook text it ran, its Markdown log, its recording, and a
 * manifest of SHA-256 sums in the form `sha256sum -c` reads, optionally signed
 * with an SSH key (`ssh-keygen -Y sign`). Read-only for the run's own files.
 */
export async function writeBundle(options: {
  journalPath: string;
  /** The Markdown log, rendered by the one log renderer (the core's export). */
  log: string;
  out: string;
  /** An SSH private key (or its .pub with an agent) to sign the manifest with. */
  signWith?: string;
  /**
   * The redaction the log went through: a runbook text it changes held a secret
   * (a token written into a command), and is bundled redacted, never as it was.
   */
  redact: (text: string) => Promise<string>;
}): Promise<{
  path: string;
  runId: string;
  files: string[];
  signed: boolean;
  /** Runbook texts bundled redacted (they held secrets). */
  redactedRunbooks: number;
  /** The SHA-256 of the bundle's SHA256SUMS: one value that pins every file in it. */
  manifestSha256: string;
}> {
  const {
    records,
    errors,
    started: first,
  } = readRunJournal(options.journalPath, { checkOutput: true });
  if (errors.length > 0)
    throw new Error(`the journal does not verify, so it is not bundled: ${errors[0]}`);
  const stage = mkdtempSync(join(tmpdir(), 'runsheet-bundle-'));
  const top = join(stage, first.runId);
  try {
    mkdirSync(join(top, 'runbooks'), { recursive: true });
    copyFileSync(options.journalPath, join(top, FILES.journal));
    const out = outputPathOf(options.journalPath);
    if (existsSync(out)) copyFileSync(out, join(top, FILES.output));
    else writeFileSync(join(top, FILES.output), '');
    const store = new JournalStore(dirname(options.journalPath));
    let redacted = 0;
    for (const hash of runbookHashes(records)) {
      const text = store.readRunbook(hash);
      if (text === null) throw new Error(`the runbook text ${hash} this run used is missing`);
      const shown = await options.redact(text);
      if (shown === text) writeFileSync(join(top, 'runbooks', `${hash}.md`), text);
      else {
        writeFileSync(join(top, 'runbooks', `${hash}${REDACTED}`), shown);
        redacted++;
      }
    }
    writeFileSync(join(top, FILES.log), options.log);
    writeFileSync(join(top, FILES.recording), [...asciicast(options.journalPath)].join(''));
    writeFileSync(
      join(top, FILES.readme),
      README(first.runId, Boolean(options.signWith), redacted),
    );
    const files = listFiles(top);
    const sums = await Promise.all(files.map(async (f) => `${await hashFile(join(top, f))}  ${f}`));
    const manifest = `${sums.join('\n')}\n`;
    writeFileSync(join(top, MANIFEST), manifest);
    if (options.signWith) {
      await sshKeygen([
        '-Y',
        'sign',
        '-f',
        options.signWith,
        '-n',
        BUNDLE_NAMESPACE,
        join(top, MANIFEST),
      ]);
    }
    // Written beside its place and renamed into it: a bundle there is always whole.
    mkdirSync(dirname(options.out), { recursive: true });
    const temp = join(
      dirname(options.out),
      `.${basename(options.out)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
    );
    try {
      await tar.create({ gzip: true, file: temp, cwd: stage, portable: true, noMtime: true }, [
        first.runId,
      ]);
      renameSync(temp, options.out);
    } finally {
      rmSync(temp, { force: true });
    }
    return {
      path: options.out,
      runId: first.runId,
      files: [...files, MANIFEST, ...(options.signWith ? [SIGNATURE] : [])],
      signed: Boolean(options.signWith),
      redactedRunbooks: redacted,
      manifestSha256: sha256(Buffer.from(manifest)),
    };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** The shell command that checks a bundle's manifest with standard tools (`sha256sum -c`). */
export function bundleCheck(archive: string, runId: string): string {
  const quoted = /^[\w./@:+-]+$/.test(archive) ? archive : `'${archive.replace(/'/g, `'\\''`)}'`;
  return `tar -xzf ${quoted} && cd ${runId} && sha256sum -c ${MANIFEST}`;
}

/** What checking a bundle found: each problem named, and what was checked. */
export interface BundleCheck {
  ok: boolean;
  runId: string | null;
  problems: string[];
  checked: string[];
  /** What could not be checked, and why (a runbook text bundled redacted). */
  unchecked: string[];
}

/** Entries larger than this are not a run's record: refuse them before they fill the disk. */
const MAX_ENTRY_BYTES = 16 * 1024 * 1024 * 1024;

/**
 * Checks a bundle as an auditor would, and more: it unpacks it (regular files
 * and folders only, inside its top folder: no links, no absolute or `..`
 * paths), checks every file against the manifest and that nothing is unlisted,
 * checks the journal's hash chain and the output bytes each record points at,
 * that the runbook texts hash to their names, that the recording is the one the
 * journal gives, and the signature when there is one (the key it was made with is
 * named; `allowedSigners` checks it against a list of trusted keys).
 */
export async function verifyBundle(
  path: string,
  options: {
    allowedSigners?: string;
    identity?: string;
    /**
     * Renders the Markdown log of the run whose journal is in `dataDir` (laid out
     * as the app's: journals/<run>.jsonl, .out, runbooks/), by the one log
     * renderer: the bundle's log.md must be exactly that.
     */
    renderLog?: (dataDir: string, runId: string) => Promise<string>;
  } = {},
): Promise<BundleCheck> {
  const problems: string[] = [];
  const checked: string[] = [];
  const unchecked: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'runsheet-verify-'));
  try {
    let top: string | null = null;
    await tar.extract({
      file: path,
      cwd: dir,
      strict: true,
      filter: (entry, stat) => {
        const type = 'type' in stat ? stat.type : undefined;
        const name = entry.replace(/\/$/, '');
        const root = name.split('/')[0]!;
        const unsafe =
          name.startsWith('/') ||
          name.split('/').includes('..') ||
          (type !== 'File' && type !== 'Directory') ||
          ('size' in stat && (stat.size ?? 0) > MAX_ENTRY_BYTES) ||
          (top !== null && root !== top);
        if (unsafe) {
          problems.push(`${path}: ${entry}: not a file of a run bundle (refused)`);
          return false;
        }
        top ??= root;
        return true;
      },
    });
    if (top === null) {
      problems.push(`${path}: empty, or not a run bundle`);
      return { ok: false, runId: null, problems, checked, unchecked };
    }
    const base = join(dir, top);
    const manifestPath = join(base, MANIFEST);
    if (!existsSync(manifestPath)) {
      problems.push(`${path}: no ${MANIFEST} in ${top}/`);
      return { ok: false, runId: top, problems, checked, unchecked };
    }
    const listed = new Map<string, string>();
    readFileSync(manifestPath, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line === '') return;
        const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
        if (!m) problems.push(`${MANIFEST}:${i + 1}: not a sha256sum line`);
        else listed.set(m[2]!, m[1]!);
      });
    const present = listFiles(base).filter((f) => f !== MANIFEST && f !== SIGNATURE);
    for (const f of present) {
      const want = listed.get(f);
      if (!want) problems.push(`${f}: not in ${MANIFEST} (added after the bundle was made)`);
      else if ((await hashFile(join(base, f))) !== want)
        problems.push(`${f}: SHA-256 differs from ${MANIFEST} (changed)`);
    }
    for (const f of listed.keys())
      if (!present.includes(f)) problems.push(`${f}: listed in ${MANIFEST} but missing`);
    checked.push(`${listed.size} files against ${MANIFEST}`);

    const journal = join(base, FILES.journal);
    if (existsSync(journal)) {
      // The reader finds the output file beside the journal by name: journal.out.
      const { records, errors } = readJournal(journal, { checkOutput: true });
      // Named as the bundle's files, not the folder it was unpacked into.
      for (const e of errors) problems.push(e.replaceAll(`${base}/`, ''));
      checked.push(`the journal's hash chain (${records.length} records) and its output bytes`);
      let redacted = 0;
      const hashes = runbookHashes(records);
      for (const hash of hashes) {
        const file = join(base, 'runbooks', `${hash}.md`);
        if (existsSync(file)) {
          if (sha256(readFileSync(file)) !== hash)
            problems.push(`runbooks/${hash}.md: does not hash to its name (changed)`);
        } else if (existsSync(join(base, 'runbooks', `${hash}${REDACTED}`))) redacted++;
        else problems.push(`runbooks/${hash}.md: missing`);
      }
      if (redacted < hashes.length)
        checked.push('the runbook texts against the hashes in the journal');
      if (redacted > 0)
        unchecked.push(
          `${redacted === 1 ? 'one runbook text' : `${redacted} runbook texts`} (bundled redacted: ${redacted === 1 ? 'it' : 'they'} held secrets) against ${redacted === 1 ? 'its hash' : 'their hashes'}, and the log, which is rendered from ${redacted === 1 ? 'it' : 'them'}`,
        );
      const recording = join(base, FILES.recording);
      if (errors.length === 0 && existsSync(recording)) {
        if (readFileSync(recording, 'utf8') !== [...asciicast(journal)].join(''))
          problems.push(`${FILES.recording}: not the recording the journal gives (changed)`);
        checked.push('the recording against the journal');
      }
      const log = join(base, FILES.log);
      if (errors.length === 0 && options.renderLog && existsSync(log) && redacted === 0) {
        const data = join(dir, 'data');
        const journals = join(data, 'journals');
        mkdirSync(join(journals, 'runbooks'), { recursive: true });
        copyFileSync(journal, join(journals, `${top}.jsonl`));
        copyFileSync(join(base, FILES.output), join(journals, `${top}.out`));
        for (const hash of runbookHashes(records))
          if (existsSync(join(base, 'runbooks', `${hash}.md`)))
            copyFileSync(
              join(base, 'runbooks', `${hash}.md`),
              join(journals, 'runbooks', `${hash}.md`),
            );
        if (readFileSync(log, 'utf8') !== (await options.renderLog(data, top)))
          problems.push(`${FILES.log}: not the log the journal gives (changed)`);
        checked.push('the log against the journal');
      }
    }

    const signature = join(base, SIGNATURE);
    if (existsSync(signature)) {
      const manifest = readFileSync(manifestPath, 'utf8');
      try {
        if (options.allowedSigners) {
          const said = await sshKeygen(
            [
              '-Y',
              'verify',
              '-f',
              options.allowedSigners,
              '-I',
              options.identity ?? '*',
              '-n',
              BUNDLE_NAMESPACE,
              '-s',
              signature,
            ],
            manifest,
          );
          checked.push(`the signature: ${said.trim().split('\n')[0]}`);
        } else {
          const said = await sshKeygen(
            ['-Y', 'check-novalidate', '-n', BUNDLE_NAMESPACE, '-s', signature],
            manifest,
          );
          checked.push(
            `the signature is good, made with ${said.match(/SHA256:[A-Za-z0-9+/]+/)?.[0] ?? 'a key'}; pass --allowed-signers to check who made it`,
          );
        }
      } catch (error) {
        problems.push(`${SIGNATURE}: ${(error as Error).message}`);
      }
    }
    return { ok: problems.length === 0, runId: top, problems, checked, unchecked };
  } catch (error) {
    problems.push(`${path}: ${(error as Error).message}`);
    return { ok: false, runId: null, problems, checked, unchecked };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The SHA-256 of every runbook text a run used: the one it started with, and each reload's. */
function runbookHashes(records: JournalRecord[]): string[] {
  const hashes = new Set<string>();
  for (const r of records) {
    if (r.type === 'run.started' && r.runbookSha256) hashes.add(r.runbookSha256);
    if (r.type === 'runbook.reloaded' && r.sha256) hashes.add(r.sha256);
  }
  return [...hashes];
}

/** Every regular file under `dir`, as `/`-separated paths relative to it, sorted. */
function listFiles(dir: string, prefix = ''): string[] {
  const files: string[] = [];
  for (const name of readdirSync(join(dir, prefix)).sort()) {
    const rel = prefix ? `${prefix}/${name}` : name;
    const stat = lstatSync(join(dir, rel));
    if (stat.isDirectory()) files.push(...listFiles(dir, rel));
    else if (stat.isFile()) files.push(rel);
  }
  return files;
}

function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
