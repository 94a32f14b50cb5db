/**
 * Android's CalendarContract codes and our words for them, shared by the reader and the fixture
 * writer so that the two can never disagree.
 */

/** Events.STATUS (column eventStatus). */
export const EVENT_STATUS: Readonly<Record<number, string>> = { 0: 'tentative', 1: 'confirmed', 2: 'cancelled' };

/** Attendees.ATTENDEE_STATUS. */
export const ATTENDEE_STATUS: Readonly<Record<number, string>> = { 0: 'none', 1: 'accepted', 2: 'declined', 3: 'invited', 4: 'tentative' };

/** Attendees.ATTENDEE_RELATIONSHIP. */
export const ATTENDEE_RELATIONSHIP: Readonly<Record<number, string>> = { 0: 'none', 1: 'attendee', 2: 'organizer', 3: 'performer', 4: 'speaker' };

/** Attendees.ATTENDEE_TYPE, which our model calls the role. */
export const ATTENDEE_TYPE: Readonly<Record<number, string>> = { 0: 'none', 1: 'required', 2: 'optional', 3: 'resource' };

/** Reminders.METHOD. */
export const REMINDER_METHOD: Readonly<Record<number, string>> = { 0: 'default', 1: 'alert', 2: 'email', 3: 'sms', 4: 'alarm' };

export { codeOf } from './android-contacts-vocabulary.ts';
