/** Where a simulated command writes; each write resolves when the stream has room again. */
export interface CommandOutput {
  stdout(data: string | Buffer): Promise<void>;
  stderr(data: string | Buffer): Promise<void>;
}

/** Collects a command's output in memory (tests, and the simulator computing expected output). */
export function collectingOutput(): CommandOutput & { readonly out: string; readonly err: string } {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const toBuffer = (data: string | Buffer) => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  return {
    stdout: async (data) => void stdout.push(toBuffer(data)),
    stderr: async (data) => void stderr.push(toBuffer(data)),
    get out() {
      return Buffer.concat(stdout).toString('utf8');
    },
    get err() {
      return Buffer.concat(stderr).toString('utf8');
    },
  };
}
