/** Builders for the exporter tests: the smallest valid model objects, overridden per test. */
import type { Contact } from '../../native/model/contact.ts';
import { emptyContact } from '../../native/model/contact.ts';
import type { CalendarEvent, EventTime } from '../../native/model/event.ts';

export function instant(iso: string, timeZone: string): EventTime {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad ISO ${iso}`);
  return { kind: 'instant', utcMillis: ms, timeZone };
}

export function day(year: number, month: number, dayOfMonth: number): EventTime {
  return { kind: 'date', year, month, day: dayOfMonth };
}

export function event(overrides: Partial<CalendarEvent> & Pick<CalendarEvent, 'start'>): CalendarEvent {
  return {
    sourceKey: 'e1',
    calendar: { sourceKey: 'c1', displayName: 'Personal', accountName: 'owner@example.com', accountType: 'com.google', ownerAccount: 'owner@example.com' },
    allDay: false,
    rrule: [],
    rdate: [],
    exrule: [],
    exdate: [],
    attendees: [],
    reminders: [],
    ...overrides,
  };
}

export function contact(sourceKey: string, fill: (c: Contact) => void): Contact {
  const c = emptyContact(sourceKey);
  fill(c);
  return c;
}

/** Bytes shaped like a JPEG (SOI … EOI), for PHOTO. */
export const TINY_JPEG_BASE64 =
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/yQALCAABAAEBAREA/8wABgAQEAX/2gAIAQEAAD8A0s8g/9k=';
