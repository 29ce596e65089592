import { app } from 'electron';
import { join } from 'node:path';
import { createCore, type Core } from '../core/core';

/** Creates the core with the app's data folder and the bundled runbooks. */
export function setupCore(): Core {
  const core = createCore({
    bundledRunbooks: join(app.getAppPath(), 'runbooks'),
    dataDir: app.getPath('userData'),
    version: app.getVersion(),
    interactive: true,
    redactionWorker: join(app.getAppPath(), 'out', 'main', 'redaction-worker.js'),
    retryExports: true,
  });
  app.on('will-quit', () => core.dispose());
  return core;
}
