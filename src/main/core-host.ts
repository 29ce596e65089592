import { app, shell } from 'electron';
import { join } from 'node:path';
import { createCore, envTokens, type Core } from '../core';
import { KeychainTokens } from './token-store';

/**
 * The runbooks that ship with the app: beside the sources in development, and in a
 * packaged app a real folder in the resources (electron-builder's extraResources), not
 * inside app.asar, so they can be watched and opened in an editor like any file.
 */
function bundledRunbooks(): string {
  return app.isPackaged
    ? join(process.resourcesPath, 'runbooks')
    : join(app.getAppPath(), 'runbooks');
}

/** Creates the core with the app's data folder and the bundled runbooks. */
export function setupCore(): Core {
  const keychain = new KeychainTokens();
  const core = createCore({
    // The keychain first; the environment still works for people who set it.
    tokens: (tracker) => keychain.get(tracker) ?? envTokens(tracker),
    saveToken: (tracker, token) => keychain.set(tracker, token),
    bundledRunbooks: bundledRunbooks(),
    dataDir: app.getPath('userData'),
    version: app.getVersion(),
    interactive: true,
    // Inside app.asar when packaged: worker_threads load from asar (Electron >= 17.3).
    redactionWorker: join(app.getAppPath(), 'out', 'main', 'redaction-worker.js'),
    retryExports: true,
    // The one way a link leaves the app: confirmed in the page's dialog, checked by the contract.
    openExternal: (url) => shell.openExternal(url),
  });
  app.on('will-quit', () => core.dispose());
  return core;
}
