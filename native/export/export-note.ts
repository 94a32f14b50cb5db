/**
 * Something an exporter changed or could not keep, for the receipt. Exports never fail on odd
 * data from a phone; they write the closest valid form and say so here.
 */
export interface ExportNote {
  /** The item's key on the source (Contact.sourceKey, CalendarEvent.sourceKey), or '' for the file. */
  sourceKey: string;
  code: ExportNoteCode;
  message: string;
}

export type ExportNoteCode =
  /** A time zone neither the VTIMEZONE library nor Intl knows: times written in UTC. */
  | 'unknown-time-zone'
  /** The library's VTIMEZONE (current rules only) disagrees with the zone's history at this time. */
  | 'zone-rules-differ'
  | 'invalid-duration'
  | 'end-adjusted'
  | 'recurrence-changed'
  | 'recurrence-dropped'
  | 'date-dropped'
  | 'reminder-changed'
  | 'event-skipped';

export type NoteSink = (note: ExportNote) => void;
