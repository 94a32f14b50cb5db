import * as fs from 'node:fs';
import * as path from 'node:path';
import { BadInputError } from '../adapters/errors.ts';
import { parseDeviceJson } from '../adapters/image/device-json.ts';
import type { AuthMode } from '../sim/adb/adb-simulator.ts';
import { startAdbGadget } from '../sim/gadget/adb-gadget.ts';
import { gadgetSupportProblem } from '../sim/gadget/configfs-gadget.ts';
import { startMtpGadget } from '../sim/gadget/mtp-gadget.ts';
import { HOSTILE_MODES, parseHostileModes } from '../sim/mtp/mtp-hostile.ts';
import { EXIT } from './exit-codes.ts';
import { untilStopped } from './until-stopped.ts';

const AUTH_MODES: readonly AuthMode[] = ['trust-all', 'ask', 'deny', 'none'];

/**
 * `simulate --image IMAGE --gadget [--udc NAME] [--auth ...] [--link-rate MBps] [--unplug-after BYTES] [--stall-after BYTES]`
 * `simulate --image IMAGE --gadget [--udc NAME] [--hostile MODE,...]` (an image whose transport is "mtp")
 * Serves the image's ADB or MTP phone as a real USB device through Linux's gadget stack (configfs +
 * FunctionFS; root, and a device controller: a board's device port, or dummy_hcd on any Linux).
 * The first line of stdout is the UDC it is plugged into; what the phone does goes to stderr.
 * Runs until SIGINT or SIGTERM, then unplugs and removes the gadget.
 */
export async function simulateGadget(
  imageDir: string,
  values: { auth: string; udc?: string; 'link-rate'?: string; 'unplug-after'?: string; 'stall-after'?: string; hostile?: string },
  number: (name: string, value: string | undefined) => number | undefined,
): Promise<number> {
  const auth = values.auth as AuthMode;
  if (!AUTH_MODES.includes(auth)) throw new BadInputError(`simulate: --auth must be one of ${AUTH_MODES.join(', ')}, not "${auth}".`);
  const deviceJson = path.join(imageDir, 'device.json');
  const identity = parseDeviceJson(fs.readFileSync(deviceJson, 'utf8'), deviceJson);
  if (identity.transport !== 'adb' && identity.transport !== 'mtp') {
    throw new BadInputError(`simulate --gadget: the image's transport is "${identity.transport}"; only ADB and MTP phones can be served as a gadget.`);
  }
  const mtp = identity.transport === 'mtp';
  const hostile = parseHostileModes(values.hostile ?? '');
  if ('wrong' in hostile) throw new BadInputError(`simulate --gadget: --hostile: "${hostile.wrong}" is not one of ${HOSTILE_MODES.join(', ')} (huge-folder=N for N entries).`);
  if (hostile.modes.length > 0 && !mtp) throw new BadInputError('simulate --gadget: --hostile goes with an MTP image.');
  if (mtp && (values['link-rate'] ?? values['unplug-after'] ?? values['stall-after']) !== undefined) {
    throw new BadInputError('simulate --gadget: --link-rate, --unplug-after and --stall-after go with ADB images; an MTP gadget has --hostile.');
  }
  const problem = gadgetSupportProblem();
  if (problem) throw new BadInputError(`simulate --gadget: ${problem}.`);
  let gadget;
  try {
    gadget = mtp
      ? await startMtpGadget({ imageDir, udc: values.udc, hostile: hostile.modes, hugeFolderEntries: hostile.hugeFolderEntries })
      : await startAdbGadget({
          imageDir,
          auth,
          udc: values.udc,
          linkRateMBps: number('link-rate', values['link-rate']),
          unplugAfterBytes: number('unplug-after', values['unplug-after']),
          stallAfterBytes: number('stall-after', values['stall-after']),
        });
  } catch (error) {
    throw new BadInputError(`simulate --gadget: ${(error as Error).message}`);
  }
  process.stdout.write(`${gadget.udc}\n`);
  process.stderr.write(
    `Simulating ${identity.manufacturer} ${identity.model} (${identity.serial}) as USB device ` +
      `${hex(identity.vendorId)}:${hex(identity.productId)} on ${gadget.udc}; try: ${mtp ? 'mtp-detect' : 'adb devices'}. Ctrl-C stops.\n`,
  );
  await untilStopped();
  await gadget.stop();
  return EXIT.ok;
}

const hex = (n: number) => n.toString(16).padStart(4, '0');
