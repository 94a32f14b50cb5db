/** The calendar an event belongs to. */
export interface CalendarInfo {
  /** Stable key on the source (Android: Calendars._id). */
  sourceKey: string;
  displayName: string;
  accountName?: string;
  accountType?: string;
  ownerAccount?: string;
  /** 0xAARRGGBB as Android keeps it, when known. */
  color?: number;
  timeZone?: string;
}

/** An instant or a day. Instants are UTC milliseconds kept exactly (64-bit safe in a double up to 2^53). */
export type EventTime =
  | { kind: 'instant'; utcMillis: number; timeZone: string }
  | { kind: 'date'; year: number; month: number; day: number };

export interface Attendee {
  name?: string;
  email?: string;
  /** "accepted" | "declined" | "invited" | "tentative" | "none" */
  status: string;
  /** "required" | "optional" | "resource" | "none" */
  role: string;
  /** "attendee" | "organizer" | "performer" | "speaker" | "none" */
  relationship: string;
}

export interface Reminder {
  /** Minutes before the start. */
  minutes: number;
  /** "alert" | "email" | "sms" | "alarm" | "default" */
  method: string;
}

/** One event row: a single event, a recurring series, or one changed instance of a series. */
export interface CalendarEvent {
  /** Stable key on the source (Android: Events._id). */
  sourceKey: string;
  calendar: CalendarInfo;
  /** The source's own iCalendar UID when it has one (Android uid2445); else the exporter makes a stable one. */
  uid?: string;
  title?: string;
  description?: string;
  location?: string;
  start: EventTime;
  /** Either end or duration (RFC 5545 text, as the source had it), or neither. */
  end?: EventTime;
  duration?: string;
  allDay: boolean;
  rrule: string[];
  rdate: string[];
  exrule: string[];
  exdate: string[];
  /** For an exception: the series it belongs to and the start of the instance it replaces. */
  original?: { sourceKey?: string; syncId?: string; instanceStart: EventTime };
  /** "confirmed" | "tentative" | "cancelled" */
  status?: string;
  organizer?: string;
  attendees: Attendee[];
  reminders: Reminder[];
  /** Android Events._sync_id, kept so that exceptions can find their series. */
  syncId?: string;
}
