/**
 * IrMC's telecom/devinfo.txt: "KEY:VALUE" lines (MANU, MOD, SN, IRMC-VERSION, PB-TYPE-TX ...).
 * Unknown keys are kept; values are trimmed and cut at 256 characters.
 */
export interface IrmcDeviceInfo {
  manufacturer?: string;
  model?: string;
  serial?: string;
  /** Every key as the phone wrote it (upper-cased), e.g. {"IRMC-VERSION": "1.1", "PB-TYPE-TX": "VCARD2.1"}. */
  fields: Record<string, string>;
}

export function parseDevInfo(bytes: Uint8Array): IrmcDeviceInfo {
  const text = new TextDecoder('utf-8').decode(bytes);
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r\n|\n|\r/).slice(0, 500)) {
    const m = /^\s*([A-Za-z0-9][A-Za-z0-9_-]{0,63})\s*:(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toUpperCase();
    const value = m[2]!.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 256);
    if (!(key in fields)) fields[key] = value;
  }
  const info: IrmcDeviceInfo = { fields };
  if (fields.MANU) info.manufacturer = fields.MANU;
  if (fields.MOD) info.model = fields.MOD;
  if (fields.SN) info.serial = fields.SN;
  return info;
}
