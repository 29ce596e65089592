import { homedir, platform } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { readYamlFile } from './files/yaml-file';

/** Directories the core works in. */
export interface CoreDirs {
  /** Where journals and settings live (Electron's userData). */
  dataDir: string;
  /** Where Markdown maintenance logs are written. */
  logDir: string;
  /** The folder of runbooks shown in the app. */
  workspaceDir: string;
}

/**
 * The same folder Electron's `app.getPath('userData')` gives for productName
 * "Runsheet", so the desktop app, `serve` and the CLI share history and logs.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = homedir();
  switch (platform()) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Runsheet');
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Runsheet');
    default:
      return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Runsheet');
  }
}

/**
 * The workspace's own log folder: `logDir` in its `runsheet.yaml` (relative to
 * the workspace), else `maintenance-logs/` beside the runbooks, as the seeds keep
 * them. The bundled runbooks (inside the app, maybe read-only) have none.
 */
function workspaceLogDir(workspaceDir: string, bundled: boolean): string | null {
  const file = join(workspaceDir, 'runsheet.yaml');
  const data = readYamlFile<{ logDir?: unknown }>(file);
  if (data?.logDir !== undefined) {
    if (typeof data.logDir !== 'string' || !data.logDir)
      throw new Error(`${file}: logDir must be a folder (relative to the workspace or absolute)`);
    return isAbsolute(data.logDir) ? data.logDir : join(workspaceDir, data.logDir);
  }
  return bundled ? null : join(workspaceDir, 'maintenance-logs');
}

/**
 * Resolves the directories: explicit options first, then RUNSHEET_DATA_DIR,
 * RUNSHEET_LOG_DIR and RUNSHEET_WORKSPACE, then the workspace's own log folder,
 * then the defaults.
 */
export function resolveDirs(
  options: Partial<CoreDirs> & { bundledRunbooks: string },
  env: NodeJS.ProcessEnv = process.env,
): CoreDirs {
  const dataDir = resolve(options.dataDir ?? env.RUNSHEET_DATA_DIR ?? defaultDataDir(env));
  const workspaceDir = resolve(
    options.workspaceDir ?? env.RUNSHEET_WORKSPACE ?? options.bundledRunbooks,
  );
  const bundled = workspaceDir === resolve(options.bundledRunbooks);
  return {
    dataDir,
    logDir: resolve(
      options.logDir ??
        env.RUNSHEET_LOG_DIR ??
        workspaceLogDir(workspaceDir, bundled) ??
        join(dataDir, 'maintenance-logs'),
    ),
    workspaceDir,
  };
}
