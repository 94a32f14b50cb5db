import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Engine } from './engine.ts';
import { startWebHost, type WebHost } from './web-host.ts';

let tmp: string;
let engine: Engine;
let host: WebHost;
let token: string;
let origin: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-webhost-'));
  const dist = path.join(tmp, 'dist');
  fs.mkdirSync(dist);
  fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>t</title>');
  fs.writeFileSync(path.join(tmp, 'secret.txt'), 'not for the web');
  engine = new Engine({ vaultDir: path.join(tmp, 'vault'), host: 'browser', realUsb: false, simulation: false });
  await engine.start();
  host = await startWebHost({ engine, staticDir: dist });
  token = new URLSearchParams(new URL(host.url).hash.slice(1)).get('token')!;
  origin = `http://127.0.0.1:${host.port}`;
});

afterAll(async () => {
  await host.close();
  await engine.close();
});

function connect(opts: { token?: string; origin?: string; host?: string }): Promise<{ ws: WebSocket } | { status: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${encodeURIComponent(opts.token ?? token)}`, {
      origin: opts.origin ?? origin,
      ...(opts.host ? { headers: { host: opts.host } } : {}),
    });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.once('error', () => resolve({ status: -1 }));
  });
}

describe('browser host (WebSocket bridge on 127.0.0.1)', () => {
  it('prints an address on 127.0.0.1 with a long random token', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{32}$/);
  });

  it('answers calls from its own page and carries errors as people-readable messages', async () => {
    const c = await connect({});
    if (!('ws' in c)) throw new Error(`refused: ${c.status}`);
    const answers: unknown[] = [];
    c.ws.on('message', (m) => answers.push(JSON.parse(String(m))));
    c.ws.send(JSON.stringify({ kind: 'call', id: 1, method: 'hello' }));
    c.ws.send(JSON.stringify({ kind: 'call', id: 2, method: 'contacts', arg: { serial: 'nobody', offset: 0, limit: 1 } }));
    await expect.poll(() => answers.length).toBe(2);
    expect(answers).toContainEqual(expect.objectContaining({ id: 1, ok: true, value: expect.objectContaining({ host: 'browser' }) }));
    const failed = answers.find((a) => (a as { id: number }).id === 2) as { ok: boolean; error: Record<string, string> };
    expect(failed.ok).toBe(false);
    expect(failed.error.code).toBe('nothing-rescued');
    expect(JSON.stringify(failed)).not.toMatch(/\.ts:\d+|\n\s+at /);
    c.ws.close();
  });

  it('refuses a wrong token, another origin, and another Host name', async () => {
    expect(await connect({ token: 'x'.repeat(32) })).toEqual({ status: 403 });
    expect(await connect({ origin: 'http://evil.example' })).toEqual({ status: 403 });
    expect(await connect({ origin: 'null' })).toEqual({ status: 403 });
    expect(await connect({ host: `rebound.example:${host.port}` })).toEqual({ status: 403 });
  });

  it('closes the socket of a window that sends what no window sends', async () => {
    const c = await connect({});
    if (!('ws' in c)) throw new Error('refused');
    const closed = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
    c.ws.send(JSON.stringify({ kind: 'call', id: 1, method: 'eval', arg: {} }));
    expect(await closed).toBe(1008);
  });

  it('serves the window with a strict CSP, and nothing outside its folder', async () => {
    const page = await fetch(`${origin}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fetch(`${origin}/..%2fsecret.txt`)).status).toBe(404);
    expect((await fetch(`${origin}/%2e%2e/secret.txt`)).status).toBe(404);
    expect((await fetch(`${origin}/receipt/e1?token=wrong`)).status).toBe(403);
  });

  it('close() ends open sockets instead of waiting for them', async () => {
    const engine2 = new Engine({ vaultDir: path.join(tmp, 'vault2'), host: 'browser', realUsb: false, simulation: false });
    const dist = path.join(tmp, 'dist');
    const host2 = await startWebHost({ engine: engine2, staticDir: dist });
    const t2 = new URLSearchParams(new URL(host2.url).hash.slice(1)).get('token')!;
    const ws = new WebSocket(`ws://127.0.0.1:${host2.port}/api?token=${t2}`, { origin: `http://127.0.0.1:${host2.port}` });
    await new Promise((resolve) => ws.once('open', resolve));
    const closed = new Promise((resolve) => ws.once('close', resolve));
    const t0 = Date.now();
    await host2.close();
    await closed;
    expect(Date.now() - t0).toBeLessThan(1_000);
    await engine2.close();
  });
});
