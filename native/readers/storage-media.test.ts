import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SourceLostError } from '../adapters/errors.ts';
import type { MediaEntry } from '../model/media.ts';
import { makeJpeg, makeMp4, makePng } from '../sim/jpeg-fixture.ts';
import { walkStorageMedia } from './storage-media.ts';

let root: string;
let storage: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-storage-'));
  storage = path.join(root, 'storage');
  fs.mkdirSync(storage);
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

function put(relative: string, bytes: Buffer | string, mtime?: string): void {
  const file = path.join(storage, ...relative.split('/'));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  if (mtime) fs.utimesSync(file, new Date(mtime), new Date(mtime));
}

async function walk(dir = storage): Promise<MediaEntry[]> {
  const entries: MediaEntry[] = [];
  for await (const entry of walkStorageMedia(dir)) entries.push(entry);
  return entries;
}

const isRoot = process.getuid?.() === 0;

describe('walkStorageMedia', () => {
  it('lists photos and videos by content, with size, time and a "/" path relative to storage', async () => {
    const jpeg = makeJpeg({ dateTimeOriginal: '2024:01:01 10:00:00' });
    put('DCIM/Camera/IMG_1.jpg', jpeg, '2024-01-01T10:00:00Z');
    put('Movies/clip.mp4', makeMp4(), '2024-02-01T00:00:00Z');
    put('Pictures/shot.png', makePng(), '2024-03-01T00:00:00Z');
    put('Download/notes.jpg', 'Shopping list: milk, bread\n');
    put('Download/empty.jpg', '');
    put('Music/song.m4a', Buffer.concat([Buffer.from([0, 0, 0, 20]), Buffer.from('ftypM4A \0\0\0\0M4A ')]));
    expect(await walk()).toEqual([
      { path: 'DCIM/Camera/IMG_1.jpg', size: jpeg.length, mtimeMs: Date.parse('2024-01-01T10:00:00Z'), mediaType: 'image/jpeg', kind: 'photo' },
      { path: 'Movies/clip.mp4', size: makeMp4().length, mtimeMs: Date.parse('2024-02-01T00:00:00Z'), mediaType: 'video/mp4', kind: 'video' },
      { path: 'Pictures/shot.png', size: makePng().length, mtimeMs: Date.parse('2024-03-01T00:00:00Z'), mediaType: 'image/png', kind: 'photo' },
    ]);
  });

  it('walks in code-unit order of names, depth first, the same on every machine', async () => {
    const names = ['b.jpg', 'B.jpg', 'a.jpg', 'Ä.jpg', 'z/1.jpg', 'Z/1.jpg', '_.jpg', '10.jpg', '9.jpg', '😀.jpg', 'ﬀ.jpg'];
    for (const name of names) put(name, makeJpeg());
    const paths = (await walk()).map((e) => e.path);
    // Plain UTF-16 comparison: uppercase before lowercase, digits by character, and an emoji's
    // surrogate (0xD83D) before U+FB00, exactly as `<` does.
    expect(paths).toEqual(['10.jpg', '9.jpg', 'B.jpg', 'Z/1.jpg', '_.jpg', 'a.jpg', 'b.jpg', 'z/1.jpg', 'Ä.jpg', '😀.jpg', 'ﬀ.jpg']);
    expect(paths).toEqual([...paths].sort());
  });

  it('handles odd names: spaces, unicode, %, leading dashes, colons, newlines, 255-byte names', async () => {
    const odd = [' spaced .jpg', '-rf.jpg', '--help.jpg', '100%25 done.jpg', 'IMG 2024:01:01 <1>.jpg', 'Zoë Ångström 李小龙.jpg', 'line\nbreak.jpg', 'back\\slash.jpg', `${'x'.repeat(251)}.jpg`, `${'é'.repeat(125)}.jpg`];
    for (const name of odd) put(`DCIM/${name}`, makeJpeg());
    const paths = (await walk()).map((e) => e.path);
    expect(paths).toEqual(odd.map((n) => `DCIM/${n}`).sort());
  });

  it('leaves out names that are not UTF-8, which no string could name again', async () => {
    put('ok.jpg', makeJpeg());
    const badName = Buffer.concat([Buffer.from(storage + path.sep), Buffer.from([0x66, 0xff, 0x2e, 0x6a, 0x70, 0x67])]);
    try {
      fs.writeFileSync(badName, makeJpeg());
    } catch {
      return; // a file system that refuses such names (macOS) has nothing to test here
    }
    expect((await walk()).map((e) => e.path)).toEqual(['ok.jpg']);
  });

  it('never follows symbolic links, to files or folders, inside or outside storage', async () => {
    put('DCIM/real.jpg', makeJpeg());
    const outside = path.join(root, 'outside');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'secret.jpg'), makeJpeg());
    fs.symlinkSync(path.join(outside, 'secret.jpg'), path.join(storage, 'DCIM', 'link.jpg'));
    fs.symlinkSync(outside, path.join(storage, 'DCIM', 'outside-dir'));
    fs.symlinkSync(path.join(storage, 'DCIM'), path.join(storage, 'loop'));
    fs.symlinkSync('/', path.join(storage, 'rootdir'));
    fs.symlinkSync(path.join(root, 'missing'), path.join(storage, 'dangling.jpg'));
    expect((await walk()).map((e) => e.path)).toEqual(['DCIM/real.jpg']);
  });

  it('skips .thumbnails folders at any depth', async () => {
    put('DCIM/.thumbnails/1.jpg', makeJpeg());
    put('Pictures/Album/.thumbnails/2.jpg', makeJpeg());
    put('DCIM/.thumbnails.jpg', makeJpeg()); // a file with that name is a file, not the cache
    put('DCIM/Camera/3.jpg', makeJpeg());
    expect((await walk()).map((e) => e.path)).toEqual(['DCIM/.thumbnails.jpg', 'DCIM/Camera/3.jpg']);
  });

  it('never opens FIFOs, sockets or devices (a FIFO would hang the walk)', async () => {
    put('a.jpg', makeJpeg());
    execFileSync('mkfifo', [path.join(storage, 'pipe.jpg')]);
    expect((await walk()).map((e) => e.path)).toEqual(['a.jpg']);
  });

  it('leaves out a file it cannot read and goes on', async () => {
    put('a.jpg', makeJpeg());
    put('b.jpg', makeJpeg());
    put('c.jpg', makeJpeg());
    const realOpen = fs.promises.open;
    vi.spyOn(fs.promises, 'open').mockImplementation(async (file, ...rest) => {
      if (String(file).endsWith('b.jpg')) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      return realOpen(file, ...rest);
    });
    expect((await walk()).map((e) => e.path)).toEqual(['a.jpg', 'c.jpg']);
  });

  it('leaves out a file that fails with an I/O error while the storage is still there', async () => {
    put('a.jpg', makeJpeg());
    put('b.jpg', makeJpeg());
    const realOpen = fs.promises.open;
    vi.spyOn(fs.promises, 'open').mockImplementation(async (file, ...rest) => {
      if (String(file).endsWith('a.jpg')) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
      return realOpen(file, ...rest);
    });
    expect((await walk()).map((e) => e.path)).toEqual(['b.jpg']);
  });

  if (isRoot) console.warn('storage-media: the chmod 000 test is skipped when running as root, because root reads every file anyway; the EACCES path is covered by the mocked test above');
  it.skipIf(isRoot)('leaves out files and folders without read permission (chmod 000; skipped as root: root reads everything)', async () => {
    put('a.jpg', makeJpeg());
    put('locked.jpg', makeJpeg());
    put('Locked/inside.jpg', makeJpeg());
    fs.chmodSync(path.join(storage, 'locked.jpg'), 0o000);
    fs.chmodSync(path.join(storage, 'Locked'), 0o000);
    try {
      expect((await walk()).map((e) => e.path)).toEqual(['a.jpg']);
    } finally {
      fs.chmodSync(path.join(storage, 'Locked'), 0o755);
    }
  });

  it('throws SourceLostError when the storage folder vanishes mid-walk', async () => {
    for (let i = 0; i < 5; i++) put(`DCIM/IMG_${i}.jpg`, makeJpeg());
    put('Pictures/later.jpg', makeJpeg());
    const seen: string[] = [];
    const walking = (async () => {
      for await (const entry of walkStorageMedia(storage)) {
        seen.push(entry.path);
        if (seen.length === 2) fs.rmSync(storage, { recursive: true, force: true });
      }
    })();
    await expect(walking).rejects.toBeInstanceOf(SourceLostError);
    await expect(walking).rejects.toThrow(/storage folder .* went away/);
    expect(seen).toEqual(['DCIM/IMG_0.jpg', 'DCIM/IMG_1.jpg']);
  });

  it('throws SourceLostError when the storage folder is gone before the walk starts', async () => {
    await expect(walk(path.join(root, 'not-there'))).rejects.toBeInstanceOf(SourceLostError);
  });

  it('goes on when one file disappears between listing and reading', async () => {
    put('a.jpg', makeJpeg());
    put('b.jpg', makeJpeg());
    put('c.jpg', makeJpeg());
    const seen: string[] = [];
    for await (const entry of walkStorageMedia(storage)) {
      seen.push(entry.path);
      if (entry.path === 'a.jpg') fs.rmSync(path.join(storage, 'b.jpg'));
    }
    expect(seen).toEqual(['a.jpg', 'c.jpg']);
  });

  it('reads only the first 64 bytes of each file', async () => {
    put('big.jpg', Buffer.concat([makeJpeg(), Buffer.alloc(5_000_000)]));
    const reads: number[] = [];
    const realOpen = fs.promises.open;
    vi.spyOn(fs.promises, 'open').mockImplementation(async (...args) => {
      const handle = await realOpen(...args);
      const realRead = handle.read.bind(handle);
      handle.read = (async (buffer: Buffer, offset: number, length: number, position: number) => {
        reads.push(length);
        return realRead(buffer, offset, length, position);
      }) as typeof handle.read;
      return handle;
    });
    const [entry] = await walk();
    expect(entry!.size).toBe(makeJpeg().length + 5_000_000);
    expect(reads).toEqual([64]);
  });
});
