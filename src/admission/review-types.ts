/**
 * AdmissionReview v1 (kubernetes/kubernetes staging/src/k8s.io/api/admission/v1/types.go):
 * parsing the request with a size cap and field-named errors, and the response shape.
 *
 * The zod schema is the definition. Every review goes first through {@link readAdmissionReview},
 * a hand-written check of the same fields and limits that builds the same output without zod's
 * per-field bookkeeping (a fifth of the warm webhook's CPU); whatever it does not accept goes to
 * the schema, which accepts or names the faulty fields exactly as before.
 */
import { z } from 'zod';
import { AdmissionError } from './errors.js';
import { MAX_REVIEW_BYTES } from './limits.js';
import { describeIssues } from './policy.js';

export const ADMISSION_API_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;
export type AdmissionApiVersion = (typeof ADMISSION_API_VERSIONS)[number];

const groupVersionKind = z.object({ group: z.string().max(253), version: z.string().max(63), kind: z.string().max(253) });
const groupVersionResource = z.object({ group: z.string().max(253), version: z.string().max(63), resource: z.string().max(253) });

const requestSchema = z.object({
  uid: z.string().min(1).max(256),
  kind: groupVersionKind,
  resource: groupVersionResource,
  subResource: z.string().max(253).optional(),
  requestKind: groupVersionKind.optional(),
  requestResource: groupVersionResource.optional(),
  requestSubResource: z.string().max(253).optional(),
  name: z.string().max(253).optional(),
  namespace: z.string().max(253).optional(),
  operation: z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']),
  userInfo: z.object({ username: z.string().max(1024).optional() }).optional(),
  object: z.unknown().optional(),
  oldObject: z.unknown().optional(),
  dryRun: z.boolean().optional(),
});

/** The reference definition: {@link readAdmissionReview} accepts a subset of it, with the same output. */
export const admissionReviewSchema = z.object({
  apiVersion: z.enum(ADMISSION_API_VERSIONS),
  kind: z.literal('AdmissionReview'),
  request: requestSchema,
});

export type AdmissionRequest = z.infer<typeof requestSchema>;

const OPERATIONS: ReadonlySet<unknown> = new Set(requestSchema.shape.operation.options);
const API_VERSIONS: ReadonlySet<unknown> = new Set(ADMISSION_API_VERSIONS);

export interface AdmissionReviewRequest {
  readonly apiVersion: AdmissionApiVersion;
  readonly kind: 'AdmissionReview';
  readonly request: AdmissionRequest;
}

export interface AdmissionStatus {
  readonly code: number;
  readonly reason?: string;
  readonly message: string;
}

export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: AdmissionStatus;
  /** Base64 of an RFC 6902 JSON Patch. */
  readonly patch?: string;
  readonly patchType?: 'JSONPatch';
  readonly warnings?: readonly string[];
  readonly auditAnnotations?: Readonly<Record<string, string>>;
}

export interface AdmissionReviewResponse {
  readonly apiVersion: AdmissionApiVersion;
  readonly kind: 'AdmissionReview';
  readonly response: AdmissionResponse;
}

function invalid(message: string, cause?: unknown): never {
  throw new AdmissionError('ERR_ADMISSION_REQUEST_INVALID', message, { cause });
}

/** JSON.parse of an untrusted body after a size check. */
export function parseJsonBody(bytes: Uint8Array, what: string, maxBytes = MAX_REVIEW_BYTES): unknown {
  if (bytes.byteLength > maxBytes) {
    throw new AdmissionError('ERR_ADMISSION_REQUEST_TOO_LARGE', `${what} is ${bytes.byteLength} bytes, more than the limit of ${maxBytes}`);
  }
  if (bytes.byteLength === 0) invalid(`${what} is empty`);
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (error) {
    return invalid(`${what} is not valid JSON: ${(error as Error).message}`, error);
  }
}

/**
 * Validates a parsed AdmissionReview request envelope. `object` and `oldObject` are checked later,
 * by the image extraction, only as far as the fields it reads.
 * @throws AdmissionError `ERR_ADMISSION_REQUEST_INVALID` naming the field
 */
export function toAdmissionReview(value: unknown): AdmissionReviewRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid('AdmissionReview must be a JSON object');
  const record = value as Record<string, unknown>;
  if (record.kind !== 'AdmissionReview') {
    invalid(`kind: expected "AdmissionReview", got ${JSON.stringify(record.kind ?? null).slice(0, 80)}`);
  }
  const fast = readAdmissionReview(record);
  if (fast !== undefined) return fast;
  const parsed = admissionReviewSchema.safeParse(value);
  if (!parsed.success) invalid(`invalid AdmissionReview: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether a string is at most `max` long as zod's `.max()` counts: in code points (a surrogate
 * pair counts once, a lone surrogate as itself). Units are counted first: a string that fits in
 * UTF-16 units fits in code points.
 */
export function withinLength(value: string, max: number): boolean {
  const units = value.length;
  if (units <= max) return true;
  let count = units;
  for (let index = 0; index < units - 1; index++) {
    if ((value.charCodeAt(index) & 0xfc00) === 0xd800 && (value.charCodeAt(index + 1) & 0xfc00) === 0xdc00) {
      count -= 1;
      index += 1;
    }
  }
  return count <= max;
}

function isString(value: unknown, max: number): value is string {
  return typeof value === 'string' && withinLength(value, max);
}

/** An optional string field as zod reads it: absent, or present (undefined included) and a string within `max`; false when invalid. */
function optionalString(record: Fields, key: string, max: number): boolean {
  if (!(key in record)) return true;
  const value = record[key];
  return value === undefined || isString(value, max);
}

function readGroupVersionKind(value: unknown): { group: string; version: string; kind: string } | undefined {
  if (!isFields(value)) return undefined;
  const { group, version, kind } = value;
  return isString(group, 253) && isString(version, 63) && isString(kind, 253) ? { group, version, kind } : undefined;
}

function readGroupVersionResource(value: unknown): { group: string; version: string; resource: string } | undefined {
  if (!isFields(value)) return undefined;
  const { group, version, resource } = value;
  return isString(group, 253) && isString(version, 63) && isString(resource, 253) ? { group, version, resource } : undefined;
}

/**
 * {@link admissionReviewSchema} by hand, for the webhook's hot path: the review with the fields
 * the schema keeps, or undefined when anything is out of its bounds (the caller then asks the
 * schema, which names the field). Keys absent stay absent, keys present with `undefined` stay
 * present, unknown keys are dropped, `object` and `oldObject` are passed through: as zod does.
 */
export function readAdmissionReview(value: unknown): AdmissionReviewRequest | undefined {
  if (!isFields(value)) return undefined;
  const { apiVersion, kind, request } = value;
  if (!API_VERSIONS.has(apiVersion) || kind !== 'AdmissionReview' || !isFields(request)) return undefined;
  const { uid, operation } = request;
  if (!isString(uid, 256) || uid.length === 0 || !OPERATIONS.has(operation)) return undefined;
  const requestKind = readGroupVersionKind(request.kind);
  const resource = readGroupVersionResource(request.resource);
  if (requestKind === undefined || resource === undefined) return undefined;
  const out: Fields = { uid, kind: requestKind, resource };
  if (!optionalString(request, 'subResource', 253)) return undefined;
  if ('subResource' in request) out.subResource = request.subResource;
  if ('requestKind' in request && request.requestKind !== undefined) {
    const parsed = readGroupVersionKind(request.requestKind);
    if (parsed === undefined) return undefined;
    out.requestKind = parsed;
  } else if ('requestKind' in request) out.requestKind = undefined;
  if ('requestResource' in request && request.requestResource !== undefined) {
    const parsed = readGroupVersionResource(request.requestResource);
    if (parsed === undefined) return undefined;
    out.requestResource = parsed;
  } else if ('requestResource' in request) out.requestResource = undefined;
  for (const key of ['requestSubResource', 'name', 'namespace'] as const) {
    if (!optionalString(request, key, 253)) return undefined;
    if (key in request) out[key] = request[key];
  }
  out.operation = operation;
  if ('userInfo' in request) {
    const userInfo = request.userInfo;
    if (userInfo === undefined) out.userInfo = undefined;
    else {
      if (!isFields(userInfo) || !optionalString(userInfo, 'username', 1024)) return undefined;
      out.userInfo = 'username' in userInfo ? { username: userInfo.username } : {};
    }
  }
  if ('object' in request) out.object = request.object;
  if ('oldObject' in request) out.oldObject = request.oldObject;
  if ('dryRun' in request) {
    const dryRun = request.dryRun;
    if (dryRun !== undefined && typeof dryRun !== 'boolean') return undefined;
    out.dryRun = dryRun;
  }
  return { apiVersion: apiVersion as AdmissionApiVersion, kind: 'AdmissionReview', request: out as AdmissionRequest };
}

export function parseAdmissionReview(bytes: Uint8Array): AdmissionReviewRequest {
  return toAdmissionReview(parseJsonBody(bytes, 'AdmissionReview body'));
}
