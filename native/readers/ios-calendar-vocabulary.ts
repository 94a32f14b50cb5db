/**
 * The words of iOS's Calendar.sqlitedb, shared by the reader and the fixture writer. Values
 * follow EventKit's enums as the database keeps them; where a mapping was checked only against
 * public readers of the same schema (not a real phone), the README says so.
 */

/** Recurrence.frequency → RRULE FREQ. */
export const FREQUENCY: Record<number, string> = { 1: 'DAILY', 2: 'WEEKLY', 3: 'MONTHLY', 4: 'YEARLY' };

/**
 * Recurrence.specifier is RFC 5545's BY* parts in Calendar's own spelling, ';'-separated:
 * D= weekdays with an ordinal ("0MO" every Monday, "+2MO" the second, "-1FR" the last),
 * M= days of the month, O= months, S= set positions, Y= days of the year, W= weeks of the year.
 */
export const SPECIFIER_PARTS: [key: string, rrulePart: string][] = [
  ['D', 'BYDAY'], ['M', 'BYMONTHDAY'], ['O', 'BYMONTH'], ['S', 'BYSETPOS'], ['Y', 'BYYEARDAY'], ['W', 'BYWEEKNO'],
];

/** CalendarItem.status (EKEventStatus). */
export const EVENT_STATUS: Record<number, string> = { 1: 'confirmed', 2: 'tentative', 3: 'cancelled' };

/** CalendarItem.entity_type of events (reminders share the table). */
export const EVENT_ENTITY = 2;

/** Participant.entity_type. */
export const ATTENDEE_ENTITY = 7;
export const ORGANIZER_ENTITY = 8;

/** Participant.status, in iCalendar PARTSTAT order → the model's status. */
export const PARTICIPANT_STATUS: Record<number, string> = { 0: 'invited', 1: 'accepted', 2: 'declined', 3: 'tentative' };
/** Participant.role → the model's role. */
export const PARTICIPANT_ROLE: Record<number, string> = { 1: 'required', 2: 'optional', 3: 'required', 4: 'none' };

/** start_tz of floating times and all-day events. */
export const FLOATING_TZ = '_float';

/** Alarm.type (EKAlarmType): 3 is e-mail; the rest alert on the phone. */
export const ALARM_EMAIL = 3;
