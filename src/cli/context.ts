/**
 * What a command may touch of the outside world. Commands take it instead of reaching for
 * `process`, so tests run the CLI in-process and read what it printed.
 */
export interface CliContext {
  readonly stdout: Writer;
  readonly stderr: Writer;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stdout is a terminal (progress bars only then). */
  readonly isTerminal: boolean;
  readonly cwd: string;
  /** Reads all of standard input (for `--password-stdin` and `-` file arguments). */
  readonly readStdin: () => Promise<Buffer>;
  /**
   * Reads one line of standard input without its line ending (`undefined` at end of input), for
   * confirmation prompts. Optional: without it prompts take the first line of `readStdin`.
   */
  readonly readLine?: () => Promise<string | undefined>;
  /** Like `readLine`, without echoing what is typed on a terminal (password prompts). Optional. */
  readonly readSecretLine?: () => Promise<string | undefined>;
  /** Resolves when the command should stop (SIGINT/SIGTERM for servers). */
  readonly stopSignal: AbortSignal;
}

export interface Writer {
  write(text: string): void;
}

export function processContext(): CliContext {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    stdout: { write: (text) => void process.stdout.write(text) },
    stderr: { write: (text) => void process.stderr.write(text) },
    env: process.env,
    isTerminal: Boolean(process.stdout.isTTY),
    cwd: process.cwd(),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    readLine: () => readOneLine(),
    readSecretLine: () => readOneLine({ hidden: true }),
    stopSignal: controller.signal,
  };
}

/**
 * One line from the process's standard input; the stream is paused again afterwards. `hidden`
 * on a terminal: what is typed is not echoed.
 */
async function readOneLine(options: { hidden?: boolean } = {}): Promise<string | undefined> {
  const { createInterface } = await import('node:readline');
  const { Writable } = await import('node:stream');
  const hidden = Boolean(options.hidden && process.stdin.isTTY);
  return new Promise((resolve) => {
    const lines = hidden
      ? createInterface({ input: process.stdin, output: new Writable({ write: (_chunk, _encoding, done) => done() }), terminal: true })
      : createInterface({ input: process.stdin, terminal: false });
    let answered = false;
    lines.once('line', (line) => {
      answered = true;
      lines.close();
      resolve(line);
    });
    lines.once('close', () => {
      if (!answered) resolve(undefined);
    });
  });
}

/** A context that records output, for tests. */
export function memoryContext(options: { env?: Record<string, string | undefined>; stdin?: string; cwd?: string } = {}): CliContext & {
  readonly out: () => string;
  readonly err: () => string;
  readonly stop: () => void;
} {
  let out = '';
  let err = '';
  const controller = new AbortController();
  return {
    stdout: { write: (text) => void (out += text) },
    stderr: { write: (text) => void (err += text) },
    env: options.env ?? {},
    isTerminal: false,
    cwd: options.cwd ?? process.cwd(),
    readStdin: async () => Buffer.from(options.stdin ?? ''),
    stopSignal: controller.signal,
    out: () => out,
    err: () => err,
    stop: () => controller.abort(),
  };
}
