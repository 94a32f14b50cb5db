import sharp from 'sharp';
import type { Readable } from 'node:stream';
import type { Thumbnail } from './api.ts';
import { HeicDecoder } from './heic-decoder.ts';

const EDGE_PX = 160;
const CACHE_ENTRIES = 3_000;
/** Decodes run on libuv's pool; a few at a time leaves room for the rescue on a 2-core machine. */
const AT_ONCE = 2;
/**
 * HEIC needs the whole file at once (libheif seeks in it). A preview is the one place a picture is
 * held whole, so only pictures up to this size get one.
 */
const HEIC_MAX_BYTES = 40 * 1024 * 1024;
const HEIC_TYPES = new Set(['image/heic', 'image/heif']);

// One libvips thread per decode: several small decodes side by side beat one wide decode.
sharp.concurrency(1);
sharp.cache(false);

/**
 * Small JPEG previews of stored photos, made in the engine (never in the window) with sharp, off
 * the engine's JavaScript thread (libvips works on its own threads). Kept in memory, newest last.
 */
export class Thumbnails {
  #cache = new Map<string, Thumbnail>();
  #running = 0;
  #queue: (() => void)[] = [];
  #heic = new HeicDecoder();

  async of(sha256: string, mediaType: string, open: () => Readable): Promise<Thumbnail> {
    const cached = this.#cache.get(sha256);
    if (cached) {
      this.#cache.delete(sha256);
      this.#cache.set(sha256, cached);
      return cached;
    }
    if (!mediaType.startsWith('image/')) return { dataUrl: null, reason: 'video' };
    await this.#slot();
    let thumb: Thumbnail;
    try {
      const jpeg = HEIC_TYPES.has(mediaType) ? await this.#heicThumb(open) : await streamThumb(open());
      thumb = jpeg ? { dataUrl: `data:image/jpeg;base64,${jpeg.toString('base64')}` } : { dataUrl: null, reason: 'too large for a preview' };
    } catch {
      thumb = { dataUrl: null, reason: 'no preview' };
    } finally {
      this.#release();
    }
    this.#cache.set(sha256, thumb);
    if (this.#cache.size > CACHE_ENTRIES) this.#cache.delete(this.#cache.keys().next().value!);
    return thumb;
  }

  async close(): Promise<void> {
    await this.#heic.close();
  }

  async #heicThumb(open: () => Readable): Promise<Buffer | null> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of open()) {
      size += (chunk as Buffer).length;
      if (size > HEIC_MAX_BYTES) return null;
      chunks.push(chunk as Buffer);
    }
    const image = await this.#heic.decode(Buffer.concat(chunks));
    return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
      .resize(EDGE_PX, EDGE_PX, { fit: 'cover' })
      .jpeg({ quality: 70 })
      .toBuffer();
  }

  #slot(): Promise<void> {
    if (this.#running < AT_ONCE) {
      this.#running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#queue.push(resolve));
  }

  #release(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#running--;
  }
}

/** Any picture libvips reads (JPEG, PNG, WebP, GIF, TIFF, AVIF), streamed through sharp. */
function streamThumb(input: Readable): Promise<Buffer> {
  const pipeline = sharp({ failOn: 'none', limitInputPixels: 200_000_000 })
    .rotate() // follow the EXIF orientation, as the phone showed it
    .resize(EDGE_PX, EDGE_PX, { fit: 'cover' })
    .jpeg({ quality: 70 });
  input.on('error', (err) => pipeline.destroy(err));
  input.pipe(pipeline);
  return pipeline.toBuffer();
}
