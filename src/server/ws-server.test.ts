import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import WebSocket from 'ws';
import { createCore, type Core } from '../core';
import { startServer, type RunningServer } from './ws-server';
import { tempDir, writeFiles } from '../../tests/helpers/temp';

let dir: ReturnType<typeof tempDir>;
let core: Core;
let server: RunningServer;

beforeAll(async () => {
  dir = tempDir();
  writeFiles(dir.path, {
    'a.md': '# A\n\n- [ ] one\n',
    'index.html': '<!doctype html><title>t</title>',
  });
  core = createCore({ bundledRunbooks: dir.path, dataDir: dir.path, version: 'test' });
  server = await startServer({ core, staticDir: dir.path });
});

afterAll(async () => {
  await server.close();
  core.dispose();
  dir.cleanup();
});

/** Opens a socket; resolves with the HTTP status of a refusal, or 101 when it connects. */
function connect(
  query: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api${query}`, { headers });
    ws.on('open', () => resolve({ status: 101, ws }));
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.on('error', () => resolve({ status: -1 }));
  });
}

describe('loopback WebSocket adapter', () => {
  it('binds 127.0.0.1 and prints a URL carrying the token in its fragment', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/#token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(40);
  });

  it('refuses a connection without a token', async () => {
    expect((await connect('')).status).toBe(401);
  });

  it('refuses a wrong token, including one of the right length', async () => {
    expect((await connect('?token=nope')).status).toBe(401);
    const forged = server.token.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await connect(`?token=${forged}`)).status).toBe(401);
  });

  it('refuses another origin even with the token', async () => {
    const result = await connect(`?token=${server.token}`, { Origin: 'http://evil.example' });
    expect(result.status).toBe(403);
  });

  it('serves calls with the token and validates payloads', async () => {
    const { status, ws } = await connect(`?token=${server.token}`, {
      Origin: `http://127.0.0.1:${server.port}`,
    });
    expect(status).toBe(101);
    const replies: unknown[] = [];
    ws!.on('message', (m) => replies.push(JSON.parse(String(m))));
    ws!.send(JSON.stringify({ type: 'call', id: 1, method: 'workspace.list', params: {} }));
    ws!.send(
      JSON.stringify({
        type: 'call',
        id: 2,
        method: 'runbook.open',
        params: { runbookId: '../x.md' },
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(replies).toContainEqual(
      expect.objectContaining({
        id: 1,
        ok: true,
        value: [expect.objectContaining({ id: 'a.md', checks: 1 })],
      }),
    );
    expect(replies).toContainEqual(
      expect.objectContaining({
        id: 2,
        ok: false,
        error: expect.objectContaining({ code: 'invalid-input' }),
      }),
    );
    ws!.close();
  });

  it('closes the socket on a message outside the wire format', async () => {
    const { ws } = await connect(`?token=${server.token}`);
    const closed = new Promise<number>((resolve) => ws!.on('close', (code) => resolve(code)));
    ws!.send('{"type":"shell","cmd":"id"}');
    expect(await closed).toBe(1008);
  });

  it('refuses static requests with a foreign Host header (DNS rebinding) and path traversal', async () => {
    const status = (path: string, host?: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: server.port, path, headers: host ? { Host: host } : {} },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
    expect(await status('/', 'evil.example')).toBe(403);
    expect(await status('/')).toBe(200);
    // Clamped inside the root (404) or refused (403): never the file outside it.
    expect([403, 404]).toContain(await status('/..%2f..%2fetc%2fpasswd'));
    const ok = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(ok.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});
