/** JSON-lines logging: one object per line with time, level, msg and the fields given (request uid, image...). */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type AdmissionLogger = (level: LogLevel, msg: string, fields?: Readonly<Record<string, unknown>>) => void;

export function jsonLinesLogger(writer: { write(text: string): void }, options: { debug?: boolean; now?: () => Date } = {}): AdmissionLogger {
  // The timestamp of the default clock is formatted once per millisecond: a webhook under load logs many lines in each.
  let lastMs = Number.NaN;
  let lastTime = '';
  const time =
    options.now === undefined
      ? (): string => {
          const ms = Date.now();
          if (ms !== lastMs) {
            lastMs = ms;
            lastTime = new Date(ms).toISOString();
          }
          return lastTime;
        }
      : (): string => options.now!().toISOString();
  // Lines are batched until the end of the current turn of the event loop: under load one write
  // carries many lines instead of one system call each (stderr is synchronous for files and pipes).
  let pending = '';
  const flush = (): void => {
    const text = pending;
    pending = '';
    writer.write(text);
  };
  return (level, msg, fields = {}) => {
    if (level === 'debug' && !options.debug) return;
    if (pending === '') setImmediate(flush);
    pending += `${JSON.stringify({ time: time(), level, msg, ...fields })}\n`;
  };
}

export const silentAdmissionLogger: AdmissionLogger = () => undefined;

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
