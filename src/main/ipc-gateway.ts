import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type { Core } from '../core';
import { dispatch, toWireError, type WireError } from '../shared/api';

/** The only channels the renderer may use; preload sends nothing else. */
export const INVOKE_CHANNEL = 'runsheet:invoke';
export const EVENT_CHANNEL = 'runsheet:event';

export type InvokeResult = { ok: true; value: unknown } | { ok: false; error: WireError };

/** Decides whether an IPC message comes from the main frame of one of our windows. */
export interface SenderPolicy {
  isTrusted(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>): boolean;
}

/** The structural parts of Electron the policy reads, so it can be checked without Electron. */
export interface WindowRegistry {
  /** `BrowserWindow.fromWebContents(sender)`, when it is one of ours. */
  windowFor(sender: IpcMainInvokeEvent['sender']): { webContents: { mainFrame: unknown } } | null;
  /** Whether a frame URL is our renderer (the bundled file or the dev server). */
  isAppUrl(url: string): boolean;
}

/** Sender must be the main frame of one of our windows, showing our own renderer. */
export function createSenderPolicy(registry: WindowRegistry): SenderPolicy {
  return {
    isTrusted({ sender, senderFrame }) {
      const win = registry.windowFor(sender);
      if (!win || !senderFrame) return false;
      if (senderFrame !== win.webContents.mainFrame) return false;
      return registry.isAppUrl(senderFrame.url);
    },
  };
}

/**
 * The one IPC gateway: checks the sender, then hands the payload to the shared
 * dispatcher, which checks the method against the allowlist and parses the
 * payload with its schema. Errors come back as values, never as thrown IPC.
 */
export function createInvokeHandler(core: Core, policy: SenderPolicy) {
  return async (
    event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>,
    request: unknown,
  ): Promise<InvokeResult> => {
    if (!policy.isTrusted(event)) {
      return {
        ok: false,
        error: { code: 'forbidden', message: 'IPC from an untrusted frame was refused' },
      };
    }
    const { method, params } = (request && typeof request === 'object' ? request : {}) as {
      method?: unknown;
      params?: unknown;
    };
    try {
      return { ok: true, value: await dispatch(core.handlers, method, params) };
    } catch (error) {
      return { ok: false, error: toWireError(error) };
    }
  };
}

/** Registers the gateway on ipcMain and forwards core events to our windows. */
export function setupIpcGateway(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  core: Core,
  policy: SenderPolicy,
  broadcast: (channel: string, message: unknown) => void,
): () => void {
  ipcMain.handle(INVOKE_CHANNEL, createInvokeHandler(core, policy));
  const unsubscribe = core.onEvent((name, payload) => broadcast(EVENT_CHANNEL, { name, payload }));
  return () => {
    unsubscribe();
    ipcMain.removeHandler(INVOKE_CHANNEL);
  };
}
