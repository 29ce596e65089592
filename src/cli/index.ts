import { createWriteStream, readFileSync, writeFileSync, type WriteStream } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import {
  asciicast,
  createCore,
  journalOf,
  listHosts,
  resolveDirs,
  verifyBundle,
  workspaceRedaction,
  writeAnsibleInventory,
  writeBundle,
  writeFileAtomic,
  bundleCheck,
} from '../core';
import { startServer } from '../server/ws-server';
import { appPaths } from './app-paths';
import { inspectJson, inspectText, loadRunbookFile } from './inspect';
import type { RunsheetApi } from '../shared/api';
import {
  EXPORT_FORMATS,
  TRACKER_NAMES,
  type ExportFormat,
  type TrackerName,
} from '../shared/model';
import {
  printDue,
  printHistory,
  printSearch,
  recordsCore,
  verifyJournal,
  type RecordsOptions,
} from './records';
import { printOutput, type OutputOptions } from './output';
import { printPlan, runHeadless, UsageError, type RunOptions } from './run';

function fail(message: string): never {
  process.stderr.write(`runsheet: ${message}\n`);
  process.exit(2);
}

/** The workspace a journal's run came from: its runbook's path, less the runbook's id. */
function workspaceOf(journal: string): string | undefined {
  try {
    const first = JSON.parse(readFileSync(journal, 'utf8').split('\n', 1)[0]!) as {
      runbookPath?: string;
      runbookId?: string;
    };
    if (first.runbookPath && first.runbookId && first.runbookPath.endsWith(first.runbookId))
      return first.runbookPath.slice(0, -first.runbookId.length) || '.';
  } catch {
    // Not readable as a journal: the export call says so, naming the file.
  }
  return undefined;
}

/** A run given as its id or its journal: the id, and the records options that find it. */
function recordsOf(run: string, opts: RecordsOptions) {
  const runId = basename(run).replace(/\.jsonl$/, '');
  const journal = run.endsWith('.jsonl') ? resolve(run) : null;
  const where = {
    ...opts,
    // A journal path names its data folder (<data>/journals/<run>.jsonl) and its runbook.
    dataDir: opts.dataDir ?? (journal ? dirname(dirname(journal)) : undefined),
    workspace: opts.workspace ?? (journal ? workspaceOf(journal) : undefined),
  };
  return { runId, journal, where };
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('not a port number');
  return n;
}

const paths = appPaths();
const program = new Command()
  .name('runsheet')
  .description('Walk Markdown runbooks as checklists, run their commands, keep a maintenance log.')
  .version(paths.version);

program
  .command('inspect')
  .description(
    'parse a runbook and print its sections, steps, warnings and errors (exit 1 when it has errors)',
  )
  .argument('<file>', 'a Markdown runbook')
  .option('--json', 'print JSON')
  .action((file: string, opts: { json?: boolean }) => {
    let runbook;
    try {
      runbook = loadRunbookFile(file);
    } catch (error) {
      fail(`cannot read ${file}: ${(error as Error).message}`);
    }
    process.stdout.write(
      opts.json
        ? `${JSON.stringify(inspectJson(runbook), null, 2)}\n`
        : `${inspectText(runbook, file)}\n`,
    );
    if (runbook.warnings.some((w) => w.severity === 'error')) process.exitCode = 1;
  });

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

program
  .command('plan')
  .description(
    'show what a run would do, step by step (filled commands, hosts, danger flags, window), and its SHA-256; nothing runs',
  )
  .argument('<runbook>', 'a Markdown runbook')
  .option('--host <name>', 'plan the run on this host or group')
  .option('--var <name=value>', 'a placeholder value (repeatable)', collect)
  .option('--json', 'print the plan as JSON')
  .option(
    '--save',
    "save the plan's text in the workspace's approvals/ folder, for an approver to sign",
  )
  .action(
    async (
      file: string,
      opts: { host?: string; var?: string[]; json?: boolean; save?: boolean },
    ) => {
      try {
        process.exitCode = await printPlan(file, opts, paths.version);
      } catch (error) {
        fail((error as Error).message);
      }
    },
  );

program
  .command('run')
  .description("run a runbook's steps without a window: same engine, journal and maintenance log")
  .argument('<runbook>', 'a Markdown runbook')
  .option(
    '--section <section>',
    'only the steps of this section (id or title; repeatable)',
    collect,
  )
  .option('--step <id>', 'only this step (id or name; repeatable)', collect)
  .option('--var <name=value>', 'a placeholder value (repeatable)', collect)
  .option('--yes', 'run steps marked confirm=true without asking')
  .option(
    '--allow-destructive',
    'without a terminal: run steps flagged as destructive (they are refused otherwise, naming each)',
  )
  .option(
    '--confirm-environment <name>',
    'without a terminal: the environment name (production) that a production run must be confirmed with',
  )
  .option('--log-dir <dir>', 'where the maintenance log goes')
  .option('--data-dir <dir>', 'where the journal goes')
  .option('--json', 'one JSON object per step, then a summary')
  .option('--host <name>', 'run the steps on this host over SSH (an ssh_config alias or host name)')
  .option('--ssh-config <file>', 'ssh client config to read, like ssh -F (default ~/.ssh/config)')
  .option(
    '--known-hosts <file>',
    'known_hosts file, like UserKnownHostsFile (default ~/.ssh/known_hosts)',
  )
  .option(
    '--accept-new-host-keys',
    'trust and record unknown host keys (StrictHostKeyChecking=accept-new); changed keys are still refused',
  )
  .option(
    '--outside-window',
    "start even outside the environment's maintenance window (the log records it)",
  )
  .action(async (file: string, opts: RunOptions) => {
    try {
      process.exitCode = await runHeadless(file, opts, paths.version);
    } catch (error) {
      if (error instanceof UsageError) fail(error.message);
      fail((error as Error).message);
    }
  });

program
  .command('hosts')
  .description(
    'list the hosts steps can run on: ~/.ssh/config entries, the workspace hosts.yaml and its Ansible inventory',
  )
  .option('--ssh-config <file>', 'ssh client config to read, like ssh -F (default ~/.ssh/config)')
  .option('--workspace <dir>', 'folder with a hosts.yaml (default: the bundled runbooks)')
  .option('--json', 'print JSON')
  .option(
    '--ansible-inventory [file]',
    'write the hosts as an Ansible YAML inventory (groups; environment as runsheet_environment), to stdout or a file',
  )
  .action(
    (opts: {
      sshConfig?: string;
      workspace?: string;
      json?: boolean;
      ansibleInventory?: string | true;
    }) => {
      let hosts;
      try {
        hosts = listHosts({
          configFile: opts.sshConfig,
          workspaceDir: opts.workspace ?? paths.runbooks,
        });
      } catch (error) {
        fail((error as Error).message);
      }
      if (opts.ansibleInventory !== undefined) {
        const text = writeAnsibleInventory(hosts);
        if (opts.ansibleInventory === true) process.stdout.write(text);
        else {
          writeFileAtomic(resolve(opts.ansibleInventory), text);
          process.stdout.write(
            `${resolve(opts.ansibleInventory)}: ${hosts.length} host${hosts.length === 1 ? '' : 's'}\n`,
          );
        }
        return;
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(hosts, null, 2)}\n`);
        return;
      }
      if (hosts.length === 0)
        process.stdout.write('no hosts (add Host entries to ~/.ssh/config or a hosts.yaml)\n');
      for (const h of hosts) {
        const via = h.proxyJump ? ` via ${h.proxyJump}` : '';
        const tags = [h.environment, ...h.groups].filter(Boolean).join(', ');
        process.stdout.write(
          `${h.name}\t${h.user ? `${h.user}@` : ''}${h.hostname}${h.port ? `:${h.port}` : ''}${via}${tags ? `\t[${tags}]` : ''}\t(${h.source})\n`,
        );
      }
    },
  );

const recordOptions = (command: Command): Command =>
  command
    .option('--workspace <dir>', 'folder of runbooks (default: the bundled runbooks)')
    .option('--data-dir <dir>', 'where journals are (default: the app data folder)')
    .option(
      '--log-dir <dir>',
      "where maintenance logs go (default: the workspace's maintenance-logs/, or runsheet.yaml logDir)",
    )
    .option('--json', 'print JSON');

recordOptions(
  program
    .command('history')
    .description('list past runs, newest first (finished, interrupted, active)')
    .argument(
      '[query...]',
      'words to match in the fields, commands and output; status:failed, status:interrupted…, host:NAME',
    )
    .option('--runbook <id>', 'only runs of this runbook (its file name)'),
).action((query: string[], opts: RecordsOptions & { runbook?: string }) =>
  withRecords(opts, async (api) => {
    const runs = await api.call('history.list', {
      ...(opts.runbook ? { runbookId: opts.runbook } : {}),
      ...(query.length ? { query: query.join(' ') } : {}),
    });
    process.stdout.write(printHistory(runs, Boolean(opts.json)));
  }),
);

recordOptions(
  program
    .command('search')
    .description(
      "every past run's output (as runsheet output prints it), notes, skip reasons and fields, for a line of text (exit 1 when none)",
    )
    .argument('<text...>', 'the text to find (several words are one text, joined by spaces)')
    .option('--limit <n>', 'lines to print at most (1 to 1000, default 100)')
    .option('--case-sensitive', 'match case as typed (otherwise A-Z and a-z are the same)'),
).action((text: string[], opts: RecordsOptions & { limit?: string; caseSensitive?: boolean }) => {
  const limit = opts.limit === undefined ? undefined : Number(opts.limit);
  if (limit !== undefined && !Number.isInteger(limit))
    fail(`--limit must be a whole number (not ${opts.limit})`);
  return withRecords(opts, async (api) => {
    const found = await api.call('history.searchOutput', {
      text: text.join(' '),
      ...(limit === undefined ? {} : { limit }),
      ...(opts.caseSensitive ? { caseSensitive: true } : {}),
    });
    const { out, err } = printSearch(found, Boolean(opts.json));
    process.stdout.write(out);
    process.stderr.write(err);
    process.exitCode = found.hits.length > 0 ? 0 : 1;
  });
});

recordOptions(
  program
    .command('due')
    .description('what is due or overdue, from cadences and the last finished runs'),
).action((opts: RecordsOptions) =>
  withRecords(opts, async (api) => {
    process.stdout.write(printDue(await api.call('due.list', {}), Boolean(opts.json)));
  }),
);

recordOptions(
  program
    .command('export')
    .description('a run as Markdown, Jira markup, JSON or CSV (redacted), to stdout or a file')
    .argument('<run>', 'a run id (see runsheet history) or its journal file')
    .option('--format <format>', 'md, jira, json or csv', 'md')
    .option('--out <file>', 'write to this file instead of stdout')
    .option(
      '--to <tracker>',
      'file it in a tracker of trackers.yaml: redmine, github, gitlab or jira (token from RUNSHEET_<TRACKER>_TOKEN)',
    ),
).action(
  async (run: string, opts: RecordsOptions & { format: string; out?: string; to?: string }) => {
    const format = opts.format as ExportFormat;
    if (!EXPORT_FORMATS.includes(format))
      fail(`--format must be ${EXPORT_FORMATS.join(', ')} (not ${opts.format})`);
    const { runId, where } = recordsOf(run, opts);
    const tracker = opts.to as TrackerName | undefined;
    if (tracker && !TRACKER_NAMES.includes(tracker))
      fail(`--to must be ${TRACKER_NAMES.join(', ')} (not ${opts.to})`);
    return withRecords(where, async (api) => {
      if (tracker) {
        const pushed = await api.call('run.push', { runId, tracker });
        if (pushed.status === 'sent') {
          process.stdout.write(`${pushed.url}\n`);
        } else {
          process.stderr.write(`runsheet: queued, not sent: ${pushed.reason}\n`);
          process.exitCode = 1;
        }
        return;
      }
      const result = await api.call('run.export', { runId, format });
      if (opts.out) writeFileSync(opts.out, result.content);
      else process.stdout.write(result.content);
      const redacted = Object.entries(result.redactions);
      process.stderr.write(
        redacted.length
          ? `redacted: ${redacted.map(([rule, n]) => `${n} × ${rule}`).join(', ')}\n`
          : 'redacted: nothing\n',
      );
    });
  },
);

program
  .command('verify')
  .description(
    'check a run journal, or a run bundle, for edits made after the fact (hash chain, checksums, output, signature)',
  )
  .argument(
    '<journal|bundle>',
    'a .jsonl journal (its .out file beside it too) or a .tar.gz bundle',
  )
  .option(
    '--allowed-signers <file>',
    "a bundle's signature: trusted keys, as ssh-keygen -Y verify reads",
  )
  .option('--identity <name>', 'the signer to check the signature against (with --allowed-signers)')
  .action(async (file: string, opts: { allowedSigners?: string; identity?: string }) => {
    if (/\.(tar\.gz|tgz)$/.test(file)) {
      const result = await verifyBundle(file, {
        ...opts,
        renderLog: async (dataDir, runId) => {
          const { core, api } = recordsCore(paths.runbooks, paths.version, { dataDir });
          try {
            return (await api.call('run.export', { runId, format: 'md' })).content;
          } finally {
            core.dispose();
          }
        },
      });
      const lines = result.ok
        ? [
            `${file}: intact (run ${result.runId})`,
            ...result.checked.map((c) => `  checked ${c}`),
            ...result.unchecked.map((c) => `  not checked: ${c}`),
          ]
        : [
            `${file}: ${result.problems.length} problem${result.problems.length > 1 ? 's' : ''}; the bundle was changed after it was made or is damaged`,
            ...result.problems.map((p) => `  ${p}`),
          ];
      process.stdout.write(`${lines.join('\n')}\n`);
      process.exitCode = result.ok ? 0 : 1;
      return;
    }
    let result;
    try {
      result = verifyJournal(file);
    } catch (error) {
      fail(`cannot read ${file}: ${(error as Error).message}`);
    }
    process.stdout.write(result.text);
    process.exitCode = result.ok ? 0 : 1;
  });

recordOptions(
  program
    .command('bundle')
    .description(
      'one archive of a run for an auditor: journal, raw output, runbook, log, recording, SHA256SUMS',
    )
    .argument('<run>', 'a run id (see runsheet history) or its journal file')
    .option('--out <file>', 'where to write it (default: <run id>.tar.gz here)')
    .option('--sign <key>', 'sign SHA256SUMS with this SSH key (ssh-keygen -Y sign)'),
).action(async (run: string, opts: RecordsOptions & { out?: string; sign?: string }) => {
  const { runId, journal, where } = recordsOf(run, opts);
  return withRecords(where, async (api) => {
    const { dataDir, workspaceDir } = resolveDirs({
      dataDir: where.dataDir,
      workspaceDir: where.workspace,
      bundledRunbooks: paths.runbooks,
    });
    const { content } = await api.call('run.export', { runId, format: 'md' });
    const made = await writeBundle({
      journalPath: journal ?? journalOf(runId, dataDir),
      log: content,
      out: resolve(opts.out ?? `${runId}.tar.gz`),
      signWith: opts.sign,
      redact: workspaceRedaction(workspaceDir),
    });
    const redacted =
      made.redactedRunbooks > 0
        ? `\n  the runbook text held secrets: bundled with them redacted (runbooks/*.redacted.md)`
        : '';
    process.stdout.write(
      `${made.path}\n  ${made.files.length} files${made.signed ? ', signed' : ''}; check with: ${bundleCheck(basename(made.path), made.runId)}${redacted}\n`,
    );
  });
});

program
  .command('output')
  .description(
    "all of a step's output from a run's journal: the text as the terminal showed it, or the exact bytes",
  )
  .argument('<run>', 'a run id (see runsheet history) or its journal file')
  .argument('<step>', "the step's id, name= or title")
  .option('--raw', 'the exact bytes the shell printed (after redaction), escape codes and all')
  .option('--host <name>', 'only the output from this host (a step run on several)')
  .option('--data-dir <dir>', 'where journals are (default: the app data folder)')
  .action(async (run: string, step: string, opts: OutputOptions) => {
    // Each write waits for stdout to drain: memory stays bounded when piped to a slow reader.
    const write = (chunk: string | Uint8Array) =>
      new Promise<void>((resolve, reject) => {
        process.stdout.write(chunk, (error) => (error ? reject(error) : resolve()));
      });
    try {
      await printOutput(run, step, opts, paths.runbooks, write);
    } catch (error) {
      // A reader that went away (`| head`) is not an error of ours.
      if ((error as NodeJS.ErrnoException).code === 'EPIPE') return;
      fail((error as Error).message);
    }
  });

program
  .command('recording')
  .description(
    "a run's terminal session as an asciicast v2 file (asciinema play/cat), a marker at each step",
  )
  .argument('<run>', 'a run id (see runsheet history) or its journal file')
  .option('--host <name>', "that host's part of the fan-out steps, instead of the run's own shell")
  .option('--out <file>', 'write to this file instead of stdout')
  .option('--data-dir <dir>', 'where journals are (default: the app data folder)')
  .action(async (run: string, opts: { host?: string; out?: string; dataDir?: string }) => {
    try {
      const { dataDir } = resolveDirs({ dataDir: opts.dataDir, bundledRunbooks: paths.runbooks });
      const lines = asciicast(journalOf(run, dataDir), { host: opts.host });
      const sink: NodeJS.WritableStream = opts.out ? createWriteStream(opts.out) : process.stdout;
      for (const line of lines)
        if (!sink.write(line))
          await new Promise<void>((resolve) => sink.once('drain', () => resolve()));
      if (opts.out)
        await new Promise<void>((resolve, reject) =>
          (sink as WriteStream).end((error?: Error | null) => (error ? reject(error) : resolve())),
        );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EPIPE') return;
      fail((error as Error).message);
    }
  });

/** A records command's work on a core over the user's data: errors said plainly, the core closed after. */
async function withRecords(
  opts: RecordsOptions,
  work: (api: RunsheetApi) => Promise<void>,
): Promise<void> {
  const { core, api } = recordsCore(paths.runbooks, paths.version, opts);
  try {
    await work(api);
  } catch (error) {
    fail((error as Error).message);
  } finally {
    core.dispose();
  }
}

program
  .command('serve')
  .description(
    'serve the app on 127.0.0.1 for a browser (the browser harness and offline fallback)',
  )
  .option('--port <n>', 'port to listen on (default: any free port)', port)
  .option('--workspace <dir>', 'folder of runbooks (default: the bundled runbooks)')
  .option(
    '--log-dir <dir>',
    "where maintenance logs go (default: the workspace's maintenance-logs/, or runsheet.yaml logDir)",
  )
  .option('--data-dir <dir>', 'where journals go (default: the app data folder)')
  .option('--ssh-config <file>', 'ssh client config to read, like ssh -F (default ~/.ssh/config)')
  .option('--known-hosts <file>', 'known_hosts file (default ~/.ssh/known_hosts)')
  .action(
    async (opts: {
      port?: number;
      workspace?: string;
      logDir?: string;
      dataDir?: string;
      sshConfig?: string;
      knownHosts?: string;
    }) => {
      const core = createCore({
        bundledRunbooks: paths.runbooks,
        version: paths.version,
        workspaceDir: opts.workspace,
        logDir: opts.logDir,
        dataDir: opts.dataDir,
        interactive: true,
        ssh: { configFile: opts.sshConfig, knownHostsFile: opts.knownHosts },
        redactionWorker: paths.redactionWorker,
        retryExports: true,
      });
      let server;
      try {
        server = await startServer({ core, staticDir: paths.renderer, port: opts.port });
      } catch (error) {
        core.dispose();
        fail(`cannot listen on 127.0.0.1:${opts.port ?? 0}: ${(error as Error).message}`);
      }
      process.stdout.write(
        [
          `Runsheet ${paths.version} is serving on 127.0.0.1 only.`,
          `  workspace: ${core.dirs.workspaceDir}`,
          `  logs:      ${core.dirs.logDir}`,
          `Open this URL (it carries this launch's access token):`,
          `  ${server.url}`,
          '',
        ].join('\n'),
      );
      const stop = async (): Promise<void> => {
        await server.close();
        core.dispose();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    },
  );

program.parseAsync().catch((error: unknown) => fail((error as Error).message));
