import { describe, expect, it } from 'vitest';
import { readVCalendar } from './vcalendar-reader.ts';
import { readVCards } from './vcard-reader.ts';

/** IrMC objects (telecom/pb.vcf, telecom/cal.vcs over OBEX) key their entries by X-IRMC-LUID, not UID. */
describe('IrMC LUIDs as stable keys', () => {
  it('keys a vCard by X-IRMC-LUID when it has no UID, by UID when it has one, else by its place', () => {
    const text = [
      'BEGIN:VCARD', 'VERSION:2.1', 'N:A;B', 'X-IRMC-LUID:0007', 'END:VCARD',
      'BEGIN:VCARD', 'VERSION:2.1', 'N:C;D', 'UID:u-1', 'X-IRMC-LUID:0008', 'END:VCARD',
      'BEGIN:VCARD', 'VERSION:2.1', 'N:E;F', 'END:VCARD', '',
    ].join('\r\n');
    expect(readVCards(Buffer.from(text), { sourceKeyPrefix: 'telecom/pb.vcf' }).map((c) => c.sourceKey)).toEqual(['irmc-luid:0007', 'uid:u-1', 'telecom/pb.vcf#3']);
  });

  it('keys a vCalendar 1.0 event by X-IRMC-LUID when it has no UID', () => {
    const text = ['BEGIN:VCALENDAR', 'VERSION:1.0', 'BEGIN:VEVENT', 'SUMMARY:x', 'DTSTART:20240101T100000Z', 'X-IRMC-LUID:42', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    expect(readVCalendar(Buffer.from(text), { sourceKeyPrefix: 'telecom/cal.vcs', calendarName: 'c' })[0]!.sourceKey).toBe('irmc-luid:42');
  });
});
