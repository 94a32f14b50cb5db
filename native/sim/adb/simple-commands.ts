import type { CommandOutput } from './command-output.ts';
import type { DeviceProfile } from './device-profile.ts';

/** `getprop` lists `[name]: [value]` sorted; `getprop NAME` prints the value, or an empty line. */
export async function getprop(args: readonly string[], profile: DeviceProfile, out: CommandOutput): Promise<number> {
  const [name, fallback] = args;
  if (name === undefined) {
    const lines = [...profile.properties.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `[${k}]: [${v}]\n`);
    await out.stdout(lines.join(''));
    return 0;
  }
  await out.stdout(`${profile.properties.get(name) ?? fallback ?? ''}\n`);
  return 0;
}

/**
 * `dumpsys battery` in BatteryService's own layout (Android 14). Lifeboat reads `level:`; the rest
 * is there so a parser meets what a phone prints (a charging phone on USB, 25 °C).
 */
export async function dumpsys(args: readonly string[], profile: DeviceProfile, out: CommandOutput): Promise<number> {
  if (args[0] !== 'battery') {
    // Only the battery service is simulated; dumpsys itself exits 0 for a missing service.
    await out.stderr(`Can't find service: ${args[0] ?? '(all services)'}\n`);
    return 0;
  }
  const present = profile.battery !== null;
  const level = profile.battery ?? 0;
  await out.stdout(
    'Current Battery Service state:\n' +
      '  AC powered: false\n' +
      `  USB powered: ${present}\n` +
      '  Wireless powered: false\n' +
      '  Dock powered: false\n' +
      '  Max charging current: 500000\n' +
      '  Max charging voltage: 5000000\n' +
      `  Charge counter: ${Math.round(level * 43000)}\n` +
      `  status: ${present ? (level >= 100 ? 5 : 2) : 1}\n` +
      `  health: ${present ? 2 : 1}\n` +
      `  present: ${present}\n` +
      `  level: ${level}\n` +
      '  scale: 100\n' +
      `  voltage: ${present ? 3700 + Math.round(level * 5) : 0}\n` +
      `  temperature: ${present ? 250 : 0}\n` +
      `  technology: ${present ? 'Li-ion' : ''}\n` +
      '  Charging state: 1\n' +
      '  Charging policy: 1\n' +
      `  Capacity level: ${present ? 3 : -1}\n`,
  );
  return 0;
}

export async function echo(args: readonly string[], out: CommandOutput): Promise<number> {
  let words = [...args];
  let newline = true;
  if (words[0] === '-n') {
    newline = false;
    words = words.slice(1);
  }
  await out.stdout(words.join(' ') + (newline ? '\n' : ''));
  return 0;
}

/** The shell user's identity as `id` prints it on Android 14. */
export async function id(out: CommandOutput): Promise<number> {
  await out.stdout(
    'uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input),1007(log),1011(adb),1015(sdcard_rw),' +
      '1028(sdcard_r),1078(ext_data_rw),1079(ext_obb_rw),3001(net_bt_admin),3002(net_bt),3003(inet),' +
      '3006(net_bw_stats),3009(readproc),3011(uhid),3012(readtracefs) context=u:r:shell:s0\n',
  );
  return 0;
}
