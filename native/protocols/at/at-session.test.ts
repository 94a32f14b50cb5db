import { describe, expect, it } from 'vitest';
import { AtLinkLostError, AtSessionDeadError } from './at-errors.ts';
import { AtSession, type AtSessionOptions } from './at-session.ts';
import { duplexPair, type ByteDuplex } from './byte-duplex.ts';

/** A scripted phone: answers each command line with what `reply` returns (raw bytes as latin1). */
function scriptedPhone(reply: (command: string, phone: ByteDuplex) => string | undefined, options?: AtSessionOptions) {
  const [host, phone] = duplexPair();
  let buffer = '';
  phone.onData((bytes) => {
    buffer += Buffer.from(bytes).toString('latin1');
    let cr: number;
    while ((cr = buffer.indexOf('\r')) >= 0) {
      const command = buffer.slice(0, cr);
      buffer = buffer.slice(cr + 1);
      const answer = reply(command, phone);
      if (answer !== undefined) void phone.write(Buffer.from(answer, 'latin1'));
    }
  });
  return { session: new AtSession(host, options), phone };
}

describe('AT session', () => {
  it('escapeToCommandMode writes "+++" alone after the guard time, no CR, and reads the OK', async () => {
    const [host, phone] = duplexPair();
    const heard: { at: number; text: string }[] = [];
    phone.onData((bytes) => {
      heard.push({ at: Date.now(), text: Buffer.from(bytes).toString('latin1') });
      setTimeout(() => void phone.write(Buffer.from('\r\nOK\r\n', 'latin1')), 30);
    });
    const session = new AtSession(host);
    const started = Date.now();
    const reply = await session.escapeToCommandMode(60);
    expect(reply.status).toBe('ok');
    expect(heard.map((h) => h.text)).toEqual(['+++']);
    expect(heard[0]!.at - started).toBeGreaterThanOrEqual(55);
    await expect(session.command('+++')).rejects.toThrow(/allowlist/); // never as a command
    await session.close();
  });

  it('drops the echo, frames lines and reads the final result code', async () => {
    const { session } = scriptedPhone((c) => `${c}\r\r\n+CPBR: 1,"123",129,"A"\r\n+CPBR: 2,"456",129,"B"\r\n\r\nOK\r\n`);
    const reply = await session.command('AT+CPBR=1,2');
    expect(reply.status).toBe('ok');
    expect(reply.lines).toEqual(['+CPBR: 1,"123",129,"A"', '+CPBR: 2,"456",129,"B"']);
    await session.close();
  });

  it('tells ERROR, +CME ERROR and +CMS ERROR apart and goes on', async () => {
    const answers = ['\r\nERROR\r\n', '\r\n+CME ERROR: 22\r\n', '\r\n+CMS ERROR: 500\r\n', '\r\nOK\r\n'];
    const { session } = scriptedPhone(() => answers.shift());
    expect((await session.command('AT+CPBR=1')).status).toBe('error');
    expect((await session.command('AT+CPBR=2')).status).toBe('cme-error');
    expect((await session.command('AT+CPBR=3')).finalLine).toBe('+CMS ERROR: 500');
    await expect(session.expectOk('AT+CPBR=4')).resolves.toMatchObject({ status: 'ok' });
    await session.close();
  });

  it('waits for a slow answer that keeps within the idle time', async () => {
    const { session } = scriptedPhone((_c, phone) => {
      setTimeout(() => void phone.write(Buffer.from('\r\n+CBC: 0,50\r\n')), 150);
      setTimeout(() => void phone.write(Buffer.from('\r\nOK\r\n')), 300);
      return undefined;
    }, { idleTimeoutMs: 250 });
    expect((await session.command('AT+CBC')).lines).toEqual(['+CBC: 0,50']);
    await session.close();
  });

  it('gives up on a phone that never answers, and stays closed', async () => {
    const { session } = scriptedPhone(() => undefined, { idleTimeoutMs: 100 });
    await expect(session.command('AT+CGMI')).rejects.toThrow(/did not answer AT\+CGMI within 0\.1 s/);
    await expect(session.command('AT')).rejects.toThrow(AtSessionDeadError);
  });

  it('cuts off a line longer than its limit', async () => {
    const { session } = scriptedPhone(() => 'X'.repeat(5000), { maxLineBytes: 4096 });
    await expect(session.command('AT+CPBR=1')).rejects.toThrow(/line longer than 4096 bytes/);
  });

  it('cuts off an answer that never ends, by bytes and by lines', async () => {
    const long = scriptedPhone(() => '\r\n+CPBR: 1,"1",129,"x"\r\n'.repeat(2000), { maxAnswerBytes: 10_000 });
    await expect(long.session.command('AT+CPBR=1')).rejects.toThrow(/grew past 10000 bytes/);
    const many = scriptedPhone(() => 'a\r\n'.repeat(200), { maxAnswerLines: 100 });
    await expect(many.session.command('AT+CPBR=1')).rejects.toThrow(/past 100 lines/);
  });

  it('stops waiting for an answer that dribbles in forever', async () => {
    const { session } = scriptedPhone((_c, phone) => {
      const timer = setInterval(() => void phone.write(Buffer.from('+')).catch(() => clearInterval(timer)), 20);
      return undefined;
    }, { idleTimeoutMs: 100, answerTimeoutMs: 300 });
    await expect(session.command('AT+CPBR=1')).rejects.toThrow(/still answering AT\+CPBR=1 after 0\.3 s/);
  });

  it('reports a link that goes away', async () => {
    const { session, phone } = scriptedPhone(() => undefined);
    const pending = session.command('AT+CGMM');
    await phone.close();
    await expect(pending).rejects.toThrow(AtLinkLostError);
  });

  it('ignores what the phone says when nobody asked', async () => {
    const { session, phone } = scriptedPhone(() => '\r\nOK\r\n');
    await phone.write(Buffer.from('\r\nRING\r\n\r\nOK\r\n'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await session.command('AT')).lines).toEqual([]);
    await session.close();
  });
});
