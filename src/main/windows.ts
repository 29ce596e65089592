import { BrowserWindow, type WebContents } from 'electron';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EVENT_CHANNEL, type WindowRegistry } from './ipc-gateway';
import { MAX_LINK_LENGTH } from '../shared/util/links';

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
  // Nothing leaves the app but through its link dialog (and app.openLink after it): a
  // window.open, a middle-click or a link that escaped the page's handlers is denied here
  // and handed to the page, which asks the user as it does for every link.
  const askFirst = (url: string): void => {
    if (win.isDestroyed() || windowRegistry.isAppUrl(url)) return;
    win.webContents.send(EVENT_CHANNEL, {
      name: 'app.linkRequested',
      payload: { url: url.slice(0, MAX_LINK_LENGTH) },
    });
  };
  win.webContents.on('will-navigate', (event) => {
    event.preventDefault();
    askFirst(event.url);
  });
  win.webContents.on('will-redirect', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    askFirst(url);
    return { action: 'deny' };
  });
  void win.loadURL(rendererUrl());
  return win;
}
