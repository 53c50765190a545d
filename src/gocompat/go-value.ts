/**
 * Reading decoded Go values with Go's zero values, and writing the common field types back, for
 * the models of Notation's files (trust policies, config.json, signingkeys.json). A field that is
 * absent or `null` reads as Go would hold it: `''` for a string, `null` for a nil slice or map.
 */
import { GoJsonSyntaxError, GoJsonTypeError, type GoType, type GoValue, type JsonOutput } from './json.js';
import { compareGoStrings } from './quote.js';

/** Go's `string`. */
export const GO_STRING: GoType = { kind: 'string', name: 'string' };
/** Go's `[]string`. */
export const GO_STRING_SLICE: GoType = { kind: 'slice', name: '[]string', elem: GO_STRING };
/** Go's `map[string]string`. */
export const GO_STRING_MAP: GoType = { kind: 'map', name: 'map[string]string', elem: GO_STRING };

/** A decoded string field, or Go's zero value `''`. */
export function asGoString(value: GoValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

/** A decoded `[]string` (frozen), or `null` for Go's nil slice. */
export function asGoStrings(value: GoValue | undefined): readonly string[] | null {
  return Array.isArray(value) ? Object.freeze(value.map(asGoString)) : null;
}

/** A decoded string-to-string map, in document order, or `null` for Go's nil map. */
export function asGoStringMap(value: GoValue | undefined): ReadonlyMap<string, string> | null {
  return value instanceof Map ? new Map([...value].map(([key, entry]) => [key, asGoString(entry)] as const)) : null;
}

/** A string-to-string map as encoding/json writes a Go map: keys sorted by their bytes. */
export function goStringMapOutput(map: ReadonlyMap<string, string>): JsonOutput {
  return { object: [...map.keys()].sort(compareGoStrings).map((key) => [key, map.get(key) ?? ''] as const) };
}

/** Whether `error` is a decoding error of encoding/json (bad syntax or a value of the wrong type). */
export function isGoJsonError(error: unknown): error is GoJsonSyntaxError | GoJsonTypeError {
  return error instanceof GoJsonSyntaxError || error instanceof GoJsonTypeError;
}
