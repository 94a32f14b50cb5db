/**
 * The only AT commands Lifeboat will ever send. Each one reads, or sets something of the link
 * itself (echo off, verbose errors, the character set of the link, which phonebook memory the
 * next read looks at, the switch to OBEX); none changes what is stored on the phone. Writing
 * (+CPBW, +CMGW, +CMGD ...), dialling (ATD), answering (ATA), resets (ATZ, AT&F, +CFUN) and
 * anything else are absent on purpose. A command must match one pattern whole: no second command
 * chained with ";", no CR or LF inside, upper case only.
 */
const ALLOWED: readonly RegExp[] = [
  /^AT$/, // attention: does nothing, answers OK (used to find the phone and sync the line)
  /^ATE0$/,
  /^AT\+CMEE=1$/,
  /^ATI[0-9]?$/,
  /^AT\+CGM[IMR]$/,
  /^AT\+CGSN$/,
  /^AT\+CBC$/,
  /^AT\+CSCS=\?$/,
  /^AT\+CSCS\?$/,
  /^AT\+CSCS="[A-Z0-9-]{1,16}"$/,
  /^AT\+CPBS=\?$/,
  /^AT\+CPBS\?$/,
  /^AT\+CPBS="[A-Z]{2}"$/,
  /^AT\+CPBR=\?$/,
  /^AT\+CPBR=[0-9]{1,6}(,[0-9]{1,6})?$/,
  /^AT\+SPBR=\?$/,
  /^AT\+SPBR=[0-9]{1,6}(,[0-9]{1,6})?$/,
  /^AT\+MPBR=\?$/,
  /^AT\+MPBR=[0-9]{1,6}(,[0-9]{1,6})?$/,
  /^AT\^SBNR=\?$/,
  /^AT\^SBNR="vcf",[0-9]{1,6}$/,
  /^AT\+CPROT=\?$/,
  /^AT\+CPROT=0$/,
  // The vendor switches to OBEX (gammu's atobex.c, obexftp's cobex): each changes only what the
  // line speaks, and the phone goes back to AT commands after DISCONNECT (Motorola) or the V.250
  // escape "+++" (Siemens; sent by AtSession.escapeToCommandMode, not as a command).
  /^AT\+MODE=\?$/,
  /^AT\+MODE=22$/, // Motorola: 22 = OBEX; other modes (2: the phone's own command set) stay out
  /^AT\^SQWE=\?$/,
  /^AT\^SQWE=3$/, // Siemens: 3 = OBEX
];

export class AtNotAllowedError extends Error {
  override readonly name = 'AtNotAllowedError';
}

export function isAllowedCommand(command: string): boolean {
  return ALLOWED.some((pattern) => pattern.test(command));
}

export function assertAllowedCommand(command: string): void {
  if (!isAllowedCommand(command)) {
    throw new AtNotAllowedError(`AT command ${JSON.stringify(command.slice(0, 60))} is not on Lifeboat's read-only allowlist`);
  }
}
