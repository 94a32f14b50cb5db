import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiEvent } from './api.ts';
import type { Engine } from './engine.ts';
import { toUserError } from './user-error.ts';
import { MAX_CALL_BYTES, parseCall, type WireMessage } from './wire.ts';

/**
 * The browser host: the built window (renderer/dist) and the API over a WebSocket, on 127.0.0.1
 * only. Another page in the same browser, or another program on the machine, gets nowhere: the
 * socket wants this run's random token and our own Origin, and every request our own Host (so a
 * DNS-rebound name cannot reach it either).
 */
export interface WebHost {
  /** The address to open, with the token in its fragment (never sent to a server, never logged). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The window's policy: nothing from anywhere but here; pictures also as data: URLs (thumbnails). */
export const WINDOW_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** A slow window must not make the engine hold megabytes of progress for it. */
const BUFFER_LIMIT = 4 * 1024 * 1024;

export async function startWebHost(opts: { engine: Engine; staticDir: string; port?: number }): Promise<WebHost> {
  const token = randomBytes(24).toString('base64url');
  const root = path.resolve(opts.staticDir);
  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  const server = http.createServer((req, res) => {
    if (!allowedHosts().has(req.headers.host ?? '')) return refuse(res, 421, 'wrong host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const receipt = /^\/receipt\/([A-Za-z0-9]+)$/.exec(url.pathname);
    if (receipt) return void serveReceipt(receipt[1]!, url.searchParams.get('token'), res);
    serveStatic(url.pathname, res);
  });

  const serveReceipt = async (exportId: string, given: string | null, res: http.ServerResponse) => {
    if (!tokenMatches(given, token)) return refuse(res, 403, 'forbidden');
    try {
      const { html } = await opts.engine.receipt({ exportId });
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        // The receipt is a plain document with its own inline style; nothing else may load.
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        ...COMMON_HEADERS,
      });
      res.end(html);
    } catch (err) {
      refuse(res, 404, toUserError(err).message);
    }
  };

  const serveStatic = (pathname: string, res: http.ServerResponse) => {
    const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
    const file = path.resolve(root, rel);
    if (!file.startsWith(root + path.sep)) return refuse(res, 404, 'not found');
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      return refuse(res, 404, 'not found');
    }
    if (!stat.isFile()) return refuse(res, 404, 'not found');
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': stat.size,
      'content-security-policy': WINDOW_CSP,
      ...COMMON_HEADERS,
    });
    fs.createReadStream(file).pipe(res);
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CALL_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const origin = req.headers.origin ?? '';
    const ok =
      url.pathname === '/api' &&
      allowedHosts().has(req.headers.host ?? '') &&
      (origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`) &&
      tokenMatches(url.searchParams.get('token'), token);
    if (!ok) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveWindow(ws));
  });

  const serveWindow = (ws: WebSocket) => {
    const send = (message: WireMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    const stop = opts.engine.onEvent((event: ApiEvent) => {
      // Progress carries the whole state, so a window that falls behind can skip some.
      const skippable = event.type === 'rescue-progress' || event.type === 'export-progress';
      if (skippable && ws.bufferedAmount > BUFFER_LIMIT) return;
      send({ kind: 'event', event });
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'text only');
      const parsed = parseCall(data.toString('utf8'));
      if ('refused' in parsed) return ws.close(1008, parsed.refused);
      const { id, method, arg } = parsed.call;
      opts.engine.dispatch(method, arg).then(
        (value) => send({ kind: 'result', id, ok: true, value: value ?? null }),
        (err: unknown) => send({ kind: 'result', id, ok: false, error: toUserError(err) }),
      );
    });
    ws.on('close', stop);
    ws.on('error', stop);
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    port,
    async close() {
      // Open sockets would keep close() waiting for ever (and Playwright with it).
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

function refuse(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...COMMON_HEADERS });
  res.end(text);
}

function tokenMatches(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
