import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { BadInputError } from '../adapters/errors.ts';
import { startAdbSimulator, type AuthMode, type AuthPromptRequest } from '../sim/adb/adb-simulator.ts';
import { EXIT } from './exit-codes.ts';
import { untilStopped } from './until-stopped.ts';
import { parseOptions, required } from './parse-options.ts';
import { simulateGadget } from './simulate-gadget.ts';
import { simulateIphone } from './simulate-iphone.ts';
import { simulateTty } from './simulate-tty.ts';

const AUTH_MODES: readonly AuthMode[] = ['trust-all', 'ask', 'deny', 'none'];

/**
 * `simulate --image IMAGE --adb-tcp HOST:PORT [--auth trust-all|ask|deny|none]
 *           [--link-rate MBps] [--unplug-after BYTES] [--stall-after BYTES]`
 * Serves a device image as an ADB phone on TCP, the way a phone in `adb tcpip` mode listens, so
 * the real adb client (`adb connect HOST:PORT`) or Lifeboat can talk to it. The first line of
 * stdout is the listening address alone (HOST:PORT, the port filled in when 0 was asked), for
 * scripts and tests; what the phone does goes to stderr. Runs until SIGINT or SIGTERM.
 * With `--auth ask` the "Allow USB debugging?" question is asked on the terminal, or, without
 * one, answered yes after a second.
 */
export async function simulateCommand(args: string[]): Promise<number> {
  const { values } = parseOptions('simulate', args, {
    image: { type: 'string' },
    'adb-tcp': { type: 'string' },
    auth: { type: 'string' },
    'link-rate': { type: 'string' },
    'unplug-after': { type: 'string' },
    'stall-after': { type: 'string' },
    gadget: { type: 'boolean', default: false },
    tty: { type: 'boolean', default: false },
    udc: { type: 'string' },
    hostile: { type: 'string' },
    usbmuxd: { type: 'string' },
    trust: { type: 'string' },
  });
  const imageDir = path.resolve(required('simulate', 'image', values.image));
  if (!fs.existsSync(path.join(imageDir, 'device.json'))) {
    throw new BadInputError(`simulate: ${imageDir} is not a device image (it has no device.json).`);
  }
  if (values.usbmuxd !== undefined) {
    // A live iPhone behind a simulated usbmuxd socket (native/sim/iphone).
    if (values.gadget || values.tty || values['adb-tcp'] !== undefined) throw new BadInputError('simulate: --usbmuxd goes without --adb-tcp, --gadget and --tty.');
    return simulateIphone(imageDir, { usbmuxd: values.usbmuxd, trust: values.trust, hostile: values.hostile });
  }
  if (values.tty) {
    if (values.gadget || values['adb-tcp'] !== undefined) throw new BadInputError('simulate: --tty serves a feature phone on a pseudo-terminal; it goes without --adb-tcp and --gadget.');
    return simulateTty(imageDir, values.hostile);
  }
  if (values.gadget) {
    if (values['adb-tcp'] !== undefined) throw new BadInputError('simulate: choose --adb-tcp HOST:PORT or --gadget, not both.');
    return simulateGadget(imageDir, { ...values, auth: values.auth ?? 'trust-all' }, (name, value) => optionalNumber(name, value));
  }
  if (values.hostile !== undefined) throw new BadInputError('simulate: --hostile goes with --gadget and an MTP image.');
  const address = required('simulate', 'adb-tcp', values['adb-tcp']);
  const match = /^(.+):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) throw new BadInputError(`simulate: --adb-tcp wants HOST:PORT, e.g. 127.0.0.1:5555 (0 picks a free port), not "${address}".`);
  const host = match[1]!.replace(/^\[(.*)\]$/, '$1');
  const auth = (values.auth ?? 'trust-all') as AuthMode;
  if (!AUTH_MODES.includes(auth)) throw new BadInputError(`simulate: --auth must be one of ${AUTH_MODES.join(', ')}, not "${auth}".`);

  const simulator = startAdbSimulator({
    imageDir,
    auth,
    prompt: auth === 'ask' && process.stdin.isTTY ? askOnTerminal : undefined,
    linkRateMBps: optionalNumber('link-rate', values['link-rate']),
    unplugAfterBytes: optionalNumber('unplug-after', values['unplug-after']),
    stallAfterBytes: optionalNumber('stall-after', values['stall-after']),
  });
  let listeningPort: number;
  try {
    listeningPort = await simulator.serveTcp(host, port);
  } catch (error) {
    await simulator.close();
    throw new BadInputError(`simulate: cannot listen on ${address}: ${(error as Error).message}`);
  }
  process.stdout.write(`${host.includes(':') ? `[${host}]` : host}:${listeningPort}\n`);
  process.stderr.write(
    `Simulating ${simulator.profile.identity.manufacturer} ${simulator.profile.identity.model} (${simulator.profile.identity.serial}); ` +
      `try: adb connect ${host}:${listeningPort}. Ctrl-C stops.\n`,
  );

  await untilStopped();
  await simulator.close();
  return EXIT.ok;
}

function optionalNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0 || (name === 'link-rate' && number === 0)) {
    throw new BadInputError(`simulate: --${name} wants a number ${name === 'link-rate' ? 'above 0' : '≥ 0'}, not "${value}".`);
  }
  return number;
}

function askOnTerminal(request: AuthPromptRequest): Promise<boolean> {
  const terminal = readline.createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) => {
    terminal.question(
      `Allow USB debugging?\nThe computer's RSA key fingerprint is:\n${request.fingerprint}\nAllow? [y/N] `,
      (answer) => {
        terminal.close();
        resolve(/^y(es)?$/i.test(answer.trim()));
      },
    );
  });
}
