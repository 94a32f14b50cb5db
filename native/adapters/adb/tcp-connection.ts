import net from 'node:net';
import { AdbPacket, AdbPacketSerializeStream, type AdbDaemonConnection } from '@yume-chan/adb';
import { MaybeConsumable, ReadableStream, StructDeserializeStream, pipeFrom } from '@yume-chan/stream-extra';
import { BadInputError } from '../errors.ts';
import { guardAdbByteStream, guardAdbPackets, type ViolationReport } from './packet-guard.ts';

/**
 * The ADB daemon protocol straight over TCP, as a phone put in `adb tcpip 5555` mode (or the
 * simulator) speaks it: the same 24-byte-header packets as over USB, on a byte stream. The
 * library parses and writes packets; this only joins a node:net socket to its web streams,
 * with backpressure both ways (a paused socket when the reader lags, awaited 'drain' on write).
 */
export async function openTcpAdbConnection(
  host: string,
  port: number,
  options: { connectTimeoutMs?: number; report?: ViolationReport } = {},
): Promise<{ connection: AdbDaemonConnection; socket: net.Socket }> {
  const report: ViolationReport = options.report ?? (() => undefined);
  const socket = await connectSocket(host, port, options.connectTimeoutMs ?? 10_000);
  socket.setNoDelay(true);

  let finished = false;
  const bytes = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        socket.on('data', (chunk: Buffer) => {
          if (finished) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 1) <= 0) socket.pause();
        });
        socket.on('end', () => {
          if (finished) return;
          finished = true;
          controller.close();
        });
        socket.on('error', (error) => {
          if (finished) return;
          finished = true;
          controller.error(error);
        });
        socket.on('close', () => {
          if (finished) return;
          finished = true;
          controller.close();
        });
      },
      pull() {
        socket.resume();
      },
      cancel() {
        finished = true;
        socket.destroy();
      },
    },
    { highWaterMark: 16 },
  );

  const sink = new MaybeConsumable.WritableStream<Uint8Array>({
    async write(chunk) {
      // Writes to a connection that is gone are dropped, as the WebUSB connection does: the
      // reading side ends and the library reports the loss there (adb.disconnected), once;
      // failing each write instead leaves rejections inside the library that nobody awaits.
      if (socket.destroyed) return;
      if (!socket.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            socket.off('drain', done);
            socket.off('close', done);
            resolve();
          };
          socket.once('drain', done);
          socket.once('close', done);
        });
      }
    },
    close() {
      socket.end();
    },
    abort() {
      socket.destroy();
    },
  });

  const connection: AdbDaemonConnection = {
    readable: guardAdbPackets(guardAdbByteStream(bytes, report).pipeThrough(new StructDeserializeStream(AdbPacket)), report),
    writable: pipeFrom(sink, new AdbPacketSerializeStream()),
  };
  return { connection, socket };
}

function connectSocket(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new BadInputError(`nothing answered at ${host}:${port} within ${Math.round(timeoutMs / 1000)} s: check the address, and that the phone is on the same network with "adb tcpip" on`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = error.code === 'ECONNREFUSED' ? 'the connection was refused (is "adb tcpip" on, on that port?)' : `${error.code ?? error.message}`;
      reject(new BadInputError(`cannot reach a phone at ${host}:${port}: ${why}`));
    });
  });
}
