/**
 * Go `time.Time` formatting as Notation prints it. A Go time carries its location: times parsed
 * from a JWS header keep the offset they were written with, certificate and TSTInfo times are UTC,
 * and COSE times (`time.Unix`) are local. {@link GoTime} models that so output matches byte for byte.
 */

/** An instant and the UTC offset (minutes east) it is displayed in; `utc` marks Go's UTC location. */
export interface GoTime {
  readonly date: Date;
  /** Milliseconds are kept; Go keeps nanoseconds, which Notation's inputs never carry beyond ms. */
  readonly offsetMinutes: number;
  readonly utc: boolean;
}

export function utcTime(date: Date): GoTime {
  return { date, offsetMinutes: 0, utc: true };
}

/** The offset of a time zone (IANA name, e.g. the `TZ` variable) at an instant; `undefined` zone = the process's. */
export function zoneOffsetMinutes(date: Date, timeZone?: string): number {
  if (timeZone === undefined || timeZone === '') return -date.getTimezoneOffset();
  try {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(date);
    const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? '0');
    const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    return Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60000);
  } catch {
    return -date.getTimezoneOffset();
  }
}

/** A time in Go's `time.Local` for the given `TZ` (COSE times are `time.Unix`, hence local). */
export function localTime(date: Date, timeZone?: string): GoTime {
  const offsetMinutes = zoneOffsetMinutes(date, timeZone);
  return { date, offsetMinutes, utc: timeZone === 'UTC' || timeZone === 'Etc/UTC' };
}

/** Parses an RFC 3339 string as Go's `time.Parse(time.RFC3339, s)` keeps it: instant plus written offset. */
export function parseRfc3339(text: string): GoTime | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const ms = fraction ? Math.floor(Number(`0${fraction}`) * 1000) : 0;
  let offsetMinutes = 0;
  const utc = zone === 'Z' || zone === 'z';
  if (!utc) {
    const sign = zone!.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6)));
  }
  const epoch = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms) - offsetMinutes * 60000;
  return { date: new Date(epoch), offsetMinutes, utc };
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function wall(time: GoTime): Date {
  return new Date(time.date.getTime() + time.offsetMinutes * 60000);
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** `time.ANSIC`: `Mon Jan _2 15:04:05 2006`. */
export function formatAnsic(time: GoTime): string {
  const w = wall(time);
  return `${DAYS[w.getUTCDay()]} ${MONTHS[w.getUTCMonth()]} ${String(w.getUTCDate()).padStart(2, ' ')} ${pad(w.getUTCHours())}:${pad(
    w.getUTCMinutes(),
  )}:${pad(w.getUTCSeconds())} ${w.getUTCFullYear()}`;
}

function zoneSuffix(time: GoTime): string {
  if (time.offsetMinutes === 0) return 'Z';
  const sign = time.offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(time.offsetMinutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function dateAndClock(time: GoTime): string {
  const w = wall(time);
  return `${w.getUTCFullYear()}-${pad(w.getUTCMonth() + 1)}-${pad(w.getUTCDate())}T${pad(w.getUTCHours())}:${pad(w.getUTCMinutes())}:${pad(
    w.getUTCSeconds(),
  )}`;
}

/** `time.RFC3339`: seconds only. */
export function formatRfc3339(time: GoTime): string {
  return `${dateAndClock(time)}${zoneSuffix(time)}`;
}

/** `time.RFC3339Nano` (and `time.Time`'s JSON form): fraction with trailing zeros trimmed. */
export function formatRfc3339Nano(time: GoTime): string {
  const ms = wall(time).getUTCMilliseconds();
  const fraction = ms === 0 ? '' : `.${pad(ms, 3).replace(/0+$/, '')}`;
  return `${dateAndClock(time)}${fraction}${zoneSuffix(time)}`;
}

/** `time.Time.String()` for UTC times: `2006-01-02 15:04:05 +0000 UTC` (what `cert show` prints). */
export function formatGoString(time: GoTime): string {
  const w = wall(time);
  const sign = time.offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(time.offsetMinutes);
  const name = time.utc ? 'UTC' : `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
  return `${w.getUTCFullYear()}-${pad(w.getUTCMonth() + 1)}-${pad(w.getUTCDate())} ${pad(w.getUTCHours())}:${pad(w.getUTCMinutes())}:${pad(
    w.getUTCSeconds(),
  )} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)} ${name}`;
}

/** Adds milliseconds, keeping the location. */
export function addMs(time: GoTime, ms: number): GoTime {
  return { ...time, date: new Date(time.date.getTime() + ms) };
}
