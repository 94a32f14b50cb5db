/**
 * The OBEX simulator against a real peer: Debian's obexftp (0.24, on OpenOBEX 1.7.2) talks to it
 * over a pseudo-terminal as it would to a phone on a serial cable (its probe, ATZ, AT+GMI,
 * AT+CPROT=0, then OBEX), and Lifeboat's client reads the same server through a pseudo-terminal
 * the same way. Both must see the same folders, and the same bytes as the files on disk.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Duplex } from 'node:stream';
import tty from 'node:tty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openObexPhone } from '../../adapters/obex/obex-phone.ts';
import { ObexClient } from '../../protocols/obex/obex-client.ts';
import { TARGET_FOLDER_BROWSING, TARGET_IRMC_SYNC } from '../../protocols/obex/obex-codes.ts';
import { parseFolderListing, type ListingEntry } from '../../protocols/obex/obex-folder-listing.ts';
import { writeObexFixture } from './obex-fixture.ts';
import { serveObexOnPty, type ObexPty } from './obex-pty.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'real-obexftp-'));
const fixture = writeObexFixture(path.join(tmp, 'obex'));
/** See ObexServerOptions.maxResponsePacketLength: what obexftp's cable transport can take in one read. */
const OBEXFTP_PACKET = 500;

function need(tool: string, pkg: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`${tool} is missing: install it: apt-get install -y ${pkg}`);
  }
}

beforeAll(() => {
  need('obexftp', 'obexftp');
  need('socat', 'socat');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function withPty<T>(run: (pty: ObexPty, transcript: readonly string[]) => Promise<T>): Promise<T> {
  const transcript: string[] = [];
  const pty = await serveObexOnPty({ rootDir: fixture.dir, maxResponsePacketLength: OBEXFTP_PACKET, transcript });
  try {
    return await run(pty, transcript);
  } finally {
    await pty.close();
  }
}

interface ObexftpRun {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  transcript: readonly string[];
  requests: readonly string[];
}

function obexftp(args: string[], cwd: string): Promise<ObexftpRun> {
  return withPty(
    (pty, transcript) =>
      new Promise<ObexftpRun>((resolve) => {
        execFile('obexftp', ['-t', pty.ttyPath, ...args], { cwd, encoding: 'buffer', timeout: 45_000 }, (error, stdout, stderr) => {
          const code = error ? ((error as { code?: number }).code ?? null) : 0;
          resolve({ code: typeof code === 'number' ? code : null, stdout, stderr: stderr.toString(), transcript: [...transcript], requests: [...pty.front.obex.requestLog] });
        });
      }),
  );
}

/** obexftp ends with exit(-ret): 255 when the operation succeeded (ret 1). */
function expectObexftpSuccess(run: ObexftpRun): void {
  expect(run.code, run.stderr).toBe(255);
  expect(run.stderr).not.toMatch(/failed/);
}

/** Lifeboat's side of a serial cable: the terminal opened raw, AT+CPROT=0, then OBEX on the same line. */
async function lifeboatLink(ttyPath: string): Promise<{ link: Duplex; close(): void }> {
  const fd = fs.openSync(ttyPath, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  const readable = new tty.ReadStream(fd);
  readable.setRawMode(true);
  const writable = fs.createWriteStream('', { fd, autoClose: false });
  const link = Duplex.from({ readable, writable });
  link.on('error', () => {}); // closing the terminal ends the stream early, on purpose
  let answer = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no CONNECT after AT+CPROT=0 (got ${JSON.stringify(answer)})`)), 5000);
    const onData = (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (/\r\nCONNECT\r\n$/.test(answer)) {
        clearTimeout(timer);
        link.off('data', onData);
        link.pause();
        resolve();
      }
    };
    link.on('data', onData);
    link.write('AT+CPROT=0\r');
  });
  return {
    link,
    close() {
      link.destroy();
      readable.destroy();
      try {
        fs.closeSync(fd);
      } catch {
        // already closed by the read stream
      }
    },
  };
}

const shape = (entries: ListingEntry[]) => entries.map((e) => ({ kind: e.kind, name: e.name, size: e.size })).sort((a, b) => a.name.localeCompare(b.name));

describe('real peer: Debian obexftp over a pseudo-terminal', () => {
  it('obexftp lists the folders, and Lifeboat’s client lists the same', async () => {
    const root = await obexftp(['-l'], tmp);
    expectObexftpSuccess(root);
    const pictures = await obexftp(['-l', 'Pictures'], tmp);
    expectObexftpSuccess(pictures);
    const camera = await obexftp(['-l', 'Pictures/Camera'], tmp);
    expectObexftpSuccess(camera);
    // What obexftp sent before OBEX (its transparent-mode probe carries the first "ATZ"), and that it only read.
    expect(pictures.transcript).toEqual(['ATZ', 'ATZ', 'AT+GMI', 'AT+CPROT=0']);
    expect(pictures.requests).toEqual(['CONNECT', 'GET', 'DISCONNECT']);

    const byObexftp = [root, pictures, camera].map((r) => shape(parseFolderListing(r.stdout).entries));
    expect(byObexftp[1]!.map((e) => e.name)).toEqual(['Camera', 'IMG_0001.jpg', 'Kesä ääni.jpg', 'readme.txt']);

    const byLifeboat = await withPty(async (pty) => {
      const { link, close } = await lifeboatLink(pty.ttyPath);
      try {
        const client = await ObexClient.connect(link, TARGET_FOLDER_BROWSING);
        const out: ListingEntry[][] = [];
        out.push(parseFolderListing(await client.listFolder(1 << 20)).entries);
        await client.setPathDown('Pictures');
        out.push(parseFolderListing(await client.listFolder(1 << 20)).entries);
        await client.setPathDown('Camera');
        out.push(parseFolderListing(await client.listFolder(1 << 20)).entries);
        await client.disconnect();
        return out.map(shape);
      } finally {
        close();
      }
    });
    expect(byLifeboat).toEqual(byObexftp);
  });

  it('obexftp gets each picture byte for byte, and Lifeboat’s adapter reads the same bytes', async () => {
    const out = path.join(tmp, 'got');
    fs.mkdirSync(out, { recursive: true });
    for (const rel of fixture.photos.keys()) {
      const run = await obexftp(['-g', rel], out);
      expectObexftpSuccess(run);
      const got = fs.readFileSync(path.join(out, path.basename(rel)));
      expect(got.equals(fixture.photos.get(rel)!), rel).toBe(true);
    }

    await withPty(async (pty) => {
      const { link, close } = await lifeboatLink(pty.ttyPath);
      try {
        const phone = openObexPhone(link);
        const media = [];
        for await (const m of phone.media()) media.push(m);
        expect(media.map((m) => m.path).sort()).toEqual([...fixture.photos.keys()].sort());
        for (const m of media) {
          const parts: Buffer[] = [];
          for await (const chunk of await phone.openMedia(m)) parts.push(chunk as Buffer);
          const obexftpCopy = fs.readFileSync(path.join(out, path.basename(m.path)));
          expect(Buffer.concat(parts).equals(obexftpCopy), m.path).toBe(true);
        }
        await phone.close();
        expect(pty.front.obex.requestLog).not.toContain('PUT');
      } finally {
        close();
      }
    });
  });

  it('obexftp gets telecom/pb.vcf and telecom/cal.vcs over IrMC sync, the same bytes Lifeboat reads', async () => {
    const out = path.join(tmp, 'irmc');
    fs.mkdirSync(out, { recursive: true });
    for (const name of ['telecom/pb.vcf', 'telecom/cal.vcs']) {
      const run = await obexftp(['-U', 'sync', '-g', name], out);
      expectObexftpSuccess(run);
      // obexftp keeps "telecom/..." whole in Name (split_file_path) after a SETPATH to the root.
      expect([...new Set(run.requests)], run.stderr).toEqual(['CONNECT', 'SETPATH', 'GET', 'DISCONNECT']);
    }
    await withPty(async (pty) => {
      const { link, close } = await lifeboatLink(pty.ttyPath);
      try {
        const client = await ObexClient.connect(link, TARGET_IRMC_SYNC);
        for (const name of ['telecom/pb.vcf', 'telecom/cal.vcs']) {
          const bytes = Buffer.from(await client.getAll({ name }, { maxBytes: 1 << 20 }));
          expect(bytes.equals(fs.readFileSync(path.join(out, path.basename(name)))), name).toBe(true);
          expect(bytes.equals(fs.readFileSync(path.join(fixture.dir, name))), name).toBe(true);
        }
        await client.disconnect();
      } finally {
        close();
      }
    });
  });
});
