/**
 * A small client of QEMU's machine protocol (QMP: one JSON object per line on a Unix socket), for
 * what the lab does to a running guest: device_del / device_add, i.e. pulling a USB cable and
 * plugging it back.
 */
import * as net from 'node:net';

type QmpMessage = { return?: unknown; error?: { class: string; desc: string }; event?: string; data?: Record<string, unknown>; QMP?: unknown };

export class QmpClient {
  readonly #socket: net.Socket;
  #buffer = '';
  #pending: { resolve: (value: unknown) => void; reject: (error: Error) => void }[] = [];
  #eventWaiters: { event: string; test: (data: Record<string, unknown>) => boolean; resolve: () => void }[] = [];
  readonly events: { event: string; data?: Record<string, unknown> }[] = [];

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.#onData(chunk));
    socket.on('close', () => {
      for (const p of this.#pending.splice(0)) p.reject(new Error('QMP: QEMU closed the connection'));
    });
  }

  /** Connects (retrying while QEMU creates the socket) and leaves capability negotiation mode. */
  static async connect(socketPath: string, timeoutMs = 10_000): Promise<QmpClient> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.createConnection(socketPath, () => resolve(s));
          s.once('error', reject);
        });
        const client = new QmpClient(socket);
        // The greeting comes first; qmp_capabilities is answered after it.
        await client.execute('qmp_capabilities');
        return client;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`QMP: cannot connect to ${socketPath}: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      this.#socket.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
    });
  }

  /** Unplugs a device and waits until QEMU says it is gone. */
  async deviceDel(id: string, timeoutMs = 10_000): Promise<void> {
    const deleted = this.waitForEvent('DEVICE_DELETED', (data) => data.device === id, timeoutMs);
    await this.execute('device_del', { id });
    await deleted;
  }

  async deviceAdd(args: Record<string, unknown>): Promise<void> {
    await this.execute('device_add', args);
  }

  waitForEvent(event: string, test: (data: Record<string, unknown>) => boolean, timeoutMs: number): Promise<void> {
    if (this.events.some((e) => e.event === event && test(e.data ?? {}))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`QMP: no ${event} within ${timeoutMs} ms`)), timeoutMs);
      this.#eventWaiters.push({
        event,
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  #onData(chunk: string): void {
    this.#buffer += chunk;
    let newline: number;
    while ((newline = this.#buffer.indexOf('\n')) >= 0) {
      const line = this.#buffer.slice(0, newline).trim();
      this.#buffer = this.#buffer.slice(newline + 1);
      if (line) this.#onMessage(JSON.parse(line) as QmpMessage);
    }
  }

  #onMessage(message: QmpMessage): void {
    if (message.QMP !== undefined) return; // the greeting
    if (message.event !== undefined) {
      this.events.push({ event: message.event, data: message.data });
      for (const waiter of [...this.#eventWaiters]) {
        if (waiter.event === message.event && waiter.test(message.data ?? {})) {
          this.#eventWaiters.splice(this.#eventWaiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
      return;
    }
    const pending = this.#pending.shift();
    if (!pending) return;
    if (message.error) pending.reject(new Error(`QMP: ${message.error.class}: ${message.error.desc}`));
    else pending.resolve(message.return);
  }
}
