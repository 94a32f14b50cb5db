import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * HEIC/HEIF pictures decoded to raw RGBA by heic-decode (libheif compiled to WebAssembly), in a
 * worker thread: one decode of a 12-megapixel photo takes about a second of CPU, which must block
 * neither the window nor the engine's own event loop (the rescue's progress goes through it).
 * sharp's prebuilt libvips reads HEIF containers but carries no HEVC decoder, hence this.
 */
const DECODER_PATH = createRequire(import.meta.url).resolve('heic-decode');

// Plain CommonJS run by the worker: no TypeScript loader is needed inside it.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const decode = require(${JSON.stringify(DECODER_PATH)});
parentPort.on('message', async ({ id, buffer }) => {
  try {
    const { width, height, data } = await decode({ buffer });
    parentPort.postMessage({ id, width, height, data }, [data.buffer]);
  } catch (err) {
    parentPort.postMessage({ id, error: String((err && err.message) || err) });
  }
});
`;

export interface RawImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel. */
  data: Uint8Array;
}

type Reply = { id: number; width: number; height: number; data: Uint8ClampedArray } | { id: number; error: string };

export class HeicDecoder {
  #worker: Worker | null = null;
  #nextId = 1;
  #waiting = new Map<number, { resolve: (img: RawImage) => void; reject: (err: Error) => void }>();

  decode(buffer: Uint8Array): Promise<RawImage> {
    const worker = this.#start();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.postMessage({ id, buffer });
    });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    await worker?.terminate();
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref(); // an idle decoder must not keep the engine alive
    worker.on('message', (reply: Reply) => {
      const waiter = this.#waiting.get(reply.id);
      this.#waiting.delete(reply.id);
      if (!waiter) return;
      if ('error' in reply) waiter.reject(new Error(reply.error));
      else waiter.resolve({ width: reply.width, height: reply.height, data: new Uint8Array(reply.data.buffer, reply.data.byteOffset, reply.data.byteLength) });
    });
    // A decoder that crashed on a hostile file takes only itself down: the next picture gets a new one.
    worker.on('error', (err) => this.#fail(worker, err));
    worker.on('exit', (code) => this.#fail(worker, new Error(`the HEIC decoder stopped (code ${code})`)));
    this.#worker = worker;
    return worker;
  }

  #fail(worker: Worker, err: Error): void {
    if (this.#worker === worker) this.#worker = null;
    for (const w of this.#waiting.values()) w.reject(err);
    this.#waiting.clear();
  }
}
