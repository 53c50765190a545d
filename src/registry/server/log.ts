/**
 * JSON lines on a writer (stderr for the CLI). Callers pass explicit fields: request headers are
 * never logged wholesale, so credentials (Authorization) cannot leak into logs.
 */
export type Logger = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export function jsonLogger(writer: { write(text: string): void }, now: () => Date = () => new Date()): Logger {
  return (level, msg, fields = {}) => {
    writer.write(`${JSON.stringify({ time: now().toISOString(), level, msg, ...fields })}\n`);
  };
}

export const silentLogger: Logger = () => undefined;
