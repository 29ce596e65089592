import { BrowserWindow, shell, type WebContents } from 'electron';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { WindowRegistry } from './ipc-gateway';

const windows = new Set<BrowserWindow>();
/** out/main/, where this bundle lives (ESM has no __dirname). */
const here = fileURLToPath(new URL('.', import.meta.url));

/** The renderer's entry: the dev server in `electron-vite dev`, the bundled file otherwise. */
function rendererUrl(): string {
  const dev = process.env.ELECTRON_RENDERER_URL;
  return dev ?? pathToFileURL(join(here, '../renderer/index.html')).href;
}

export const windowRegistry: WindowRegistry = {
  windowFor(sender) {
    const win = BrowserWindow.fromWebContents(sender as WebContents);
    return win && windows.has(win) ? win : null;
  },
  isAppUrl(url) {
    const base = rendererUrl();
    return (
      url === base ||
      url.startsWith(`${base}#`) ||
      url.startsWith(`${base}?`) ||
      (process.env.ELECTRON_RENDERER_URL !== undefined &&
        url.startsWith(process.env.ELECTRON_RENDERER_URL))
    );
  },
};

export function broadcast(channel: string, message: unknown): void {
  for (const win of windows) if (!win.isDestroyed()) win.webContents.send(channel, message);
}

/** A locked-down window: sandboxed, context-isolated, no Node, no navigation, no popups. */
export function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    show: false,
    backgroundColor: '#0f1115',
    title: 'Runsheet',
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  windows.add(win);
  win.on('closed', () => windows.delete(win));
  win.once('ready-to-show', () => win.show());

  // A renderer that crashes (or is killed) comes back: the run lives in the core, so it is intact.
  win.webContents.on('render-process-gone', (_event, details) => {
    if (details.reason !== 'clean-exit' && !win.isDestroyed()) win.webContents.reload();
  });
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.on('will-redirect', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Links open in the user's browser, never inside the app; only web URLs.
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  void win.loadURL(rendererUrl());
  return win;
}
