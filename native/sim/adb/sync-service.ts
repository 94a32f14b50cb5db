import fs from 'node:fs/promises';
import path from 'node:path';
import type { ServiceHandler } from './adb-device-connection.ts';
import { StreamClosedError, type DeviceStream } from './adb-stream.ts';
import { ByteQueue, ByteQueueClosedError } from './byte-queue.ts';
import { EVIL_NAMES, liedSize, type AdbHostility } from './hostile-phone.ts';
import { makeJpeg } from '../jpeg-fixture.ts';
import { resolveDevicePath, type DevicePathTarget } from './storage-paths.ts';
import {
  encodeDentV1, encodeDentV2, encodeFail, encodeIdAndLength, encodeListDone, encodeStatV1, encodeStatV2, ID_DATA, ID_DONE,
  ID_LIST_V1, ID_LIST_V2, ID_LSTAT_V1, ID_LSTAT_V2, ID_QUIT, ID_RECV_V1, ID_RECV_V2, ID_SEND_V1, ID_SEND_V2, ID_STAT_V2,
  SYNC_DATA_MAX, SYNC_FLAG_BROTLI, SYNC_FLAG_LZ4, SYNC_FLAG_ZSTD, SYNC_PATH_MAX, SYNC_REQUEST_SIZE, syncIdName,
  type FileStat,
} from './sync-protocol.ts';

/**
 * The `sync:` service, read-only: STAT (lstat v1), STA2/LST2 (stat v2), LIST/LIS2, RECV/RCV2
 * (no compression is advertised, so compression flags are refused) and QUIT, as adbd's
 * file_sync_service.cpp answers them; SEND/SND2 are answered FAIL. As in adbd, a failure (FAIL)
 * ends the sync session. Requests may span WRTE packets and several may come in one.
 */
export function startSyncService(
  stream: DeviceStream,
  storageRoot: string,
  log: (message: string) => void,
  hostility?: AdbHostility,
): ServiceHandler {
  const input = new ByteQueue(SYNC_DATA_MAX + SYNC_REQUEST_SIZE + SYNC_PATH_MAX);

  void (async () => {
    try {
      while (await handleRequest(input, stream, storageRoot, log, hostility)) {
        /* next request */
      }
    } catch (error) {
      if (!(error instanceof ByteQueueClosedError) && !(error instanceof StreamClosedError)) {
        log(`sync: failed: ${(error as Error).stack ?? String(error)}`);
      }
    } finally {
      await stream.end();
      input.close();
    }
  })();

  return {
    onData: (data) => {
      const waiting = input.push(data);
      if (input.overflowing) {
        log('sync: the host keeps writing without waiting for OKAY; closing the stream');
        input.close();
      }
      return waiting;
    },
    onClose: () => input.close(),
  };
}

/** Returns false when the session is over (QUIT, or a failure reported with FAIL). */
async function handleRequest(
  input: ByteQueue,
  stream: DeviceStream,
  storageRoot: string,
  log: (m: string) => void,
  hostility: AdbHostility | undefined,
): Promise<boolean> {
  const request = await input.read(SYNC_REQUEST_SIZE);
  const id = request.readUInt32LE(0);
  const pathLength = request.readUInt32LE(4);
  if (id === ID_QUIT) return false;
  if (pathLength > SYNC_PATH_MAX) {
    await stream.write(encodeFail('path too long'));
    return false;
  }
  const devicePath = (await input.read(pathLength)).toString('utf8');
  switch (id) {
    case ID_LSTAT_V1: {
      const { stat } = await statOf(devicePath, storageRoot);
      await stream.write(encodeStatV1(stat));
      return true;
    }
    case ID_STAT_V2:
    case ID_LSTAT_V2: {
      const { stat, errno } = await statOf(devicePath, storageRoot);
      await stream.write(encodeStatV2(id, stat, errno));
      return true;
    }
    case ID_LIST_V1:
    case ID_LIST_V2:
      await list(devicePath, storageRoot, stream, id === ID_LIST_V2, hostility);
      return true;
    case ID_RECV_V1:
      return recv(devicePath, storageRoot, stream, hostility);
    case ID_RECV_V2: {
      const setup = await input.read(8); // { id: RCV2, flags }
      const flags = setup.readUInt32LE(4);
      const refused = describeRefusedFlags(flags);
      if (refused) {
        await stream.write(encodeFail(refused));
        return false;
      }
      return recv(devicePath, storageRoot, stream, hostility);
    }
    case ID_SEND_V1:
    case ID_SEND_V2:
      log(`sync: refused ${syncIdName(id)} ${devicePath}: read-only simulator`);
      await stream.write(encodeFail('read-only simulator: this phone cannot be written to'));
      return false;
    default:
      await stream.write(encodeFail(`unknown command ${(id >>> 0).toString(16).padStart(8, '0')}`));
      return false;
  }
}

function describeRefusedFlags(flags: number): string | undefined {
  const names: string[] = [];
  if (flags & SYNC_FLAG_BROTLI) names.push('brotli');
  if (flags & SYNC_FLAG_LZ4) names.push('lz4');
  if (flags & SYNC_FLAG_ZSTD) names.push('zstd');
  if (names.length > 0) return `compression not supported by this phone: ${names.join(', ')} (it does not advertise sendrecv_v2_${names[0]})`;
  if (flags !== 0) return `unknown flags: ${flags | 0}`;
  return undefined;
}

/** A stat in the phone's terms: the image's own sizes and times, uid root and gid everybody (9997). */
function toFileStat(stat: import('node:fs').BigIntStats): FileStat {
  return {
    mode: Number(stat.mode),
    size: stat.size,
    dev: stat.dev,
    ino: stat.ino,
    nlink: Number(stat.nlink),
    uid: 0,
    gid: 9997,
    atimeSeconds: stat.atimeMs / 1000n,
    mtimeSeconds: stat.mtimeMs / 1000n,
    ctimeSeconds: stat.ctimeMs / 1000n,
  };
}

const VIRTUAL_DIRECTORY_STAT: FileStat = {
  mode: 0o40755, size: 4096n, dev: 1n, ino: 1n, nlink: 2, uid: 0, gid: 0, atimeSeconds: 0n, mtimeSeconds: 0n, ctimeSeconds: 0n,
};

async function statOf(devicePath: string, storageRoot: string): Promise<{ stat: FileStat | undefined; errno: number }> {
  const target = await resolveDevicePath(devicePath, storageRoot);
  return statTarget(target);
}

async function statTarget(target: DevicePathTarget): Promise<{ stat: FileStat | undefined; errno: number }> {
  if (target.kind === 'error') return { stat: undefined, errno: target.errno };
  if (target.kind === 'virtual-directory') return { stat: VIRTUAL_DIRECTORY_STAT, errno: 0 };
  try {
    return { stat: toFileStat(await fs.lstat(target.hostPath, { bigint: true })), errno: 0 };
  } catch {
    return { stat: undefined, errno: 2 };
  }
}

/** Entries like readdir gives them, "." and ".." included (clients skip them), symlinks left out. */
async function list(devicePath: string, storageRoot: string, stream: DeviceStream, v2: boolean, hostility?: AdbHostility): Promise<void> {
  let index = 0;
  const encode = (stat: FileStat, name: string | Buffer) => {
    const listed = hostility === 'lying-size' && (stat.mode & 0o170000) === 0o100000 ? { ...stat, size: liedSize(stat.size, index++) } : stat;
    return (v2 ? encodeDentV2 : encodeDentV1)(listed, typeof name === 'string' ? Buffer.from(name, 'utf8') : name);
  };
  const target = await resolveDevicePath(devicePath, storageRoot);
  if (target.kind === 'virtual-directory') {
    for (const name of ['.', '..', ...target.children]) await stream.write(encode(VIRTUAL_DIRECTORY_STAT, name));
  } else if (target.kind === 'storage') {
    let names: string[] = [];
    try {
      names = (await fs.readdir(target.hostPath)).sort();
      for (const name of ['.', '..']) {
        const stat = await fs.lstat(path.join(target.hostPath, name), { bigint: true });
        await stream.write(encode(toFileStat(stat), name));
      }
    } catch {
      names = []; // not a directory, or unreadable: an empty listing, as adbd's failed opendir
    }
    for (const name of names) {
      let stat;
      try {
        stat = await fs.lstat(path.join(target.hostPath, name), { bigint: true });
      } catch {
        continue; // vanished meanwhile
      }
      if (stat.isSymbolicLink()) continue;
      await stream.write(encode(toFileStat(stat), name));
    }
    if (hostility === 'evil-names') {
      const photo = { ...VIRTUAL_DIRECTORY_STAT, mode: 0o100644, size: BigInt(EVIL_PHOTO.length), mtimeSeconds: 1_700_000_000n };
      for (const { name } of EVIL_NAMES) await stream.write(encode(photo, name));
    }
  }
  await stream.write(encodeListDone(v2));
}

/** DATA chunks of at most 64 KiB, then DONE; FAIL "open failed: …" ends the session. */
async function recv(devicePath: string, storageRoot: string, stream: DeviceStream, hostility?: AdbHostility): Promise<boolean> {
  if (hostility === 'evil-names' && EVIL_NAMES.some((e) => e.servable && devicePath.endsWith(`/${e.name.toString('utf8')}`))) {
    await stream.write(encodeIdAndLength(ID_DATA, EVIL_PHOTO.length));
    await stream.write(EVIL_PHOTO);
    await stream.write(encodeIdAndLength(ID_DONE, 0));
    return true;
  }
  const target = await resolveDevicePath(devicePath, storageRoot);
  if (target.kind !== 'storage') {
    const message = target.kind === 'error' ? target.message : 'Is a directory';
    await stream.write(encodeFail(`${target.kind === 'error' ? 'open' : 'read'} failed: ${message}`));
    return false;
  }
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(target.hostPath, 'r');
  } catch (error) {
    await stream.write(encodeFail(`open failed: ${describeErrno(error)}`));
    return false;
  }
  try {
    for (;;) {
      // A fresh buffer each time: the stream keeps the bytes until they are sent.
      const chunk = Buffer.allocUnsafe(SYNC_DATA_MAX);
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(chunk, 0, SYNC_DATA_MAX, null));
      } catch (error) {
        await stream.write(encodeFail(`read failed: ${describeErrno(error)}`));
        return false;
      }
      if (bytesRead === 0) {
        if (hostility !== 'endless-file') break;
        // Past the end of the file the phone goes on sending, until the host closes the stream.
        chunk.fill(0x5a);
        bytesRead = SYNC_DATA_MAX;
      }
      await stream.write(encodeIdAndLength(ID_DATA, bytesRead));
      await stream.write(chunk.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  await stream.write(encodeIdAndLength(ID_DONE, 0));
  return true;
}

/** What the `evil-names` phone serves for each of its odd names that a client may ask for. */
const EVIL_PHOTO = makeJpeg({ dateTimeOriginal: '2023:11:11 11:11:11' });

function describeErrno(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'No such file or directory';
  if (code === 'EISDIR') return 'Is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'Permission denied';
  return (error as Error).message;
}
