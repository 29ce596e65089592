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
  /** Where refused input is reported (standard error by default). */
  log?: (line: string) => void;
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
  const log =
    options.log ?? ((line: string) => void process.stderr.write(`runsheet serve: ${line}\n`));
  const http = createServer((req, res) => {
    // Nothing a request carries may end the process: a failure is a 400 or 500, logged.
    serveStatic(options.staticDir, req, res, allowedHosts).catch((error: unknown) => {
      log(`${req.method} ${String(req.url).slice(0, 200)}: ${(error as Error).message}`);
      if (!res.headersSent) res.writeHead(error instanceof BadRequest ? 400 : 500);
      res.end();
    });
  });
  http.on('clientError', (error, socket) => {
    log(`bad HTTP request: ${error.message}`);
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });
  let allowedHosts = new Set<string>();

  http.on('upgrade', (req, socket, head) => {
    socket.on('error', (error) => log(`socket: ${error.message}`));
    const reject = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      return reject(400, 'Bad Request');
    }
    if (url.pathname !== '/api') return reject(404, 'Not Found');
    if (!allowedHosts.has(req.headers.host ?? '')) return reject(403, 'Forbidden');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedHosts.has(origin.replace(/^http:\/\//, ''))) {
      return reject(403, 'Forbidden');
    }
    if (!tokenMatches(url.searchParams.get('token'), token)) return reject(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => serveClient(ws, options.core, log));
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

/** The largest WebSocket frame a client may send (a paste of about a megabyte). */
export const MAX_FRAME = 1 << 20;
/** More messages than this in a second close the connection (typing sends one per key). */
const MAX_MESSAGES_PER_SECOND = 1000;

class BadRequest extends Error {}

function tokenMatches(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function serveClient(ws: WebSocket, core: Core, log: (line: string) => void): void {
  const send = (message: ServerMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  const unsubscribe = core.onEvent((name, payload) => send({ type: 'event', name, payload }));
  ws.on('close', unsubscribe);
  // A frame over the limit, a bad frame, a reset: ws closes the socket (1009, 1002) and
  // reports it here; without a listener the error would end the process.
  ws.on('error', (error) => log(`client: ${error.message}`));
  let windowStart = Date.now();
  let inWindow = 0;
  ws.on('message', (raw, isBinary) => {
    const now = Date.now();
    if (now - windowStart >= 1000) {
      windowStart = now;
      inWindow = 0;
    }
    if (++inWindow > MAX_MESSAGES_PER_SECOND) {
      log(`client: more than ${MAX_MESSAGES_PER_SECOND} messages in a second; closed`);
      ws.close(1008, 'too many messages');
      return;
    }
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
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
  } catch {
    throw new BadRequest('not a path');
  }
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
