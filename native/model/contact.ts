/**
 * One person as the phone's owner sees them: on Android, one aggregate contact, with the
 * data rows of all its raw contacts (one per account) merged.
 */
export interface Contact {
  /** Stable key on the source (Android: the aggregate's lookup key, else its _id). */
  sourceKey: string;
  /** The accounts its raw contacts came from (e.g. {type:"com.google", name:"a@b.c"}). */
  accounts: ContactAccount[];
  displayName?: string;
  name?: ContactName;
  nicknames: string[];
  phones: TypedValue[];
  emails: TypedValue[];
  addresses: PostalAddress[];
  organizations: Organization[];
  websites: TypedValue[];
  ims: InstantMessenger[];
  relations: TypedValue[];
  /** Birthdays, anniversaries and other dated events of the person. */
  dates: ContactDate[];
  notes: string[];
  sipAddresses: string[];
  groups: string[];
  starred: boolean;
  photo?: ContactPhoto;
}

export interface ContactAccount {
  type: string;
  name: string;
}

export interface ContactName {
  given?: string;
  family?: string;
  middle?: string;
  prefix?: string;
  suffix?: string;
  phoneticGiven?: string;
  phoneticMiddle?: string;
  phoneticFamily?: string;
}

/**
 * A value with its kind. `type` is a lower-case word from the source's vocabulary mapped to a
 * neutral one ("home", "work", "mobile", "fax-work", "other", "custom" ...); `label` is the
 * user's own text when type is "custom".
 */
export interface TypedValue {
  value: string;
  type: string;
  label?: string;
  primary?: boolean;
}

export interface PostalAddress {
  type: string;
  label?: string;
  formatted?: string;
  street?: string;
  poBox?: string;
  neighborhood?: string;
  city?: string;
  region?: string;
  postcode?: string;
  country?: string;
}

export interface Organization {
  company?: string;
  department?: string;
  title?: string;
  jobDescription?: string;
  officeLocation?: string;
}

export interface InstantMessenger {
  handle: string;
  /** "aim", "msn", "yahoo", "skype", "qq", "google-talk", "icq", "jabber", "netmeeting", or the custom name. */
  protocol: string;
  type: string;
  label?: string;
}

export interface ContactDate {
  /** "birthday" | "anniversary" | "other" | "custom" */
  type: string;
  label?: string;
  /** Year when known; a birthday without a year (Android "--MM-DD") has none. */
  year?: number;
  month: number;
  day: number;
  /** The text exactly as the source had it, in case it was not a date we understood. */
  raw: string;
}

export interface ContactPhoto {
  /** e.g. "image/jpeg", sniffed from the bytes. */
  mediaType: string;
  base64: string;
}

export function emptyContact(sourceKey: string): Contact {
  return {
    sourceKey,
    accounts: [],
    nicknames: [],
    phones: [],
    emails: [],
    addresses: [],
    organizations: [],
    websites: [],
    ims: [],
    relations: [],
    dates: [],
    notes: [],
    sipAddresses: [],
    groups: [],
    starred: false,
  };
}
