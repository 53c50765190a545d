/**
 * AdmissionReview v1 (kubernetes/kubernetes staging/src/k8s.io/api/admission/v1/types.go):
 * parsing the request with a size cap and field-named errors, and the response shape.
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

const reviewSchema = z.object({
  apiVersion: z.enum(ADMISSION_API_VERSIONS),
  kind: z.literal('AdmissionReview'),
  request: requestSchema,
});

export type AdmissionRequest = z.infer<typeof requestSchema>;

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
  const parsed = reviewSchema.safeParse(value);
  if (!parsed.success) invalid(`invalid AdmissionReview: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export function parseAdmissionReview(bytes: Uint8Array): AdmissionReviewRequest {
  return toAdmissionReview(parseJsonBody(bytes, 'AdmissionReview body'));
}
