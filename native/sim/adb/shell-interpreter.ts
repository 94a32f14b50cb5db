import type { CommandOutput } from './command-output.ts';
import { runContentCommand } from './content-command.ts';
import type { DeviceProfile } from './device-profile.ts';
import type { ProviderDatabases } from './provider-databases.ts';
import type { AdbHostility } from './hostile-phone.ts';
import { splitShellWords } from './shell-words.ts';
import { dumpsys, echo, getprop, id } from './simple-commands.ts';

export interface ShellContext {
  profile: DeviceProfile;
  databases: ProviderDatabases;
  /** A hostile phone's shell (hostile-phone.ts): endless output. */
  hostility?: AdbHostility;
}

/**
 * A tiny command interpreter standing in for /system/bin/sh: it knows the handful of commands a
 * rescue needs and never starts a process. Unknown commands fail as mksh (Android's sh) fails
 * them: "/system/bin/sh: NAME: inaccessible or not found" and exit code 127.
 */
export async function runShellCommand(commandLine: string, context: ShellContext, out: CommandOutput): Promise<number> {
  const parsed = splitShellWords(commandLine);
  if (!parsed.ok) {
    await out.stderr(`/system/bin/sh: simulator: ${parsed.problem}\n`);
    return 2;
  }
  const [name, ...args] = parsed.words;
  if (name === undefined) return 0;
  if (context.hostility === 'endless-shell' && (name === 'getprop' || name === 'dumpsys')) return printForever(out, `[${name}] `);
  if (context.hostility === 'endless-row' && name === 'content' && args[0] === 'query') {
    await out.stdout('Row: 0 _id=1, ');
    return printForever(out, '');
  }
  switch (name) {
    case 'content':
      return runContentCommand(args, context.databases, out);
    case 'getprop':
      return getprop(args, context.profile, out);
    case 'dumpsys':
      return dumpsys(args, context.profile, out);
    case 'echo':
      return echo(args, out);
    case 'id':
      return id(out);
    case 'true':
      return 0;
    case 'false':
      return 1;
    default:
      await out.stderr(`/system/bin/sh: ${name}: inaccessible or not found\n`);
      return 127;
  }
}

/** Output without end, until the host closes the stream (a write then throws). */
async function printForever(out: CommandOutput, prefix: string): Promise<number> {
  const block = prefix + 'x'.repeat(64 * 1024 - prefix.length);
  for (;;) await out.stdout(block);
}
