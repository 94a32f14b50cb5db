import fs from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import { ByteReader } from '../../protocols/usbmux/byte-reader.ts';
import { AFC_FILE_MODE_READ_ONLY, AFC_OP, AFC_STATUS, encodeAfcPacket, readAfcPacket, splitNulTerminated } from '../../protocols/afc/afc-packet.ts';

export interface AfcServiceOptions {
  /** Served as /DCIM (the Media partition's camera roll). */
  dcimDir: string;
  log(line: string): void;
  /** Every operation a host sent that is not a read (for tests that prove a client never does). */
  writeAttempts: number[];
  /** Called with the bytes of each file-data reply (the "vanish" fault counts them). */
  onDataSent?(bytes: number): void;
  /** A broken phone: each FILE_READ answers with twice the bytes asked for. */
  oversizeReads?: boolean;
}

const MAX_READ_SERVED = 8 * 1024 * 1024;
const READ_OPERATIONS = new Set<number>([
  AFC_OP.readDir,
  AFC_OP.getFileInfo,
  AFC_OP.getDeviceInfo,
  AFC_OP.fileOpen,
  AFC_OP.fileRead,
  AFC_OP.fileSeek,
  AFC_OP.fileTell,
  AFC_OP.fileClose,
]);

/**
 * com.apple.afc on the Media partition, read-only: READ_DIR (with "." and ".."), GET_FILE_INFO
 * (st_size, st_blocks, st_nlink, st_ifmt, st_mtime and st_birthtime in nanoseconds),
 * GET_DEVINFO, FILE_OPEN (read-only mode; any other mode is refused with PERM_DENIED and noted),
 * FILE_READ, FILE_SEEK, FILE_TELL, FILE_CLOSE. Symbolic links are listed as S_IFLNK and never
 * followed; paths never leave the served folder.
 */
export function serveAfc(socket: net.Socket, options: AfcServiceOptions): void {
  const reader = new ByteReader(socket);
  const handles = new Map<bigint, { fd: number; position: number }>();
  let nextHandle = 1n;
  socket.on('error', () => undefined);
  socket.on('close', () => {
    for (const { fd } of handles.values()) fs.closeSync(fd);
    handles.clear();
  });

  const send = (operation: number, packetNumber: bigint, headerData: Buffer, payload?: Buffer) => {
    if (!socket.destroyed) socket.write(encodeAfcPacket(operation, packetNumber, headerData, payload));
  };
  const status = (packetNumber: bigint, code: number) => {
    const data = Buffer.alloc(8);
    data.writeBigUInt64LE(BigInt(code), 0);
    send(AFC_OP.status, packetNumber, data);
  };
  const u64 = (value: bigint | number) => {
    const data = Buffer.alloc(8);
    data.writeBigUInt64LE(BigInt(value), 0);
    return data;
  };

  void (async () => {
    try {
      for (;;) {
        const packet = await readAfcPacket(reader, 64 * 1024 * 1024, 24 * 60 * 60 * 1000);
        const number = packet.packetNumber;
        const args = Buffer.concat([packet.headerData, packet.payload]);
        if (!READ_OPERATIONS.has(packet.operation)) {
          options.writeAttempts.push(packet.operation);
          options.log(`afc: refused operation 0x${packet.operation.toString(16)}`);
          status(number, AFC_STATUS.permissionDenied);
          continue;
        }
        switch (packet.operation) {
          case AFC_OP.readDir: {
            const target = resolve(options.dcimDir, cStringAt(args, 0));
            if (target.kind === 'root') {
              send(AFC_OP.data, number, Buffer.alloc(0), Buffer.from('.\0..\0DCIM\0'));
              break;
            }
            const stat = target.kind === 'path' ? lstat(target.path) : undefined;
            if (!stat) status(number, AFC_STATUS.objectNotFound);
            else if (!stat.isDirectory()) status(number, 7 /* INVALID_ARG: not a folder */);
            else {
              const names = ['.', '..', ...fs.readdirSync((target as { path: string }).path).sort()];
              send(AFC_OP.data, number, Buffer.alloc(0), Buffer.from(names.map((n) => `${n}\0`).join('')));
            }
            break;
          }
          case AFC_OP.getFileInfo: {
            const target = resolve(options.dcimDir, cStringAt(args, 0));
            const stat = target.kind === 'root' ? fs.lstatSync(path.dirname(options.dcimDir)) : target.kind === 'path' ? lstat(target.path) : undefined;
            if (!stat) status(number, AFC_STATUS.objectNotFound);
            else send(AFC_OP.data, number, Buffer.alloc(0), fileInfo(stat));
            break;
          }
          case AFC_OP.getDeviceInfo:
            send(AFC_OP.data, number, Buffer.alloc(0), Buffer.from(['Model', 'iPhone14,5', 'FSTotalBytes', '127989493760', 'FSFreeBytes', '48318287872', 'FSBlockSize', '4096'].map((v) => `${v}\0`).join('')));
            break;
          case AFC_OP.fileOpen: {
            const mode = args.length >= 8 ? args.readBigUInt64LE(0) : 0n;
            if (mode !== BigInt(AFC_FILE_MODE_READ_ONLY)) {
              options.writeAttempts.push(packet.operation);
              status(number, AFC_STATUS.permissionDenied);
              break;
            }
            const target = resolve(options.dcimDir, cStringAt(args, 8));
            const stat = target.kind === 'path' ? lstat(target.path) : undefined;
            if (!stat) status(number, AFC_STATUS.objectNotFound);
            else if (stat.isDirectory()) status(number, AFC_STATUS.objectIsDir);
            else if (!stat.isFile()) status(number, AFC_STATUS.permissionDenied);
            else {
              const handle = nextHandle++;
              handles.set(handle, { fd: fs.openSync((target as { path: string }).path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW), position: 0 });
              send(AFC_OP.fileOpenResult, number, u64(handle));
            }
            break;
          }
          case AFC_OP.fileRead: {
            const open = handles.get(args.readBigUInt64LE(0));
            if (!open) {
              status(number, 7);
              break;
            }
            const asked = Number(args.readBigUInt64LE(8));
            const length = Math.min(asked, MAX_READ_SERVED) * (options.oversizeReads ? 2 : 1);
            const buffer = Buffer.alloc(length);
            const got = fs.readSync(open.fd, buffer, 0, length, open.position);
            open.position += got;
            const payload = options.oversizeReads && got > 0 ? Buffer.concat([buffer.subarray(0, got), Buffer.alloc(asked)]) : buffer.subarray(0, got);
            send(AFC_OP.data, number, Buffer.alloc(0), payload);
            options.onDataSent?.(payload.length);
            break;
          }
          case AFC_OP.fileSeek: {
            const open = handles.get(args.readBigUInt64LE(0));
            const whence = Number(args.readBigUInt64LE(8));
            const offset = Number(args.readBigInt64LE(16));
            if (!open) status(number, 7);
            else {
              const size = fs.fstatSync(open.fd).size;
              const base = whence === 0 ? 0 : whence === 1 ? open.position : size;
              if (base + offset < 0) status(number, 7);
              else {
                open.position = base + offset;
                status(number, AFC_STATUS.success);
              }
            }
            break;
          }
          case AFC_OP.fileTell: {
            const open = handles.get(args.readBigUInt64LE(0));
            if (!open) status(number, 7);
            else send(AFC_OP.fileTellResult, number, u64(open.position));
            break;
          }
          case AFC_OP.fileClose: {
            const handle = args.readBigUInt64LE(0);
            const open = handles.get(handle);
            if (open) {
              fs.closeSync(open.fd);
              handles.delete(handle);
            }
            status(number, open ? AFC_STATUS.success : 7);
            break;
          }
        }
      }
    } catch (err) {
      options.log(`afc: connection ends (${(err as Error).message})`);
      socket.destroy();
    }
  })();
}

type Target = { kind: 'root' } | { kind: 'path'; path: string } | { kind: 'none' };

/** An AFC path inside the served folder, or none: ".." and names outside /DCIM find nothing. */
function resolve(dcimDir: string, afcPath: string): Target {
  const parts = afcPath.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) return { kind: 'root' };
  if (parts[0] !== 'DCIM' || parts.includes('..')) return { kind: 'none' };
  return { kind: 'path', path: path.join(dcimDir, ...parts.slice(1)) };
}

function lstat(file: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(file);
  } catch {
    return undefined;
  }
}

function fileInfo(stat: fs.Stats): Buffer {
  const type = stat.isDirectory() ? 'S_IFDIR' : stat.isSymbolicLink() ? 'S_IFLNK' : stat.isFile() ? 'S_IFREG' : 'S_IFIFO';
  const ns = (ms: number) => (BigInt(Math.round(ms)) * 1_000_000n).toString();
  const fields = [
    ['st_size', String(stat.size)],
    ['st_blocks', String(Math.ceil(stat.size / 512))],
    ['st_nlink', String(stat.nlink)],
    ['st_ifmt', type],
    ['st_mtime', ns(stat.mtimeMs)],
    ['st_birthtime', ns(stat.birthtimeMs || stat.mtimeMs)],
  ];
  return Buffer.from(fields.map(([k, v]) => `${k}\0${v}\0`).join(''));
}

function cStringAt(bytes: Buffer, offset: number): string {
  return splitNulTerminated(bytes.subarray(offset))[0] ?? '';
}
