import { describe, expect, it } from 'vitest';
import { AtNotAllowedError, assertAllowedCommand, isAllowedCommand } from './at-allowlist.ts';
import { AtSession } from './at-session.ts';
import { duplexPair } from './byte-duplex.ts';

const READS = [
  'AT', 'ATE0', 'AT+CMEE=1', 'ATI', 'ATI3', 'AT+CGMI', 'AT+CGMM', 'AT+CGMR', 'AT+CGSN', 'AT+CBC',
  'AT+CSCS=?', 'AT+CSCS?', 'AT+CSCS="UCS2"', 'AT+CSCS="UTF-8"', 'AT+CSCS="GSM"',
  'AT+CPBS=?', 'AT+CPBS?', 'AT+CPBS="SM"', 'AT+CPBS="ME"', 'AT+CPBR=?', 'AT+CPBR=1', 'AT+CPBR=1,20',
  'AT+SPBR=?', 'AT+SPBR=4', 'AT+MPBR=?', 'AT+MPBR=1,20', 'AT^SBNR=?', 'AT^SBNR="vcf",0', 'AT+CPROT=?', 'AT+CPROT=0',
  'AT+MODE=?', 'AT+MODE=22', 'AT^SQWE=?', 'AT^SQWE=3',
];

/** Commands that write, dial, reset or otherwise change a phone, and tricks to smuggle them in. */
const FORBIDDEN = [
  'AT+CPBW=1,"123",129,"x"', 'AT+CPBW=1', 'AT+CMGD=1', 'AT+CMGD=1,4', 'AT+CMGW="123"', 'AT+CMGS="123"', 'ATD123;', 'ATD>SM1;', 'ATDT123',
  'ATA', 'ATH', 'ATZ', 'AT&F', 'AT&W', 'AT+CFUN=0', 'AT+CFUN=1,1', 'AT+CLCK="SC",1,"1234"', 'AT+CPWD="SC","1","2"', 'AT+CPIN="1234"',
  'AT+CCLK="24/01/01,00:00:00"', 'AT+CSCA="+123"', 'AT^SBNW="vcf",1', 'AT+CKPD="1"', 'ATE1', 'AT+CMEE=0', 'AT+CPROT=1',
  'AT+MODE=2', 'AT+MODE=0', 'AT+MODE=220', 'AT+MODE=22;+CPBW=1', 'AT+MODE?', 'AT^SQWE=1', 'AT^SQWE=0', 'AT^SQWE=3\r', 'AT^SQWE=3;D123', '+++', 'AT+++',
  'AT+CGMI;+CPBW=1', 'AT+CPBR=1;+CPBW=1', 'AT+CPBR=1\rAT+CPBW=1', 'AT+CPBR=1\n', 'at+cpbr=1', 'AT+CPBS="SM";D123', 'AT+CSCS="UCS2";+CMGD=1',
  'AT+CPBS="S"', 'AT+CPBR=1,2,3', 'AT+CPBR=-1', 'AT+CPBR=1234567', 'AT^SBNR="vcs",1', ' AT', 'AT ', '',
];

describe('AT allowlist', () => {
  it('lets every read Lifeboat needs through', () => {
    for (const command of READS) expect(isAllowedCommand(command), command).toBe(true);
  });

  it('refuses writing, dialling, resetting and chained commands', () => {
    for (const command of FORBIDDEN) {
      expect(isAllowedCommand(command), JSON.stringify(command)).toBe(false);
      expect(() => assertAllowedCommand(command)).toThrow(AtNotAllowedError);
    }
  });

  it('refuses random command lines that are not one of its exact shapes', () => {
    let seed = 7;
    const alphabet = 'AT+CPBWRSMGDEZ&=?,;"0123456789^\r\n ';
    let allowed = 0;
    for (let n = 0; n < 50_000; n++) {
      let text = 'AT';
      const length = 1 + (n % 14);
      for (let i = 0; i < length; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        text += alphabet[seed % alphabet.length];
      }
      if (isAllowedCommand(text)) {
        allowed++;
        // Whatever got through must be free of writes, dials, chains and line breaks.
        expect(text).not.toMatch(/[;\r\n]|CPBW|CMG|ATD|ATZ|&/);
      }
    }
    expect(allowed).toBeLessThan(50_000);
  });

  it('never puts a refused command on the wire', async () => {
    const [host, phone] = duplexPair();
    const heard: Uint8Array[] = [];
    phone.onData((bytes) => heard.push(bytes));
    const session = new AtSession(host);
    for (const command of FORBIDDEN) await expect(session.command(command)).rejects.toThrow(AtNotAllowedError);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(heard).toEqual([]);
    await session.close();
  });
});
