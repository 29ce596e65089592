import { describe, expect, it } from 'vitest';
import { createInProcessApi } from '../shared/api';
import { tempDir } from '../../tests/helpers/temp';
import { createCore } from './core';

/**
 * The one way out of the app: app.openLink, after the link dialog. Only http, https and
 * mailto get through the contract, and only a core that was given the system's opener
 * (the desktop app) opens anything.
 */
describe('app.openLink', () => {
  function coreWith(openExternal?: (url: string) => Promise<void>) {
    const dir = tempDir('runsheet-links-');
    const core = createCore({
      bundledRunbooks: dir.path,
      dataDir: `${dir.path}/.data`,
      logDir: `${dir.path}/.logs`,
      version: 'test',
      ...(openExternal ? { openExternal } : {}),
    });
    return { api: createInProcessApi(core.handlers, core), core, dir };
  }

  it('hands web and mail links to the system, and nothing else', async () => {
    const opened: string[] = [];
    const { api, core, dir } = coreWith(async (url) => void opened.push(url));
    try {
      expect((await api.call('app.info', {})).opensLinks).toBe(true);
      await api.call('app.openLink', { url: 'https://grafana.example.com/d/abc?orgId=1' });
      await api.call('app.openLink', { url: 'mailto:ops@example.com' });
      for (const url of [
        'javascript:alert(1)',
        'file:///etc/passwd',
        'smb://fileserver/share',
        'vscode://file/etc/passwd',
        'ms-msdt:/id PCWDiagnostic',
        'not a url',
        `https://example.com/${'a'.repeat(5000)}`,
      ])
        await expect(api.call('app.openLink', { url }), url).rejects.toThrow(
          /only http, https and mailto links open|too_big|at most/i,
        );
      expect(opened).toEqual([
        'https://grafana.example.com/d/abc?orgId=1',
        'mailto:ops@example.com',
      ]);
    } finally {
      core.dispose();
      dir.cleanup();
    }
  });

  it('is refused where the page opens links itself (serve, the browser harness)', async () => {
    const { api, core, dir } = coreWith();
    try {
      expect((await api.call('app.info', {})).opensLinks).toBe(false);
      await expect(api.call('app.openLink', { url: 'https://example.com/' })).rejects.toThrow(
        'links are opened by the page here',
      );
    } finally {
      core.dispose();
      dir.cleanup();
    }
  });
});
