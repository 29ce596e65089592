import { describe, expect, it } from 'vitest';
import type { Core } from '../core';
import type { Handlers } from '../shared/api/contract';
import {
  createInvokeHandler,
  createSenderPolicy,
  INVOKE_CHANNEL,
  setupIpcGateway,
  type WindowRegistry,
} from './ipc-gateway';

// Electron's objects reduced to the fields the gateway reads: identity of
// webContents and frames, and the frame's URL.
const APP_URL = 'file:///app/out/renderer/index.html';
const mainFrame = { url: APP_URL };
const ourContents = { id: 1 };
const ourWindow = { webContents: { mainFrame } };
const registry: WindowRegistry = {
  windowFor: (sender) => (sender === (ourContents as never) ? ourWindow : null),
  isAppUrl: (url) => url === APP_URL,
};

const calls: string[] = [];
const core = {
  handlers: {
    'app.info': async () => {
      calls.push('app.info');
      return {
        version: '1',
        dataDir: '/d',
        logDir: '/l',
        workspaceDir: '/w',
        user: 'u',
        host: 'h',
        opensLinks: true,
      };
    },
  } as unknown as Handlers,
  onEvent: () => () => undefined,
} as unknown as Core;

const handler = createInvokeHandler(core, createSenderPolicy(registry));
const event = (sender: unknown, senderFrame: unknown) => ({ sender, senderFrame }) as never;

describe('IPC gateway', () => {
  it('answers the main frame of our window', async () => {
    const result = await handler(event(ourContents, mainFrame), { method: 'app.info', params: {} });
    expect(result).toMatchObject({ ok: true, value: { version: '1' } });
  });

  it.each([
    ['a window that is not ours', event({ id: 2 }, mainFrame)],
    ['a subframe of our window', event(ourContents, { url: APP_URL })],
    [
      'our main frame after it navigated elsewhere',
      event(ourContents, { url: 'https://evil.example/' }),
    ],
    ['a sender with no frame', event(ourContents, null)],
  ])('refuses %s', async (_name, e) => {
    calls.length = 0;
    if (_name.includes('navigated')) mainFrame.url = 'https://evil.example/';
    const result = await handler(e, { method: 'app.info', params: {} });
    mainFrame.url = APP_URL;
    expect(result).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'IPC from an untrusted frame was refused' },
    });
    expect(calls).toEqual([]);
  });

  it('refuses unknown methods and malformed requests from a trusted frame', async () => {
    for (const request of [
      { method: 'shell.exec', params: {} },
      'app.info',
      null,
      { params: {} },
    ]) {
      const result = await handler(event(ourContents, mainFrame), request);
      expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    const bad = await handler(event(ourContents, mainFrame), {
      method: 'app.info',
      params: { x: 1 },
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });

  it('listens on one channel only and removes it on dispose', () => {
    const channels = new Map<string, unknown>();
    const ipcMain = {
      handle: (channel: string, listener: unknown) => channels.set(channel, listener),
      removeHandler: (channel: string) => channels.delete(channel),
    };
    const dispose = setupIpcGateway(
      ipcMain as never,
      core,
      createSenderPolicy(registry),
      () => undefined,
    );
    expect([...channels.keys()]).toEqual([INVOKE_CHANNEL]);
    dispose();
    expect(channels.size).toBe(0);
  });
});
