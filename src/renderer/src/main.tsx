import { StrictMode, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import type { RunsheetBridge } from '../../preload/api';
import type { RunsheetApi } from '../../shared/api';
import { App } from './App';
import { createIpcApi } from './transport/ipc-client';
import { connectWebSocketApi } from './transport/ws-client';
import './styles/index.css';

declare global {
  interface Window {
    /** Present in Electron (from the preload); absent in a browser, which uses the WebSocket. */
    runsheetBridge?: RunsheetBridge;
  }
}

const root = createRoot(document.getElementById('root')!);

/** Why the connection closed, if it did: a tiny external store the UI subscribes to. */
const connection = {
  closed: null as string | null,
  listeners: new Set<() => void>(),
  close(reason: string) {
    this.closed = reason;
    for (const listener of this.listeners) listener();
  },
  subscribe(listener: () => void) {
    connection.listeners.add(listener);
    return () => connection.listeners.delete(listener);
  },
};

function Root({ api }: { api: RunsheetApi }) {
  const closed = useSyncExternalStore(connection.subscribe, () => connection.closed);
  return <App api={api} disconnected={closed} />;
}

async function boot(): Promise<void> {
  // The one place that knows the transport; App only ever sees a RunsheetApi.
  const api = window.runsheetBridge
    ? createIpcApi(window.runsheetBridge)
    : await connectWebSocketApi(window.location, (reason) => connection.close(reason));
  root.render(
    <StrictMode>
      <Root api={api} />
    </StrictMode>,
  );
}

boot().catch((error: unknown) => {
  root.render(
    <div className="fatal">
      <h1>Runsheet could not start</h1>
      <p>{error instanceof Error ? error.message : String(error)}</p>
    </div>,
  );
});
