import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/**
 * Before a customer session starts: which other software on this PC holds phones (their USB
 * interface, or their driver), and what to do about each. A phone held elsewhere fails half-way
 * or never shows up; saying so up front saves the customer's time.
 */
export interface Holder {
  /** What was found, for people: "adb server on 127.0.0.1:5037", "gvfsd-mtp (process 1234)". */
  name: string;
  /** Why it matters. */
  detail: string;
  whatToDo: string;
  /** 'blocks': phones of that kind will not be read while it runs; 'info': worth knowing. */
  severity: 'blocks' | 'info';
}

export interface HolderProbe {
  platform: NodeJS.Platform;
  listProcesses(): Promise<{ pid: number; name: string }[]>;
  /** Whether something accepts connections on 127.0.0.1:port. */
  listening(port: number): Promise<boolean>;
}

export const ADB_SERVER_PORT = 5037;

interface KnownHolder {
  names: RegExp;
  platforms: NodeJS.Platform[] | 'all';
  detail: string;
  whatToDo: string;
  severity: Holder['severity'];
}

const ADB_ADVICE = 'Close Android Studio, scrcpy and phone managers, then run "adb kill-server" (they start it again when opened).';

/** Known holders by process name (data, so the list is easy to extend). */
const KNOWN: KnownHolder[] = [
  {
    names: /^adb(\.exe)?$/i,
    platforms: 'all',
    detail: 'The Android SDK\'s adb server claims the debugging (ADB) interface of every Android phone plugged in.',
    whatToDo: ADB_ADVICE,
    severity: 'blocks',
  },
  {
    names: /^(gvfsd-mtp|gvfs-mtp-volume-monitor)$/,
    platforms: ['linux'],
    detail: 'GNOME\'s file manager (gvfs) mounts phones in "File transfer" mode and holds their MTP interface.',
    whatToDo: 'Eject the phone in the Files app; to keep gvfs from taking phones: "systemctl --user stop gvfs-mtp-volume-monitor".',
    severity: 'blocks',
  },
  {
    names: /^(gvfsd-gphoto2|gvfs-gphoto2-volume-monitor)$/,
    platforms: ['linux'],
    detail: 'gvfs\'s camera backend mounts phones in "PTP" mode and holds their interface.',
    whatToDo: 'Eject the phone in the Files app; or "systemctl --user stop gvfs-gphoto2-volume-monitor".',
    severity: 'blocks',
  },
  {
    names: /^(kiod5|kiod6|kio_mtp|kioworker)$/,
    platforms: ['linux'],
    detail: 'KDE\'s kiod/kio MTP worker (Dolphin, the device notifier) can hold a phone\'s MTP interface.',
    whatToDo: 'Close Dolphin windows showing the phone and unmount it in the device notifier.',
    severity: 'blocks',
  },
  {
    names: /^(ptpcamerad|mscamerad-xpc|PTPCamera)$/,
    platforms: ['darwin'],
    detail: 'macOS\'s Image Capture daemon takes every phone with a PTP/MTP interface as soon as it is plugged in.',
    whatToDo: 'Quit Photos, Image Capture, Preview, Google Drive and Dropbox; then end ptpcamerad in Activity Monitor and plug the phone in again at once.',
    severity: 'blocks',
  },
  {
    names: /^(Android File Transfer|Android File Transfer Agent|SmartSwitch|Smart Switch|SmartSwitchPC\.exe|OpenMTP)$/i,
    platforms: 'all',
    detail: 'A phone transfer app that claims phones when they are plugged in.',
    whatToDo: 'Quit it (and its helper in the menu bar or tray) before plugging in the customer\'s phone.',
    severity: 'blocks',
  },
  {
    names: /^(Image Capture|Photos|Dropbox|Google Drive)$/,
    platforms: ['darwin'],
    detail: 'Opens the phone through macOS\'s Image Capture daemon, which then holds it.',
    whatToDo: 'Quit it before plugging in the customer\'s phone.',
    severity: 'blocks',
  },
  {
    names: /^usbmuxd$/,
    platforms: ['linux', 'darwin'],
    detail: 'usbmuxd serves iPhones to this PC; it does not hold Android phones.',
    whatToDo: 'Nothing: leave it running (iPhones are read through it).',
    severity: 'info',
  },
];

export async function checkHolders(probe: HolderProbe = systemProbe()): Promise<Holder[]> {
  const found: Holder[] = [];
  const [processes, adbListening] = await Promise.all([
    probe.listProcesses().catch(() => [] as { pid: number; name: string }[]),
    probe.listening(ADB_SERVER_PORT).catch(() => false),
  ]);
  if (adbListening) {
    found.push({
      name: `adb server on 127.0.0.1:${ADB_SERVER_PORT}`,
      detail: 'An adb server is running: it claims the debugging (ADB) interface of Android phones before Lifeboat can.',
      whatToDo: ADB_ADVICE,
      severity: 'blocks',
    });
  }
  for (const known of KNOWN) {
    if (known.platforms !== 'all' && !known.platforms.includes(probe.platform)) continue;
    const hits = processes.filter((p) => known.names.test(p.name));
    if (hits.length === 0) continue;
    const names = [...new Set(hits.map((h) => h.name))].join(', ');
    const pids = hits.map((h) => h.pid).join(', ');
    found.push({ name: `${names} (process ${pids})`, detail: known.detail, whatToDo: known.whatToDo, severity: known.severity });
  }
  return found;
}

/** This PC: processes from /proc (Linux), ps (macOS) or tasklist (Windows); ports by a TCP connect. */
export function systemProbe(): HolderProbe {
  return { platform: process.platform, listProcesses: () => listProcesses(process.platform), listening: (port) => listening(port) };
}

export function listening(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function listProcesses(platform: NodeJS.Platform): Promise<{ pid: number; name: string }[]> {
  if (platform === 'linux') {
    const out: { pid: number; name: string }[] = [];
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        out.push({ pid: Number(entry), name: fs.readFileSync(path.join('/proc', entry, 'comm'), 'utf8').trim() });
      } catch {
        // The process ended while we looked.
      }
    }
    return out;
  }
  if (platform === 'darwin') {
    const text = await run('ps', ['-axo', 'pid=,comm=']);
    return text
      .split('\n')
      .map((l) => /^\s*(\d+)\s+(.+)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ pid: Number(m[1]), name: path.basename(m[2]!.trim()) }));
  }
  if (platform === 'win32') {
    const text = await run('tasklist', ['/fo', 'csv', '/nh']);
    return text
      .split(/\r?\n/)
      .map((l) => /^"([^"]+)","(\d+)"/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ pid: Number(m[2]), name: m[1]! }));
  }
  return [];
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 5_000, maxBuffer: 8 * 1024 * 1024 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}
