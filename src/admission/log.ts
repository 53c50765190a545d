/** JSON-lines logging: one object per line with time, level, msg and the fields given (request uid, image...). */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type AdmissionLogger = (level: LogLevel, msg: string, fields?: Readonly<Record<string, unknown>>) => void;

export function jsonLinesLogger(writer: { write(text: string): void }, options: { debug?: boolean; now?: () => Date } = {}): AdmissionLogger {
  const now = options.now ?? (() => new Date());
  return (level, msg, fields = {}) => {
    if (level === 'debug' && !options.debug) return;
    writer.write(`${JSON.stringify({ time: now().toISOString(), level, msg, ...fields })}\n`);
  };
}

export const silentAdmissionLogger: AdmissionLogger = () => undefined;

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
