import type { MaintenanceWindow } from '../../shared/model';
import { parseWindow, withinWindow } from '../../shared/schedule/window';

/** What a run's maintenance window says about starting it now. */
export interface WindowVerdict {
  environment: string;
  /** The window as written, and where (hosts.yaml or the runbook's table, with its line). */
  window: string | null;
  source: string | null;
  /** null: no window for this environment, or one that cannot be read. */
  open: boolean | null;
  /** For the user: why starting now needs a second thought, or why the window was not checked. */
  message: string | null;
}

/** Most sensitive first: a group with one production host is a production run. */
const ORDER = ['production', 'staging', 'dev', 'local'];
const ALIASES: Record<string, string> = {
  prod: 'production',
  live: 'production',
  stage: 'staging',
  development: 'dev',
  test: 'dev',
};

const normal = (env: string): string => {
  const e = env.trim().toLowerCase();
  return ALIASES[e] ?? e;
};

/** The run's environment: the runbook's `environment`, else its hosts' (the most sensitive), else local. */
export function runEnvironment(
  frontmatter: unknown,
  hostEnvironments: Array<string | null>,
): string {
  if (typeof frontmatter === 'string' && frontmatter.trim()) return frontmatter.trim();
  const envs = hostEnvironments.filter((e): e is string => Boolean(e));
  if (envs.length === 0) return 'local';
  const rank = (e: string) => {
    const i = ORDER.indexOf(normal(e));
    return i < 0 ? ORDER.length : i;
  };
  return [...envs].sort((a, b) => rank(a) - rank(b))[0]!;
}

/**
 * Checks `now` against the window for `environment`: the workspace's hosts.yaml
 * `windows:` first, then the runbook's own "Maintenance Windows" table.
 */
export function checkWindow(
  environment: string,
  inventoryWindows: Record<string, string>,
  inventoryFile: string,
  runbookWindows: MaintenanceWindow[],
  runbookPath: string,
  now: Date,
): WindowVerdict {
  const env = normal(environment);
  const fromInventory = Object.entries(inventoryWindows).find(([e]) => normal(e) === env);
  const fromRunbook = runbookWindows.find((w) => normal(w.environment) === env);
  const [window, source] = fromInventory
    ? [fromInventory[1], inventoryFile]
    : fromRunbook
      ? [fromRunbook.window, `${runbookPath}:${fromRunbook.line}`]
      : [null, null];
  if (window === null) return { environment, window, source, open: null, message: null };
  const spec = parseWindow(window);
  if (!spec) {
    return {
      environment,
      window,
      source,
      open: null,
      message: `the ${environment} maintenance window "${window}" (${source}) cannot be read, so it was not checked`,
    };
  }
  const open = withinWindow(spec, now);
  const clock = now.toLocaleString('en-GB', {
    weekday: 'long',
    hour: '2-digit',
    minute: '2-digit',
    ...(spec.utc ? { timeZone: 'UTC' } : {}),
  });
  return {
    environment,
    window,
    source,
    open,
    message: open
      ? null
      : `outside the ${environment} maintenance window: "${window}" (${source}); it is now ${clock}${spec.utc ? ' UTC' : ''}`,
  };
}
