import { hostname, userInfo } from 'node:os';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from './files/atomic-write';
import { localEngine, RedactionWorker, type RedactionEngine } from './redaction/engine';
import { envTokens, Trackers, type TokenSource } from './trackers/trackers';
import type { TrackerName } from '../shared/model';
import { ApiError } from '../shared/api/errors';
import type { EventName, EventPayload, EventSink, Handlers } from '../shared/api/contract';
import type { EventSource } from '../shared/api/in-process';
import { Emitter, type Disposable } from '../shared/util/event';
import { openableUrl } from '../shared/util/links';
import { resolveDirs, type CoreDirs } from './paths';
import { RunService } from './runs/run-service';
import { Prompts } from './hosts/prompts';
import { cachedHosts, expandHosts, inventoryWindows } from './hosts/inventory';
import { resolveSshTarget, type SshOptions } from './hosts/ssh-target';
import { LocalPtySession } from './sessions/local-pty';
import { SshSession } from './sessions/ssh-session';
import { SessionManager } from './sessions/session-manager';
import type { SessionFactory } from './sessions/terminal-session';
import { summarize, Workspace } from './workspace/workspace';
import { Guard } from './guard/guard';
import { OutputViews } from './journal/output-view';
import { journalOf } from './journal/step-output';
import { asciicast } from './journal/asciicast';

export interface CoreOptions extends Partial<CoreDirs> {
  /** The runbooks shipped with the app: the default workspace. */
  bundledRunbooks: string;
  version: string;
  /** Makes the shell for a run; a local PTY unless a test or transport says otherwise. */
  sessionFactory?: SessionFactory;
  /** The environment local shells start with (default: this process's). */
  localEnv?: NodeJS.ProcessEnv;
  /** How SSH hosts are resolved and trusted (ssh_config, known_hosts, accept-new). */
  ssh?: SshOptions;
  /** A window can answer questions (unknown host keys): set by the app and `serve`, not the CLI. */
  interactive?: boolean;
  /**
   * The built redaction worker (out/main/redaction-worker.js): redaction then runs
   * off the main thread. Without it (tests on the sources), it runs in this thread.
   */
  redactionWorker?: string;
  /** Tracker tokens: the OS keychain in the app; environment variables otherwise. */
  tokens?: TokenSource;
  /** Retry queued exports every 30 s (the app and serve; the one-shot CLI sends once). */
  retryExports?: boolean;
  /** Keeps a tracker token (the app's OS keychain); absent in serve and the CLI. */
  saveToken?: (tracker: TrackerName, token: string) => void;
  /** Hands a confirmed link to the system's browser or mail program (the desktop app only). */
  openExternal?: (url: string) => Promise<void>;
}

/** The core behind the contract: every transport binds these handlers and this event source. */
export interface Core extends EventSource, Disposable {
  readonly handlers: Handlers;
  readonly dirs: CoreDirs;
}

/** What the app's replay plays of a step's output, and of a run's (the rest is left out, said). */
const REPLAY_STEP_BYTES = 2_000_000;
const REPLAY_BYTES = 32_000_000;

/** An issue's description keeps this much of the log (all of it is attached). */
const DESCRIPTION_CHARS = 30_000;

type AnyEvent = { name: EventName; payload: EventPayload<EventName> };

export function createCore(options: CoreOptions): Core {
  const dirs = resolveDirs(options);
  const events = new Emitter<AnyEvent>();
  const emit: EventSink = (name, payload) => events.fire({ name, payload });
  const prompts = new Prompts();
  const hosts = () =>
    cachedHosts({ configFile: options.ssh?.configFile, workspaceDir: dirs.workspaceDir });
  const ssh: SshOptions = {
    // A window answers these; the answers stay in this process (never logged, never sent back).
    ...(options.interactive
      ? {
          askHostKey: (question) =>
            prompts.ask(
              'key',
              (promptId) => emit('host.keyPrompt', { promptId, ...question }),
              false,
            ),
          askAuth: (question) =>
            prompts.ask<string[] | null>(
              'auth',
              (promptId) => emit('host.authPrompt', { promptId, ...question }),
              null,
            ),
          askPassphrase: async (keyFile) => {
            const answer = await prompts.ask<string[] | null>(
              'auth',
              (promptId) =>
                emit('host.authPrompt', {
                  promptId,
                  kind: 'passphrase',
                  alias: keyFile,
                  host: '',
                  title: `Passphrase for ${keyFile}`,
                  instructions:
                    'The key is encrypted. Runsheet keeps the passphrase in memory until it quits.',
                  prompts: [{ prompt: 'Passphrase:', echo: false }],
                }),
              null,
            );
            if (answer?.[0] === undefined) throw new Error(`no passphrase given for ${keyFile}`);
            return answer[0];
          },
        }
      : {}),
    ...options.ssh,
  };
  // The workspace's own guardrails; a runsheet.yaml that cannot be read leaves the
  // built-in rules on and says so on every runbook (it does not stop the app).
  let guard = new Guard();
  let guardNotice: string | null = null;
  try {
    guard = Guard.forWorkspace(dirs.workspaceDir);
  } catch (error) {
    guardNotice = `${(error as Error).message} (the built-in guardrails apply; the workspace's own do not)`;
  }
  const workspace = new Workspace(dirs.workspaceDir, guard.analyze, guardNotice);
  const sessions = new SessionManager(
    options.sessionFactory ??
      ((request) =>
        request.host
          ? new SshSession(resolveSshTarget(request.host, { ...ssh, extraHosts: hosts() }), request)
          : new LocalPtySession({ ...request, env: options.localEnv })),
    emit,
  );
  let worker: RedactionWorker | null = null;
  const redaction = (patterns: Array<{ name: string; pattern: RegExp }>): RedactionEngine => {
    if (options.redactionWorker && existsSync(options.redactionWorker)) {
      try {
        worker ??= new RedactionWorker(options.redactionWorker);
        return worker.engine(patterns);
      } catch {
        // No worker thread: the same redaction, in this thread.
      }
    }
    return localEngine(patterns);
  };
  const runs = new RunService({
    redaction,
    dirs,
    workspace,
    sessions,
    emit,
    analyze: guard.analyze,
    expandHosts: (spec) => expandHosts(spec, hosts()),
    inInventory: (name) => hosts().some((h) => h.name === name || h.groups.includes(name)),
    hostEnvironment: (name) => hosts().find((h) => h.name === name)?.environment ?? null,
    windows: () => ({
      windows: inventoryWindows(dirs.workspaceDir),
      file: join(dirs.workspaceDir, 'hosts.yaml'),
    }),
  });
  const trackers = new Trackers({
    dataDir: dirs.dataDir,
    workspaceDir: dirs.workspaceDir,
    tokens: options.tokens ?? envTokens,
    draft: async (runId) => {
      const md = await runs.records.export(runId, 'md');
      // The whole log is attached; the description keeps the start of it.
      const description =
        md.content.length > DESCRIPTION_CHARS
          ? `${md.content.slice(0, DESCRIPTION_CHARS)}\n\n… (the full log is attached: ${md.filename})\n`
          : md.content;
      return {
        subject: md.title,
        description,
        attachment: { filename: md.filename, content: md.content, mime: md.mime },
      };
    },
    onSent: (runId, sent) =>
      emit('export.didSend', { runId, tracker: sent.tracker, url: sent.url }),
  });
  if (options.retryExports) trackers.start();
  workspace.watch({
    changed: (_id, runbook, summary, source) => {
      runs.reload(summary.id, runbook, source);
      emit('runbook.didChange', { summary, runbook });
    },
    listChanged: (change) => {
      emit('workspace.didChange', change);
      // A runbook back at the path of a run that went on without it: the run follows its text.
      for (const id of change.added)
        if (runs.activeRunFor(id))
          workspace.open(id).then(
            ({ runbook, source }) => runs.reload(id, runbook, source),
            () => undefined,
          );
    },
  });
  const journalFor = (runId: string) => {
    try {
      return journalOf(runId, dirs.dataDir);
    } catch (error) {
      throw new ApiError('not-found', (error as Error).message);
    }
  };
  const outputs = new OutputViews(dirs.dataDir, journalFor);
  // Reads of the records wait for the recovery pass that began with the core.
  const recovered = <T>(read: () => T | Promise<T>): Promise<T> =>
    runs.recovered.then(() => read());

  const handlers: Handlers = {
    'app.info': async () => ({
      version: options.version,
      ...dirs,
      user: userInfo().username,
      host: hostname(),
      opensLinks: options.openExternal !== undefined,
    }),
    'app.openLink': async ({ url }) => {
      if (!options.openExternal)
        throw new ApiError('forbidden', 'links are opened by the page here, not by the core');
      await options.openExternal(openableUrl(url)!);
      return null;
    },
    'workspace.list': () => workspace.list(),
    'runbook.open': async ({ runbookId }) => {
      const active = runs.activeRunFor(runbookId);
      try {
        const { runbook, summary } = await workspace.open(runbookId);
        return { runbook, summary, activeRun: active, deleted: false };
      } catch (error) {
        // Deleted while it runs: the run goes on from its own copy, which is what opens.
        if (!active || !(error instanceof ApiError) || error.code !== 'not-found') throw error;
        const runbook = runs.find(active.id).runbook;
        return {
          runbook,
          summary: summarize(runbookId, runbook),
          activeRun: active,
          deleted: true,
        };
      }
    },
    'run.start': ({ runbookId, host, outsideWindow, rehearsal }) =>
      runs.start(runbookId, { host, outsideWindow, rehearsal }),
    'due.list': () => recovered(() => runs.records.due()),
    'tracker.list': async () => trackers.list(),
    'tracker.setToken': async ({ tracker, token }) => {
      if (!options.saveToken)
        throw new ApiError(
          'forbidden',
          `here tokens come from the environment: set RUNSHEET_${tracker.toUpperCase()}_TOKEN where Runsheet runs`,
        );
      try {
        options.saveToken(tracker, token);
      } catch (error) {
        throw new ApiError('invalid-input', (error as Error).message);
      }
      return null;
    },
    'run.push': async ({ runId, tracker }) => {
      // Anything queued before goes first, now that someone is sending.
      await trackers.flush();
      return trackers.push(runId, tracker);
    },
    'run.export': ({ runId, format }) => recovered(() => runs.records.export(runId, format)),
    'run.saveExport': ({ runId, format }) =>
      recovered(() => runs.records.saveExport(runId, format)),
    'run.saveBundle': ({ runId }) => recovered(() => runs.records.saveBundle(runId)),
    'history.list': ({ runbookId, query, status, limit }) =>
      recovered(() => runs.records.history(runbookId, query, { statuses: status, limit })),
    'history.searchOutput': (search) => recovered(() => runs.records.searchOutput(search)),
    'run.open': ({ runId }) => recovered(() => runs.records.open(runId)),
    'run.resume': ({ runId }) => runs.resume(runId),
    'run.setFields': ({ runId, ...fields }) => runs.setFields(runId, fields),
    'run.preflight': ({ runbookId, host }) => runs.preflight(runbookId, host),
    'run.plan': ({ runbookId, host, runId, variables }) =>
      runId ? runs.find(runId).plan() : runs.planRun(runbookId, { host, variables }),
    'run.savePlan': async ({ runbookId, host, runId, variables }) => {
      const plan = runId
        ? await runs.find(runId).plan()
        : await runs.planRun(runbookId, { host, variables });
      mkdirSync(dirname(plan.approvalFile), { recursive: true });
      writeFileAtomic(plan.approvalFile, plan.text);
      return { path: plan.approvalFile, sha256: plan.sha256 };
    },
    'run.active': async () => runs.active(),
    'run.get': async ({ runId }) => runs.get(runId),
    'run.setChecked': async ({ runId, stepId, checked, note }) =>
      runs.find(runId).setChecked(stepId, checked, note),
    'run.skip': async ({ runId, stepId, reason }) => runs.find(runId).skip(stepId, reason),
    'run.execute': async ({ runId, stepId, confirmed, typed, andFollowing, only }) =>
      runs.find(runId).execute(stepId, { confirmed, typed, andFollowing, only }),
    'run.proceed': async ({ runId, stepId, confirmed, typed }) =>
      runs.find(runId).proceed(stepId, { confirmed, typed }),
    'run.cancel': async ({ runId, force }) => runs.find(runId).cancel(force),
    'run.retryWrites': async ({ runId }) => runs.retryWrites(runId),
    'run.markDone': async ({ runId, stepId, note }) => runs.find(runId).markDone(stepId, note),
    'run.setVariables': async ({ runId, values }) => runs.find(runId).setVariables(values),
    'run.setStepTarget': async ({ runId, stepId, host }) =>
      runs.find(runId).setStepTarget(stepId, host),
    'run.reconnect': async ({ runId, host }) => runs.find(runId).reconnect(host),
    'run.finish': async ({ runId }) => runs.finish(runId),
    'hosts.list': async () => hosts(),
    'host.answerKey': async ({ promptId, accept }) => {
      prompts.answer('key', promptId, accept);
      return null;
    },
    'host.answerAuth': async ({ promptId, answers }) => {
      prompts.answer('auth', promptId, answers);
      return null;
    },
    'output.open': ({ runId, stepId, host }) => recovered(() => outputs.open(runId, stepId, host)),
    'output.lines': ({ viewId, from, count }) => outputs.lines(viewId, from, count),
    'output.search': ({ viewId, pattern, regex, caseSensitive }) =>
      outputs.search(viewId, pattern, { regex, caseSensitive }),
    'run.recording': ({ runId, host }) =>
      recovered(() => {
        const markers: Array<{ time: number; stepId: string; text: string }> = [];
        const lines = asciicast(journalFor(runId), {
          host,
          maxStepBytes: REPLAY_STEP_BYTES,
          maxBytes: REPLAY_BYTES,
          markers,
        });
        return { cast: [...lines].join(''), markers };
      }),
    'output.close': async ({ viewId }) => {
      outputs.close(viewId);
      return null;
    },
    'session.write': async ({ sessionId, data }) => {
      sessions.write(sessionId, data);
      return null;
    },
    'session.snapshot': async ({ sessionId }) => sessions.snapshot(sessionId),
    'session.ack': async ({ sessionId, chars }) => {
      sessions.ack(sessionId, chars);
      return null;
    },
    'session.detach': async ({ sessionId }) => {
      sessions.detach(sessionId);
      return null;
    },
    'session.resize': async ({ sessionId, cols, rows }) => {
      sessions.resize(sessionId, cols, rows);
      return null;
    },
  };

  return {
    handlers,
    dirs,
    onEvent(listener) {
      const subscription = events.event(({ name, payload }) => listener(name, payload as never));
      return () => subscription.dispose();
    },
    dispose() {
      workspace.unwatch();
      outputs.dispose();
      prompts.dispose();
      trackers.dispose();
      runs.dispose();
      worker?.dispose();
      sessions.dispose();
      events.dispose();
    },
  };
}
