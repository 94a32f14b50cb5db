import { StreamClosedError, type DeviceStream } from './adb-stream.ts';
import type { ServiceHandler } from './adb-device-connection.ts';
import type { CommandOutput } from './command-output.ts';
import { runShellCommand, type ShellContext } from './shell-interpreter.ts';
import { encodeShellExit, encodeShellPacket, SHELL_STDERR, SHELL_STDOUT, ShellPacketSkipper } from './shell-protocol.ts';

/**
 * The `shell` services, named as adbd names them (docs/dev/services.md, shell_service):
 *   `shell,v2,raw:CMD` (any of v2 / raw / pty / TERM=… before the colon) and `shell:CMD`,
 *   plus `exec:CMD` (raw bytes, no protocol).
 * With v2, stdout and stderr travel as shell-protocol packets and the exit code comes last; the
 * legacy forms send plain bytes with stderr mixed in and no exit code, like adbd's raw
 * (non-PTY) subprocess for a non-empty command.
 */
export function parseShellService(service: string): { protocolV2: boolean; command: string } | undefined {
  if (service.startsWith('exec:')) return { protocolV2: false, command: service.slice('exec:'.length) };
  const match = /^shell(,[^:]*)?:([\s\S]*)$/.exec(service);
  if (!match) return undefined;
  const options = (match[1] ?? '').split(',').filter(Boolean);
  return { protocolV2: options.includes('v2'), command: match[2] ?? '' };
}

export function startShellService(
  service: string,
  stream: DeviceStream,
  context: ShellContext,
  log: (message: string) => void,
): ServiceHandler | undefined {
  const parsed = parseShellService(service);
  if (!parsed) return undefined;
  const { protocolV2, command } = parsed;
  let stopped = false;
  const skipper = new ShellPacketSkipper(stream.maxPayload * 4, () => {});

  const output: CommandOutput = protocolV2
    ? {
        stdout: (data) => stream.write(encodeShellPacket(SHELL_STDOUT, toBytes(data))),
        stderr: (data) => stream.write(encodeShellPacket(SHELL_STDERR, toBytes(data))),
      }
    : { stdout: (data) => stream.write(data), stderr: (data) => stream.write(data) };

  void (async () => {
    let exitCode: number;
    try {
      if (command.trim() === '') {
        await output.stderr('simulated phone: there is no interactive shell here; run one command, e.g. adb shell getprop\n');
        exitCode = 1;
      } else {
        exitCode = await runShellCommand(command, context, output);
      }
    } catch (error) {
      if (error instanceof StreamClosedError || stopped) return;
      log(`shell "${command.slice(0, 120)}" failed: ${(error as Error).stack ?? String(error)}`);
      await output.stderr(`simulated phone: internal error: ${(error as Error).message}\n`).catch(() => {});
      exitCode = 1;
    }
    try {
      if (protocolV2) await stream.write(encodeShellExit(exitCode));
      await stream.end();
    } catch (error) {
      if (!(error instanceof StreamClosedError)) log(`shell: could not finish: ${(error as Error).message}`);
    }
  })();

  return {
    onData: (data) => {
      if (!protocolV2) return; // legacy shell: stdin is not read by any simulated command
      const problem = skipper.push(data);
      if (problem) {
        log(`shell: broken shell protocol from the host (${problem}); closing the stream`);
        void stream.end();
      }
    },
    onClose: () => {
      stopped = true;
    },
  };
}

function toBytes(data: string | Buffer): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}
