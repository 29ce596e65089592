import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { connect as connectTcp } from 'node:net';
import WebSocket from 'ws';
import { createCore, type Core } from '../core';
import { MAX_FRAME, startServer, type RunningServer } from './ws-server';
import { tempDir, writeFiles } from '../../tests/helpers/temp';

let dir: ReturnType<typeof tempDir>;
let core: Core;
let server: RunningServer;
const refused: string[] = [];

beforeAll(async () => {
  dir = tempDir();
  writeFiles(dir.path, {
    'a.md': '# A\n\n- [ ] one\n',
    'index.html': '<!doctype html><title>t</title>',
  });
  core = createCore({ bundledRunbooks: dir.path, dataDir: dir.path, version: 'test' });
  server = await startServer({ core, staticDir: dir.path, log: (line) => refused.push(line) });
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

/** A raw HTTP/1.1 request (any path bytes, any headers); resolves with the status line's code. */
function raw(text: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = connectTcp(server.port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.setTimeout(3000, () => socket.destroy());
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
  });
}

const get = (path: string) =>
  raw(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`);

/** The server still serves the page and answers a call on a fresh connection. */
async function stillUp(): Promise<void> {
  expect(await get('/')).toBe(200);
  const { ws } = await connect(`?token=${server.token}`);
  const reply = new Promise<{ ok: boolean }>((resolve) =>
    ws!.once('message', (m) => resolve(JSON.parse(String(m)) as { ok: boolean })),
  );
  ws!.send(JSON.stringify({ type: 'call', id: 1, method: 'app.info', params: {} }));
  expect((await reply).ok).toBe(true);
  ws!.close();
}

describe('hostile input never ends the server', () => {
  it('answers a path that does not decode (/%) with 400', async () => {
    expect(await get('/%')).toBe(400);
    expect(await get('/%E0%A4%A')).toBe(400);
    expect(refused.some((l) => l.includes('GET /%: not a path'))).toBe(true);
    await stillUp();
  });

  it('closes a connection that sends a frame over the limit (1009), and one that floods (1008)', async () => {
    const big = await connect(`?token=${server.token}`);
    const closedBig = new Promise<number>((resolve) => big.ws!.on('close', (c) => resolve(c)));
    big.ws!.on('error', () => undefined);
    big.ws!.send('x'.repeat(MAX_FRAME + 1));
    expect(await closedBig).toBe(1009);

    const flood = await connect(`?token=${server.token}`);
    const closedFlood = new Promise<number>((resolve) => flood.ws!.on('close', (c) => resolve(c)));
    const call = JSON.stringify({ type: 'call', id: 1, method: 'app.info', params: {} });
    for (let i = 0; i < 1500; i++) flood.ws!.send(call);
    expect(await closedFlood).toBe(1008);
    await stillUp();
  });

  it('survives a bounded fuzz of paths, methods, headers, frames and JSON', async () => {
    // A fixed seed: the same 400 requests and 300 frames every run.
    let seed = 0x2545f491;
    const rand = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const bytes = (n: number) => Array.from({ length: n }, () => String.fromCharCode(rand(256)));
    const pick = <T>(xs: T[]) => xs[rand(xs.length)]!;
    for (let i = 0; i < 400; i++) {
      const path = pick([
        `/${bytes(rand(40)).join('')}`,
        `/${'%'.repeat(rand(5))}${bytes(3).join('')}`,
        `/api?token=${bytes(10).join('')}`,
        `/${'../'.repeat(rand(8))}etc/passwd`,
        `/index.html?${'a='.repeat(rand(200))}`,
      ]).replace(/[\r\n ]/g, '_');
      const method = pick(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'BREW', '']);
      const headers = pick([
        `Host: 127.0.0.1:${server.port}\r\n`,
        'Host: evil.example\r\n',
        `Host: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${bytes(
          8,
        )
          .join('')
          .replace(/[^\x21-\x7e]/g, 'k')}\r\n`,
        `X-${bytes(5)
          .join('')
          .replace(/[^a-z]/gi, 'h')}: ${bytes(rand(100))
          .join('')
          .replace(/[\r\n]/g, ' ')}\r\n`,
        '',
      ]);
      await raw(`${method} ${path} HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`);
    }
    for (let c = 0; c < 6; c++) {
      const { ws } = await connect(`?token=${server.token}`);
      ws!.on('error', () => undefined);
      const closed = new Promise<void>((resolve) => ws!.on('close', () => resolve()));
      for (let i = 0; i < 50 && ws!.readyState === ws!.OPEN; i++) {
        const frame = pick([
          () => Buffer.from(bytes(rand(300)).join(''), 'latin1'),
          () => bytes(rand(300)).join(''),
          () =>
            JSON.stringify({
              type: 'call',
              id: rand(1e6),
              method: pick(['run.execute', 'session.write', 'nope', '__proto__']),
              params: pick([null, [], {}, { runId: bytes(5).join('') }, { __proto__: { x: 1 } }]),
            }),
          () =>
            JSON.stringify(
              pick([
                null,
                1,
                'x',
                [],
                { type: 'call' },
                { type: 'call', id: -1, method: 'app.info' },
              ]),
            ),
        ])();
        ws!.send(frame);
      }
      ws!.close();
      await closed;
    }
    await stillUp();
  });
});
