import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Core } from '../core';
import { ClientMessage, RENDERER_CSP, type ServerMessage } from '../shared/api/wire';
import { dispatch, toWireError } from '../shared/api';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export interface ServerOptions {
  core: Core;
  /** The built renderer (out/renderer). */
  staticDir: string;
  port?: number;
  /** For tests; a random 32-byte token otherwise. */
  token?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/**
 * The loopback transport: serves the renderer bundle and the API over a
 * WebSocket on 127.0.0.1 only. Connecting needs the per-launch token; Host and
 * Origin must be this server's own (no DNS rebinding, no other sites).
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const http = createServer((req, res) => {
    void serveStatic(options.staticDir, req, res, allowedHosts);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  let allowedHosts = new Set<string>();

  http.on('upgrade', (req, socket, head) => {
    const reject = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/api') return reject(404, 'Not Found');
    if (!allowedHosts.has(req.headers.host ?? '')) return reject(403, 'Forbidden');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedHosts.has(origin.replace(/^http:\/\//, ''))) {
      return reject(403, 'Forbidden');
    }
    if (!tokenMatches(url.searchParams.get('token'), token)) return reject(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => serveClient(ws, options.core));
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    port,
    token,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

function tokenMatches(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function serveClient(ws: WebSocket, core: Core): void {
  const send = (message: ServerMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  const unsubscribe = core.onEvent((name, payload) => send({ type: 'event', name, payload }));
  ws.on('close', unsubscribe);
  ws.on('message', (raw, isBinary) => {
    let message: ClientMessage;
    try {
      if (isBinary) throw new Error('binary');
      message = ClientMessage.parse(JSON.parse(raw.toString()));
    } catch {
      ws.close(1008, 'malformed message');
      return;
    }
    dispatch(core.handlers, message.method, message.params).then(
      (value) => send({ type: 'result', id: message.id, ok: true, value }),
      (error: unknown) =>
        send({ type: 'result', id: message.id, ok: false, error: toWireError(error) }),
    );
  });
}

async function serveStatic(
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
  allowedHosts: Set<string>,
): Promise<void> {
  res.setHeader('Content-Security-Policy', RENDERER_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  if (!allowedHosts.has(req.headers.host ?? '')) {
    res.writeHead(403).end();
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405).end();
    return;
  }
  const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
  const relative = normalize(pathname === '/' ? '/index.html' : pathname);
  const file = join(root, relative);
  if (!file.startsWith(root + sep)) {
    res.writeHead(403).end();
    return;
  }
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a file');
    res.writeHead(200, {
      'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
      'Content-Length': info.size,
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  } catch {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  }
}
