import { BadInputError } from '../adapters/errors.ts';
import { formatUsbmuxAddress, parseUsbmuxAddress, type UsbmuxAddress } from '../protocols/usbmux/usbmux-address.ts';
import { IPHONE_HOSTILITIES, startIphoneSimulator, type IphoneHostility } from '../sim/iphone/iphone-simulator.ts';
import { TRUST_MODES, type TrustMode } from '../sim/iphone/lockdownd-service.ts';
import { EXIT } from './exit-codes.ts';
import { untilStopped } from './until-stopped.ts';

/**
 * `simulate --image IMAGE --usbmuxd SOCKET [--trust trusted|ask|deny|locked] [--hostile MODE]`:
 * an iPhone behind a simulated usbmuxd. SOCKET is a Unix socket path (or UNIX:/path, or
 * HOST:PORT for TCP, port 0 picks one). The first line of stdout is the address in
 * USBMUXD_SOCKET_ADDRESS form, so `USBMUXD_SOCKET_ADDRESS=$(first line) idevice_id -l` and
 * `lifeboat devices` see the phone. Runs until SIGINT or SIGTERM.
 */
export async function simulateIphone(imageDir: string, values: { usbmuxd: string; trust?: string; hostile?: string }): Promise<number> {
  const listen = socketAddress(values.usbmuxd);
  const trust = (values.trust ?? 'trusted') as TrustMode;
  if (!TRUST_MODES.includes(trust)) throw new BadInputError(`simulate: --trust must be one of ${TRUST_MODES.join(', ')}, not "${values.trust}".`);
  const hostility = values.hostile as IphoneHostility | undefined;
  if (hostility !== undefined && !IPHONE_HOSTILITIES.includes(hostility)) {
    throw new BadInputError(`simulate: --hostile with --usbmuxd must be one of ${IPHONE_HOSTILITIES.join(', ')}, not "${hostility}".`);
  }
  let simulator;
  try {
    simulator = await startIphoneSimulator({ imageDir, listen, trust, hostility, log: (line) => process.stderr.write(`${line}\n`) });
  } catch (error) {
    throw new BadInputError(`simulate: cannot serve an iPhone at ${values.usbmuxd}: ${(error as Error).message}`);
  }
  const address = formatUsbmuxAddress(simulator.address);
  process.stdout.write(`${address}\n`);
  process.stderr.write(
    `Simulating iPhone "${simulator.profile.deviceName}" (UDID ${simulator.profile.udid}, trust: ${trust}); ` +
      `try: USBMUXD_SOCKET_ADDRESS=${address} idevice_id -l. Ctrl-C stops.\n`,
  );
  await untilStopped();
  await simulator.close();
  return EXIT.ok;
}

function socketAddress(text: string): UsbmuxAddress {
  if (text.startsWith('/') || text.startsWith('./')) return { kind: 'unix', path: text };
  const given = text.startsWith('UNIX:') ? parseUsbmuxAddress(text) : undefined;
  if (given) return given;
  const match = /^(.+):(\d{1,5})$/.exec(text);
  if (match && Number(match[2]) <= 65535) return { kind: 'tcp', host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) };
  throw new BadInputError(`simulate: --usbmuxd wants a socket path (/tmp/usbmuxd.sock), UNIX:/path or HOST:PORT, not "${text}".`);
}
