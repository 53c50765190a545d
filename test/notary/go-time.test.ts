/** Go time formatting as Notation's inspect output uses it (src/cli/notation/go-time.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addMs, formatAnsic, formatGoString, formatRfc3339, formatRfc3339Nano, localTime, parseRfc3339, utcTime } from '../../src/cli/notation/go-time.js';

describe('Go time formatting', () => {
  it('keeps the offset a JWS time was written with, as time.Parse does', () => {
    const time = parseRfc3339('2025-01-21T17:17:46+08:00')!;
    assert.equal(time.date.toISOString(), '2025-01-21T09:17:46.000Z');
    assert.equal(formatAnsic(time), 'Tue Jan 21 17:17:46 2025');
    assert.equal(formatRfc3339Nano(time), '2025-01-21T17:17:46+08:00');
    assert.equal(formatRfc3339(parseRfc3339('2025-01-07T08:42:43Z')!), '2025-01-07T08:42:43Z');
  });

  it('pads the ANSIC day with a space and trims RFC3339Nano fractions', () => {
    const time = utcTime(new Date('2025-01-07T08:42:43.580Z'));
    assert.equal(formatAnsic(time), 'Tue Jan  7 08:42:43 2025');
    assert.equal(formatRfc3339Nano(time), '2025-01-07T08:42:43.58Z');
    assert.equal(formatRfc3339Nano(addMs(time, 420)), '2025-01-07T08:42:44Z');
  });

  it('renders COSE (time.Unix) times in the TZ of the command environment', () => {
    const instant = new Date('2025-01-07T08:42:43Z');
    assert.equal(formatAnsic(localTime(instant, 'Asia/Tokyo')), 'Tue Jan  7 17:42:43 2025');
    assert.equal(formatRfc3339Nano(localTime(instant, 'America/New_York')), '2025-01-07T03:42:43-05:00');
    assert.equal(formatRfc3339Nano(localTime(instant, 'UTC')), '2025-01-07T08:42:43Z');
  });

  it('prints time.Time.String() for UTC certificate validity', () => {
    assert.equal(formatGoString(utcTime(new Date('2122-12-19T02:43:39Z'))), '2122-12-19 02:43:39 +0000 UTC');
  });
});
