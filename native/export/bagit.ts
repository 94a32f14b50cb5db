import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { BadInputError } from '../adapters/errors.ts';
import { writeHashedFile } from '../util/files.ts';

export const BAGIT_VERSION_TEXT = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n';

/**
 * Writes a BagIt bag (RFC 8493): payload under data/, every payload file hashed while it is
 * written, then the manifest, bag-info.txt with Payload-Oxum, and the tag manifest. This is the
 * only way export code touches the user's chosen folder, and it refuses any path that would leave it.
 */
export class BagWriter {
  private readonly manifest = new Map<string, string>();
  private payloadBytes = 0;

  private constructor(readonly root: string) {}

  /** OUT must not exist yet, or be an empty folder: an export never mixes with other files. */
  static async create(outDir: string): Promise<BagWriter> {
    const root = path.resolve(outDir);
    let entries: string[] | undefined;
    try {
      entries = await fs.readdir(root);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') throw new BadInputError(`${outDir} is a file; choose a new or empty folder for the export.`);
      if (code !== 'ENOENT') throw err;
    }
    if (entries && entries.length > 0) {
      throw new BadInputError(`${outDir} is not empty; choose a new or empty folder for the export.`);
    }
    await fs.mkdir(path.join(root, 'data'), { recursive: true });
    return new BagWriter(root);
  }

  /** The bag-relative path of a payload file, e.g. "data/photos/2024/03/IMG_1.jpg". */
  payloadPath(segments: string[]): string {
    for (const s of segments) {
      if (s === '' || s === '.' || s === '..' || /[/\\\u0000]/.test(s)) {
        throw new Error(`refusing unsafe path segment ${JSON.stringify(s)} in an export`);
      }
    }
    return ['data', ...segments].join('/');
  }

  has(relPath: string): boolean {
    return this.manifest.has(relPath);
  }

  async writeFile(
    segments: string[],
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    mtime?: Date,
  ): Promise<{ relPath: string; sha256: string; size: number }> {
    const relPath = this.payloadPath(segments);
    const target = this.resolveInside(relPath);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${randomUUID()}.part`;
    const { sha256, size } = await writeHashedFile(tmp, source, undefined, 0o644);
    // link + unlink instead of rename: never replace a file that appeared under the same name.
    await fs.link(tmp, target);
    await fs.rm(tmp);
    if (mtime) await fs.utimes(target, mtime, mtime);
    this.manifest.set(relPath, sha256);
    this.payloadBytes += size;
    return { relPath, sha256, size };
  }

  writeText(segments: string[], text: string, mtime?: Date) {
    return this.writeFile(segments, [Buffer.from(text, 'utf8')], mtime);
  }

  /** Writes the tag files; the bag is complete (and verifiable) only after this. */
  async finish(info: Record<string, string>): Promise<{ manifestSha256: string; payloadOxum: string }> {
    const manifestText = [...this.manifest.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([rel, sha]) => `${sha}  ${encodeManifestPath(rel)}\n`)
      .join('');
    const payloadOxum = `${this.payloadBytes}.${this.manifest.size}`;
    const bagInfo = Object.entries({ ...info, 'Payload-Oxum': payloadOxum })
      .map(([k, v]) => `${k}: ${v.replace(/\r?\n/g, ' ')}\n`)
      .join('');
    const tags: [string, string][] = [
      ['bagit.txt', BAGIT_VERSION_TEXT],
      ['bag-info.txt', bagInfo],
      ['manifest-sha256.txt', manifestText],
    ];
    for (const [name, text] of tags) await fs.writeFile(path.join(this.root, name), text, { flag: 'wx' });
    const tagManifest = tags.map(([name, text]) => `${sha256Hex(text)}  ${name}\n`).join('');
    await fs.writeFile(path.join(this.root, 'tagmanifest-sha256.txt'), tagManifest, { flag: 'wx' });
    return { manifestSha256: sha256Hex(manifestText), payloadOxum };
  }

  private resolveInside(relPath: string): string {
    const target = path.resolve(this.root, ...relPath.split('/'));
    if (!target.startsWith(this.root + path.sep)) throw new Error(`refusing to write outside the export folder: ${relPath}`);
    return target;
  }
}

/** RFC 8493 §2.1.3: CR, LF and % are percent-encoded in manifest paths. */
export function encodeManifestPath(rel: string): string {
  return rel.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function decodeManifestPath(rel: string): string {
  return rel.replace(/%0A/gi, '\n').replace(/%0D/gi, '\r').replace(/%25/g, '%');
}

export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}
