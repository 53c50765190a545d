/**
 * `admission review`: the response the server would give, without a cluster. Takes Kubernetes
 * manifests (Pod, Deployment, …, several YAML documents or a List) or whole AdmissionReview
 * requests, wraps each manifest into the AdmissionReview the API server would send for a CREATE,
 * and answers it through the same controller.
 */
import { parseAllDocuments } from 'yaml';
import type { AdmissionController, Endpoint } from './controller.js';
import { AdmissionError } from './errors.js';
import { MAX_REVIEW_BYTES } from './limits.js';
import { toAdmissionReview, type AdmissionReviewRequest, type AdmissionReviewResponse } from './review-types.js';

/** Plural resource names, for the `resource` the API server would put in the review. */
const RESOURCES: Readonly<Record<string, { group: string; resource: string }>> = {
  Pod: { group: '', resource: 'pods' },
  ReplicationController: { group: '', resource: 'replicationcontrollers' },
  Deployment: { group: 'apps', resource: 'deployments' },
  ReplicaSet: { group: 'apps', resource: 'replicasets' },
  StatefulSet: { group: 'apps', resource: 'statefulsets' },
  DaemonSet: { group: 'apps', resource: 'daemonsets' },
  Job: { group: 'batch', resource: 'jobs' },
  CronJob: { group: 'batch', resource: 'cronjobs' },
};

export interface ReviewInputOptions {
  /** Namespace for manifests without one. Default `default`. */
  readonly namespace?: string;
  /** Operation of the synthesised reviews. Default CREATE. */
  readonly operation?: 'CREATE' | 'UPDATE';
}

function invalid(message: string, cause?: unknown): never {
  throw new AdmissionError('ERR_ADMISSION_MANIFEST_INVALID', message, { cause });
}

/** The AdmissionReview requests a file stands for. */
export function reviewRequestsFromText(text: string, options: ReviewInputOptions = {}): AdmissionReviewRequest[] {
  if (Buffer.byteLength(text) > MAX_REVIEW_BYTES * 4) invalid(`the input is larger than ${MAX_REVIEW_BYTES * 4} bytes`);
  const documents = parseAllDocuments(text, { uniqueKeys: true });
  const list = Array.isArray(documents) ? documents : [documents];
  const values: unknown[] = [];
  for (const [index, document] of list.entries()) {
    if (document.errors.length > 0) invalid(`document ${index + 1} is not valid YAML/JSON: ${document.errors[0]!.message.split('\n')[0]}`);
    const value = document.toJS({ maxAliasCount: 100 }) as unknown;
    if (value === null || value === undefined) continue;
    const kind = (value as { kind?: unknown }).kind;
    if (kind === 'List' && Array.isArray((value as { items?: unknown }).items)) values.push(...((value as { items: unknown[] }).items));
    else values.push(value);
  }
  if (values.length === 0) invalid('the input holds no document');
  return values.map((value, index) => toReviewRequest(value, index, options));
}

function toReviewRequest(value: unknown, index: number, options: ReviewInputOptions): AdmissionReviewRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(`document ${index + 1} is not an object`);
  const record = value as Record<string, unknown>;
  if (record.kind === 'AdmissionReview') return toAdmissionReview(value);
  const kind = typeof record.kind === 'string' ? record.kind : '';
  const resource = RESOURCES[kind];
  if (resource === undefined) invalid(`document ${index + 1}: kind "${kind}" is not one the webhook checks (${Object.keys(RESOURCES).join(', ')}, AdmissionReview)`);
  const apiVersion = typeof record.apiVersion === 'string' ? record.apiVersion : resource.group === '' ? 'v1' : `${resource.group}/v1`;
  const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
  const metadata = (record.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : (options.namespace ?? 'default');
  return toAdmissionReview({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `portcullis-review-${index + 1}`,
      kind: { group: resource.group, version, kind },
      resource: { group: resource.group, version, resource: resource.resource },
      requestKind: { group: resource.group, version, kind },
      requestResource: { group: resource.group, version, resource: resource.resource },
      name,
      namespace,
      operation: options.operation ?? 'CREATE',
      userInfo: { username: 'portcullis-review' },
      object: value,
      ...(options.operation === 'UPDATE' && { oldObject: value }),
      dryRun: true,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  });
}

/** Answers every review of the input, in order. */
export async function reviewOffline(controller: AdmissionController, text: string, endpoint: Endpoint, options: ReviewInputOptions = {}): Promise<AdmissionReviewResponse[]> {
  const requests = reviewRequestsFromText(text, options);
  const responses: AdmissionReviewResponse[] = [];
  for (const request of requests) responses.push(await controller.admit(request, endpoint));
  return responses;
}
