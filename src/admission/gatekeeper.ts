/**
 * The Gatekeeper external data provider (externaldata.gatekeeper.sh/v1beta1 ProviderRequest →
 * ProviderResponse), for clusters that enforce with Gatekeeper constraints instead of this
 * webhook. Keys are image references, optionally `[namespace]image` as Ratify accepts them; the
 * namespace selects the admission policy rule. Items come back in request order, one per key.
 *
 * Item `value` for `/gatekeeper/verify` (close to Ratify v1's 0.2.0 result, so Rego written for
 * Ratify's `isSuccess` works):
 *
 *   { "version": "0.2.0", "isSuccess": bool, "traceID": uid, "timestamp": RFC 3339,
 *     "verifierReports": [ { "subject": "reg/repo@sha256:…", "isSuccess": bool,
 *       "name": "portcullis-notation", "type": "notation", "verifierName": …, "verifierType": …,
 *       "message": "…", "errorReason"?: "…", "artifactType": "application/vnd.cncf.notary.signature",
 *       "referenceDigest"?: "sha256:<signature manifest>",
 *       "extensions": { "digest", "policyStatement", "verificationLevel", "failedCheck", "mode", "rule", "exempt", "signer" } } ] }
 *
 * A transient failure (registry down, time budget spent) is the item's `error` instead, so a
 * constraint that denies on errors denies it and Gatekeeper does not cache it as a verdict.
 * `systemError` reports a failure of the whole request (no trust material loaded).
 * `/gatekeeper/mutate` answers `name:tag@sha256:…` per key, with `idempotent: true`.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ARTIFACT_TYPE_NOTARY_SIGNATURE } from '../oci/index.js';
import type { AdmissionController, ImageJudgement } from './controller.js';
import { AdmissionError } from './errors.js';
import { MAX_PROVIDER_KEYS } from './limits.js';
import { errorMessage } from './log.js';
import { describeIssues } from './policy.js';
import { parseJsonBody } from './review-types.js';

export const PROVIDER_API_VERSION = 'externaldata.gatekeeper.sh/v1beta1';

const providerRequestSchema = z.object({
  apiVersion: z.enum(['externaldata.gatekeeper.sh/v1beta1', 'externaldata.gatekeeper.sh/v1alpha1']),
  kind: z.literal('ProviderRequest'),
  request: z.object({ keys: z.array(z.string().max(4096)).max(MAX_PROVIDER_KEYS) }),
});

export type ProviderRequest = z.infer<typeof providerRequestSchema>;

export interface ProviderItem {
  readonly key: string;
  readonly value?: unknown;
  readonly error?: string;
}

export interface ProviderResponse {
  readonly apiVersion: typeof PROVIDER_API_VERSION;
  readonly kind: 'ProviderResponse';
  readonly response: { readonly idempotent: boolean; readonly items: readonly ProviderItem[]; readonly systemError?: string };
}

export function parseProviderRequest(bytes: Uint8Array): ProviderRequest {
  const value = parseJsonBody(bytes, 'ProviderRequest body');
  if (typeof value !== 'object' || value === null || (value as { kind?: unknown }).kind !== 'ProviderRequest') {
    throw new AdmissionError('ERR_ADMISSION_REQUEST_INVALID', `kind: expected "ProviderRequest", got ${JSON.stringify((value as { kind?: unknown } | null)?.kind ?? null).slice(0, 80)}`);
  }
  const parsed = providerRequestSchema.safeParse(value);
  if (!parsed.success) throw new AdmissionError('ERR_ADMISSION_REQUEST_INVALID', `invalid ProviderRequest: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export function providerResponse(items: readonly ProviderItem[], idempotent: boolean, systemError?: string): ProviderResponse {
  return {
    apiVersion: PROVIDER_API_VERSION,
    kind: 'ProviderResponse',
    response: { idempotent, items, ...(systemError !== undefined && systemError !== '' && { systemError }) },
  };
}

/** `[namespace]image` → namespace and image; a plain key has namespace `""`. */
export function parseProviderKey(key: string): { namespace: string; image: string } {
  const match = /^\[([^\]]*)\](.*)$/s.exec(key);
  return match ? { namespace: match[1]!, image: match[2]! } : { namespace: '', image: key };
}

export async function gatekeeperVerify(controller: AdmissionController, request: ProviderRequest): Promise<ProviderResponse> {
  if (controller.state.trustMaterial === undefined) return providerResponse([], false, 'no trust material is loaded: see /readyz');
  const traceID = randomUUID();
  const keys = request.request.keys;
  const byNamespace = new Map<string, Set<string>>();
  for (const key of keys) {
    const { namespace, image } = parseProviderKey(key);
    if (!byNamespace.has(namespace)) byNamespace.set(namespace, new Set());
    byNamespace.get(namespace)!.add(image);
  }
  const judged = new Map<string, ImageJudgement>();
  await Promise.all(
    [...byNamespace].map(async ([namespace, images]) => {
      const results = await controller.judge([...images], namespace);
      for (const judgement of results) judged.set(`${namespace}\u0000${judgement.image}`, judgement);
    }),
  );
  const timestamp = new Date().toISOString();
  const items = keys.map((key): ProviderItem => {
    const { namespace, image } = parseProviderKey(key);
    const judgement = judged.get(`${namespace}\u0000${image}`)!;
    if (judgement.outcome === 'error') return { key, error: judgement.message };
    return { key, value: verificationValue(judgement, traceID, timestamp) };
  });
  return providerResponse(items, false);
}

function verificationValue(judgement: ImageJudgement, traceID: string, timestamp: string): unknown {
  const verdict = judgement.verdict;
  const success = judgement.outcome === 'verified' || judgement.outcome === 'exempt';
  const subject = judgement.reference && judgement.digest ? `${judgement.reference.registry}/${judgement.reference.repository}@${judgement.digest}` : judgement.image;
  const report = {
    subject,
    isSuccess: success,
    name: 'portcullis-notation',
    type: 'notation',
    verifierName: 'portcullis-notation',
    verifierType: 'notation',
    artifactType: ARTIFACT_TYPE_NOTARY_SIGNATURE,
    message: judgement.outcome === 'exempt' ? judgement.message : (verdict?.reason ?? judgement.message),
    ...(!success && { errorReason: judgement.message }),
    ...(verdict?.signatureDigest !== undefined && { referenceDigest: verdict.signatureDigest }),
    extensions: {
      ...(judgement.digest !== undefined && { digest: judgement.digest }),
      ...(verdict?.policyStatement !== undefined && { policyStatement: verdict.policyStatement }),
      ...(verdict?.verificationLevel !== undefined && { verificationLevel: verdict.verificationLevel }),
      ...(verdict?.failedCheck !== undefined && { failedCheck: verdict.failedCheck }),
      ...(verdict?.signer !== undefined && { signer: verdict.signer }),
      mode: judgement.rule.mode,
      rule: judgement.rule.name,
      exempt: judgement.outcome === 'exempt',
    },
  };
  return { version: '0.2.0', isSuccess: success, traceID, timestamp, verifierReports: [report] };
}

export async function gatekeeperMutate(controller: AdmissionController, request: ProviderRequest): Promise<ProviderResponse> {
  const items = await Promise.all(
    request.request.keys.map(async (key): Promise<ProviderItem> => {
      const { image } = parseProviderKey(key);
      try {
        return { key, value: await controller.pin(image) };
      } catch (error) {
        return { key, error: `cannot resolve ${image}: ${errorMessage(error)}` };
      }
    }),
  );
  return providerResponse(items, true);
}
