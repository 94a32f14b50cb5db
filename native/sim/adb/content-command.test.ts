import { afterAll, describe, expect, it } from 'vitest';
import { startAdbSimulator } from './adb-simulator.ts';
import { javaFloatToString } from './java-value-text.ts';

const IMAGE = new URL('../../../images/demo-android', import.meta.url).pathname;
const simulator = startAdbSimulator({ imageDir: IMAGE, auth: 'trust-all', log: () => {} });
afterAll(() => simulator.close());

const shell = (command: string) => simulator.runShell(command);
const query = async (args: string) => {
  const result = await shell(`content query ${args}`);
  expect(result.exitCode).toBe(0);
  return result;
};

describe('content query on the contacts provider', () => {
  it('prints data rows in Content.java\'s format, the mimetype as text, the view\'s columns', async () => {
    const { stdout, stderr } = await query('--uri content://com.android.contacts/data --projection _id:raw_contact_id:contact_id:mimetype:data1:data2:is_primary:account_type:lookup --where "_id <= 2"');
    expect(stderr).toBe('');
    expect(stdout).toBe(
      'Row: 0 _id=1, raw_contact_id=1, contact_id=1, mimetype=vnd.android.cursor.item/name, data1=Dr. Anna Maria Schmidt, data2=Anna, is_primary=1, account_type=com.google, lookup=0r1-4E4E4A3C3A\n' +
        'Row: 1 _id=2, raw_contact_id=1, contact_id=1, mimetype=vnd.android.cursor.item/phone_v2, data1=+49 151 23456789, data2=2, is_primary=1, account_type=com.google, lookup=0r1-4E4E4A3C3A\n',
    );
  });

  it('without --projection returns every view_data column in the HashMap order a phone prints', async () => {
    const { stdout } = await query('--uri content://com.android.contacts/data --where _id=1');
    // Checked against OpenJDK's HashMap filled the way ContactsProvider2 builds sDataProjectionMap.
    expect(stdout.startsWith('Row: 0 phonetic_name=NULL, status_res_package=NULL, custom_ringtone=NULL, contact_status_ts=NULL, account_type=com.google, data_version=0, photo_file_id=NULL,')).toBe(true);
    expect(stdout.endsWith(', mimetype=vnd.android.cursor.item/name, status_icon=NULL, data11=NULL, data14=NULL, data13=NULL, hash_id=NULL, data15=NULL\n')).toBe(true);
    expect(stdout.match(/, [a-z_0-9]+=/g)).toHaveLength(83); // 84 columns, as sDataProjectionMap
    for (const column of ['_id', 'data1', 'data15', 'mimetype', 'raw_contact_id', 'contact_id', 'account_name', 'display_name', 'starred', 'photo_uri']) {
      expect(stdout).toMatch(new RegExp(`[ ,]${column}=`));
    }
  });

  it('prints BLOB for photo bytes and NULL for nulls, and keeps multi-line values as they are', async () => {
    const photo = await query(`--uri content://com.android.contacts/data --projection _id:data14:data15 --where "mimetype='vnd.android.cursor.item/photo'"`);
    expect(photo.stdout).toBe('Row: 0 _id=10, data14=NULL, data15=BLOB\n');
    const address = await query(`--uri content://com.android.contacts/data --projection _id:data1 --where "_id=7"`);
    expect(address.stdout).toBe('Row: 0 _id=7, data1=Kastanienallee 12\n10435 Berlin\nGermany\n');
  });

  it('keeps the data of a raw contact marked deleted (the provider does), and raw_contacts says deleted=1', async () => {
    const raw = await query('--uri content://com.android.contacts/raw_contacts --projection _id:contact_id:deleted:account_type --where deleted=1');
    expect(raw.stdout).toBe('Row: 0 _id=14, contact_id=1, deleted=1, account_type=com.google\n');
    const data = await query('--uri content://com.android.contacts/data --projection raw_contact_id:data1 --where raw_contact_id=14');
    expect(data.stdout).toContain('data1=+49 30 0000000');
  });

  it('serves /contacts and /groups, and an id in the path', async () => {
    expect((await query('--uri content://com.android.contacts/contacts/9 --projection _id:display_name:starred')).stdout).toBe('Row: 0 _id=9, display_name=Mama, starred=1\n');
    expect((await query('--uri content://com.android.contacts/groups --projection title --sort "_id DESC"')).stdout).toBe(
      'Row: 0 title=Coworkers\nRow: 1 title=Coworkers\nRow: 2 title=Friends\nRow: 3 title=Family\n',
    );
  });

  it('says "No result found." for an empty cursor', async () => {
    expect((await query('--uri content://com.android.contacts/data --where "_id < 0"')).stdout).toBe('No result found.\n');
  });
});

describe('content query on the calendar provider', () => {
  it('prints events with 64-bit millisecond times intact, deleted rows included, text unescaped', async () => {
    const { stdout } = await query('--uri content://com.android.calendar/events --projection _id:title:dtstart:deleted:description:account_name --where "_id IN (1, 11)"');
    expect(stdout).toBe(
      'Row: 0 _id=1, title=Dentist, dtstart=1710405000000, deleted=0, description=Bring: insurance card; X-ray from 2023\nRoom 2, 3rd floor, \\ back entrance, account_name=lena.demo@gmail.com\n' +
        'Row: 1 _id=11, title=Dinner that was deleted, dtstart=1711130400000, deleted=1, description=NULL, account_name=lena.demo@gmail.com\n',
    );
  });

  it('serves calendars, attendees and reminders with their table columns', async () => {
    expect((await query('--uri content://com.android.calendar/calendars --projection _id:calendar_displayName:calendar_color')).stdout).toBe(
      'Row: 0 _id=1, calendar_displayName=Lena (personal), calendar_color=-16023485\nRow: 1 _id=2, calendar_displayName=Work, calendar_color=-12627531\n',
    );
    expect((await query('--uri content://com.android.calendar/reminders --where event_id=4')).stdout).toBe(
      'Row: 0 _id=4, event_id=4, minutes=15, method=4\nRow: 1 _id=5, event_id=4, minutes=60, method=3\nRow: 2 _id=6, event_id=4, minutes=-1, method=0\n',
    );
    const attendees = await query('--uri content://com.android.calendar/attendees --projection attendeeName:attendeeEmail --where "event_id=7 AND attendeeStatus=3"');
    expect(attendees.stdout).toBe('Row: 0 attendeeName=NULL, attendeeEmail=guest@partner.example\n');
  });
});

describe('content command errors, as the real one reports them (exit code 0)', () => {
  it('prints the usage and [ERROR] on stdout for bad arguments', async () => {
    const noUri = await query('--projection _id');
    expect(noUri.stdout).toContain('usage: adb shell content');
    expect(noUri.stdout.endsWith('[ERROR] Content provider URI not specified. Did you specify --uri argument?\n')).toBe(true);
    expect((await query('--uri content://com.android.contacts/data --frobnicate')).stdout).toContain('[ERROR] Unsupported argument: --frobnicate');
    expect((await query('--uri --where')).stdout).toContain('[ERROR] No value for argument: --uri');
  });

  it('reports provider failures on stderr', async () => {
    const unknown = await query('--uri content://sms/inbox');
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toBe('Error while accessing provider:sms\njava.lang.IllegalStateException: Could not find provider: sms\n');
    expect((await query('--uri content://com.android.contacts/data --projection nope')).stderr).toContain('IllegalArgumentException: Invalid column nope');
    expect((await query('--uri content://com.android.contacts/bogus')).stderr).toContain('Unknown URL content://com.android.contacts/bogus');
    expect((await query('--uri content://com.android.contacts/data --where "no_such_column = 1"')).stderr).toContain('SQLiteException');
  });

  it('keeps --where a WHERE expression: no second statement, no closing our parenthesis, no comments', async () => {
    for (const where of ['1=1; DROP TABLE data', '1) UNION SELECT name FROM sqlite_master WHERE (1', '1=1 --', '1 /* x */']) {
      const result = await query(`--uri content://com.android.contacts/data --projection _id --where "${where}"`);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/Invalid selection|SQLiteException/);
    }
    const quoted = await query(`--uri content://com.android.contacts/raw_contacts --projection _id --where "display_name = 'Siobhán O''Brien'"`);
    expect(quoted.stdout).toBe('Row: 0 _id=7\n');
  });

  it('refuses writes: the simulated phone is read-only', async () => {
    const result = await shell('content delete --uri content://com.android.contacts/data');
    expect(result.stderr).toContain('read-only');
  });
});

describe('the other shell commands', () => {
  it('getprop, dumpsys battery, echo, id', async () => {
    expect(await shell('getprop ro.product.model')).toEqual({ stdout: 'Pixel 7\n', stderr: '', exitCode: 0 });
    expect((await shell('getprop ro.product.manufacturer')).stdout).toBe('Google\n');
    expect((await shell('getprop ro.serialno')).stdout).toBe('LBDEMO0001\n');
    expect((await shell('getprop ro.build.version.release')).stdout).toBe('14\n');
    expect((await shell('getprop ro.build.version.sdk')).stdout).toBe('34\n');
    expect((await shell('getprop no.such.prop')).stdout).toBe('\n');
    expect((await shell('getprop')).stdout).toContain('[ro.product.model]: [Pixel 7]\n');
    const battery = await shell('dumpsys battery');
    expect(battery.stdout.startsWith('Current Battery Service state:\n')).toBe(true);
    expect(battery.stdout).toContain('\n  level: 23\n');
    expect(battery.stdout).toContain('\n  scale: 100\n');
    expect((await shell("echo 'a  b' \"c\\\"d\" e\\ f")).stdout).toBe('a  b c"d e f\n');
    expect((await shell('id')).stdout).toMatch(/^uid=2000\(shell\) gid=2000\(shell\)/);
  });

  it('an unknown command fails like Android\'s sh: exit 127', async () => {
    expect(await shell('ls /sdcard')).toEqual({ stdout: '', stderr: '/system/bin/sh: ls: inaccessible or not found\n', exitCode: 127 });
    expect((await shell('getprop a | cat')).exitCode).toBe(2);
  });
});

describe("Java's Float.toString, for REAL cells", () => {
  it('writes floats as Java does', () => {
    expect(javaFloatToString(1)).toBe('1.0');
    expect(javaFloatToString(0.1)).toBe('0.1');
    expect(javaFloatToString(-2.5)).toBe('-2.5');
    expect(javaFloatToString(1e7)).toBe('1.0E7');
    expect(javaFloatToString(123456.7)).toBe('123456.7');
    expect(javaFloatToString(0.00015)).toBe('1.5E-4');
    expect(javaFloatToString(0.001)).toBe('0.001');
    expect(javaFloatToString(3.141592653589793)).toBe('3.1415927');
    expect(javaFloatToString(0)).toBe('0.0');
  });
});
