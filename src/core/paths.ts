import { homedir, platform } from 'node:os';
import { join, resolve } from 'node:path';

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
 * Resolves the directories: explicit options first, then RUNSHEET_DATA_DIR,
 * RUNSHEET_LOG_DIR and RUNSHEET_WORKSPACE, then the defaults.
 */
export function resolveDirs(
  options: Partial<CoreDirs> & { bundledRunbooks: string },
  env: NodeJS.ProcessEnv = process.env,
): CoreDirs {
  const dataDir = resolve(options.dataDir ?? env.RUNSHEET_DATA_DIR ?? defaultDataDir(env));
  return {
    dataDir,
    logDir: resolve(options.logDir ?? env.RUNSHEET_LOG_DIR ?? join(dataDir, 'maintenance-logs')),
    workspaceDir: resolve(
      options.workspaceDir ?? env.RUNSHEET_WORKSPACE ?? options.bundledRunbooks,
    ),
  };
}
