import { app } from 'electron';
import { join } from 'node:path';
import { createCore, envTokens, type Core } from '../core';
import { KeychainTokens } from './token-store';

/** Creates the core with the app's data folder and the bundled runbooks. */
export function setupCore(): Core {
  const keychain = new KeychainTokens();
  const core = createCore({
    // The keychain first; the environment still works for people who set it.
    tokens: (tracker) => keychain.get(tracker) ?? envTokens(tracker),
    saveToken: (tracker, token) => keychain.set(tracker, token),
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
