/** Go's `time` formatting, for messages that must read like Notation's. */

/** Go's default `time.Time.String()` of a UTC instant: `2023-06-27 05:30:33 +0000 UTC`. */
export function goTimeString(date: Date): string {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const ms = date.getUTCMilliseconds();
  const fraction = ms === 0 ? '' : `.${String(ms).padStart(3, '0').replace(/0+$/, '')}`;
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction} +0000 UTC`;
}
