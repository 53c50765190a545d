import type { ContentStream } from '../content/index.js';
import type { CliContext } from './context.js';

/** Blobs smaller than this finish before a progress line would be readable. */
const PROGRESS_MIN_BYTES = 1024 * 1024;
const REDRAW_INTERVAL_MS = 200;

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/**
 * Counts bytes as they stream and redraws one status line on stderr, only when stderr is a
 * terminal and the blob is large enough to be worth watching. Scripts see nothing.
 */
export function withProgress(context: CliContext, label: string, total: number, stream: ContentStream): ContentStream {
  if (!context.isTerminal || total < PROGRESS_MIN_BYTES) return stream;
  return (async function* report() {
    let done = 0;
    let lastDraw = 0;
    const started = Date.now();
    const draw = (): void => {
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      const percent = Math.floor((done / total) * 100);
      context.stderr.write(`\r${label}  ${formatBytes(done)}/${formatBytes(total)}  ${percent}%  ${formatBytes(done / seconds)}/s   `);
    };
    for await (const chunk of stream) {
      done += chunk.byteLength;
      if (Date.now() - lastDraw > REDRAW_INTERVAL_MS) {
        draw();
        lastDraw = Date.now();
      }
      yield chunk;
    }
    draw();
    context.stderr.write('\n');
  })();
}
