import net from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { AuthGate, type AuthMode, type AuthPromptRequest } from './adb-auth-gate.ts';
import { AdbDeviceConnection, type ServiceHandler } from './adb-device-connection.ts';
import type { DeviceStream } from './adb-stream.ts';
import { collectingOutput } from './command-output.ts';
import { deviceBanner, loadDeviceProfile, type DeviceProfile } from './device-profile.ts';
import type { AdbHostility } from './hostile-phone.ts';
import type { LinkFaults } from './link-shaper.ts';
import { ProviderDatabases } from './provider-databases.ts';
import { runShellCommand } from './shell-interpreter.ts';
import { startShellService } from './shell-service.ts';
import { startSyncService } from './sync-service.ts';

export type { AuthMode, AuthPromptRequest } from './adb-auth-gate.ts';

export interface AdbSimulatorOptions extends LinkFaults {
  /** The device image folder (device.json, storage/, providers/). */
  imageDir: string;
  /** What the phone's user does with "Allow USB debugging?" (see adb-auth-gate.ts). */
  auth: AuthMode;
  /** Keys the phone already trusts, in adbkey.pub form ("base64 user@host"). */
  trustedKeys?: readonly string[];
  /** `ask` mode: answers the dialog; without it the dialog is accepted after `askDelayMs`. */
  prompt?: (request: AuthPromptRequest) => boolean | Promise<boolean>;
  askDelayMs?: number;
  /** Where the simulator tells what it does and why it closed a connection; default: stderr. */
  log?: (message: string) => void;
  /** Also log every packet (command, args, payload size). */
  tracePackets?: boolean;
  /** Misbehave in one of the ways of hostile-phone.ts (tests that a broken phone never wins). */
  hostility?: AdbHostility;
}

export interface AdbSimulator {
  readonly profile: DeviceProfile;
  /** The CNXN identity string this phone sends. */
  readonly banner: string;
  /** Listens on TCP like an `adb tcpip` phone; port 0 picks a free port. Resolves with the port. */
  serveTcp(host: string, port: number): Promise<number>;
  /** Serves one connection over any duplex of byte chunks (e.g. a virtual USB device's endpoints). */
  attach(duplex: Duplex): AdbDeviceConnection;
  /** Runs a shell command as the phone would, without a connection: the expected output for tests. */
  runShell(command: string): Promise<{ stdout: string; stderr: string; exitCode: number }>;
  /** Ends every connection, stops listening and removes the private database copies. */
  close(): Promise<void>;
}

export function startAdbSimulator(options: AdbSimulatorOptions): AdbSimulator {
  const log = options.log ?? ((message: string) => process.stderr.write(`[adb-sim] ${message}\n`));
  const profile = loadDeviceProfile(options.imageDir);
  const banner = deviceBanner(profile);
  const storageRoot = path.join(options.imageDir, 'storage');
  const databases = new ProviderDatabases(options.imageDir);
  const hostility = options.hostility;
  const context = { profile, databases, hostility };
  const auth = new AuthGate({
    mode: options.auth,
    trustedKeys: options.trustedKeys,
    prompt: options.prompt,
    askDelayMs: options.askDelayMs,
    log,
  });
  const faults: LinkFaults = {
    unplugAfterBytes: options.unplugAfterBytes,
    stallAfterBytes: options.stallAfterBytes,
    linkRateMBps: options.linkRateMBps,
  };
  const connections = new Set<AdbDeviceConnection>();
  const servers = new Set<net.Server>();
  let closed = false;

  const openService = (service: string, stream: DeviceStream): ServiceHandler | undefined => {
    log(`OPEN "${service.slice(0, 200)}"`);
    if (service === 'sync:') return startSyncService(stream, storageRoot, log, hostility);
    return startShellService(service, stream, context, log);
  };

  const attach = (duplex: Duplex): AdbDeviceConnection => {
    if (closed) {
      duplex.destroy();
      throw new Error('the simulator is closed');
    }
    const connection = new AdbDeviceConnection(duplex, { banner, auth, openService, faults, log, tracePackets: options.tracePackets, hostility });
    connections.add(connection);
    void connection.closed.then(() => connections.delete(connection));
    return connection;
  };

  return {
    profile,
    banner,
    attach,
    async serveTcp(host, port) {
      const server = net.createServer((socket) => {
        socket.setNoDelay(true);
        log(`TCP connection from ${socket.remoteAddress}:${socket.remotePort}`);
        attach(socket);
      });
      servers.add(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return (server.address() as net.AddressInfo).port;
    },
    async runShell(command) {
      const output = collectingOutput();
      const exitCode = await runShellCommand(command, context, output);
      return { stdout: output.out, stderr: output.err, exitCode };
    },
    async close() {
      closed = true;
      const stops = [...servers].map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
      for (const connection of connections) connection.close('the simulator is shutting down');
      await Promise.all([...stops, ...[...connections].map((connection) => connection.closed)]);
      servers.clear();
      databases.close();
    },
  };
}
