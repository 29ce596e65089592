// Runs sandboxed, before the renderer. Exposes the Runsheet API and nothing else:
// no ipcRenderer, no Node. Method and event names are checked here too.
import { contextBridge, ipcRenderer } from 'electron';
import { isEventName, isMethodName } from '../shared/api/contract';
import type { RunsheetBridge } from './api';

const INVOKE_CHANNEL = 'runsheet:invoke';
const EVENT_CHANNEL = 'runsheet:event';

const bridge: RunsheetBridge = {
  invoke(method, params) {
    if (!isMethodName(method)) return Promise.reject(new Error(`unknown method ${String(method)}`));
    return ipcRenderer.invoke(INVOKE_CHANNEL, { method, params });
  },
  on(event, listener) {
    if (!isEventName(event)) throw new Error(`unknown event ${String(event)}`);
    const handler = (_e: unknown, message: { name: string; payload: unknown }): void => {
      if (message?.name === event) listener(message.payload);
    };
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('runsheetBridge', bridge);
