/**
 * Ways the simulated OBEX phone can be broken or hostile, to prove the client ends by itself with
 * a clear error and bounded memory. Each mode strikes GETs of files (listings stay honest unless
 * the mode is about listings), so a test can check what came before is fine.
 */
export const OBEX_HOSTILE_MODES = [
  /** Length header says half the real size; the whole file follows. */
  'lying-length',
  /** A file GET answers Continue with body bytes forever. */
  'endless-body',
  /** Responses to GET carry a Connection ID that is not the client's. */
  'wrong-connection-id',
  /** The first response to a file GET is cut after half its bytes; then silence. */
  'truncated-packet',
  /** CONNECT is answered; nothing after it ever is. */
  'never-answers',
  /** Folder listings hold "..", "/", control characters, a 4 KiB name, an entity bomb. */
  'evil-names',
  /** A response declares 65535 bytes, more than the client allowed at CONNECT. */
  'oversized-packet',
  /** A response whose Body header claims more bytes than its packet holds. */
  'malformed-header',
  /** Two response packets for one request. */
  'unsolicited-bytes',
] as const;

export type ObexHostility = (typeof OBEX_HOSTILE_MODES)[number];

export function isObexHostility(text: string): text is ObexHostility {
  return (OBEX_HOSTILE_MODES as readonly string[]).includes(text);
}

/** Entries an evil phone adds to every folder listing (the XML is written raw, on purpose). */
export const EVIL_LISTING_ENTRIES = [
  '<folder name=".."/>',
  '<folder name="../../etc"/>',
  '<file name="../escape.jpg" size="10"/>',
  '<file name="a/b.jpg" size="10"/>',
  '<file name="back\\slash.jpg" size="10"/>',
  '<file name="bell&#7;.jpg" size="10"/>',
  '<file name="nul&#0;.jpg" size="10"/>',
  `<file name="${'x'.repeat(4096)}.jpg" size="10"/>`,
  '<file name="&lol9;" size="10"/>',
  '<file name="" size="10"/>',
  '<file size="10"/>',
];

/** A "billion laughs" internal subset: a parser that expanded it would need gigabytes. */
export const ENTITY_BOMB_DOCTYPE = [
  '<!DOCTYPE folder-listing [',
  '<!ENTITY lol "lol">',
  ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
  ']>',
].join('\n');
