/**
 * Where a workload's images are: the pod spec of a Pod, the pod template of the controllers, the
 * job template of a CronJob; in `containers`, `initContainers` and `ephemeralContainers`. Each
 * image comes with the JSON Pointer of its field, for the digest-pinning patch.
 */
import { z } from 'zod';
import { AdmissionError } from './errors.js';
import { describeIssues } from './policy.js';
import { withinLength } from './review-types.js';

export type ContainerType = 'containers' | 'initContainers' | 'ephemeralContainers';

export interface ContainerImage {
  /** JSON Pointer of the `image` field (`/spec/template/spec/containers/0/image`). */
  readonly path: string;
  readonly image: string;
  readonly containerType: ContainerType;
  readonly containerName: string;
}

export interface PodSpecImages {
  readonly images: readonly ContainerImage[];
  /** `spec.imagePullSecrets[].name` of the pod (template). */
  readonly imagePullSecrets: readonly string[];
  /** `spec.serviceAccountName`, default `default`. */
  readonly serviceAccountName: string;
}

/** Kinds whose pods run images, and where their pod spec is. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

export const WORKLOAD_KINDS: readonly string[] = Object.keys(POD_SPEC_PATHS);

export function isWorkloadKind(kind: string): boolean {
  return Object.hasOwn(POD_SPEC_PATHS, kind);
}

/** The reference definition of the fields read; {@link extractImages} checks them by hand first and asks this schema only for the error. */
const container = z.object({ name: z.string().max(253).optional(), image: z.string().max(4096).optional() });
const containers = z.array(container).max(1000).optional().nullable();
export const podSpecSchema = z.object({
  containers,
  initContainers: containers,
  ephemeralContainers: containers,
  imagePullSecrets: z
    .array(z.object({ name: z.string().max(253).optional() }))
    .max(1000)
    .optional()
    .nullable(),
  serviceAccountName: z.string().max(253).optional().nullable(),
});

const CONTAINER_TYPES: readonly ContainerType[] = ['initContainers', 'containers', 'ephemeralContainers'];

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** `/spec/template/spec` per kind. */
const POINTER_PREFIXES: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(POD_SPEC_PATHS).map(([kind, path]) => [kind, `/${path.map(escapePointer).join('/')}`]));

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An optional (not nullable) string field as zod reads it: absent or undefined, or a string within `max`. */
function optionalString(value: unknown, max: number): boolean {
  return value === undefined || (typeof value === 'string' && withinLength(value, max));
}

/** A `containers`-like list within {@link podSpecSchema}'s bounds (undefined and null included). */
function validContainers(list: unknown): boolean {
  if (list === undefined || list === null) return true;
  if (!Array.isArray(list) || list.length > 1000) return false;
  for (let index = 0; index < list.length; index++) {
    const entry: unknown = list[index];
    if (!isFields(entry) || !optionalString(entry.name, 253) || !optionalString(entry.image, 4096)) return false;
  }
  return true;
}

/** Whether {@link podSpecSchema} accepts `spec`, checked by hand; false sends the caller to the schema for the error. */
export function podSpecWithinBounds(spec: unknown): spec is Fields {
  if (!isFields(spec)) return false;
  if (!validContainers(spec.containers) || !validContainers(spec.initContainers) || !validContainers(spec.ephemeralContainers)) return false;
  const secrets = spec.imagePullSecrets;
  if (secrets !== undefined && secrets !== null) {
    if (!Array.isArray(secrets) || secrets.length > 1000) return false;
    for (let index = 0; index < secrets.length; index++) {
      const entry: unknown = secrets[index];
      if (!isFields(entry) || !optionalString(entry.name, 253)) return false;
    }
  }
  const serviceAccountName = spec.serviceAccountName;
  return serviceAccountName === undefined || serviceAccountName === null || (typeof serviceAccountName === 'string' && withinLength(serviceAccountName, 253));
}

/**
 * The images of a workload object of `kind`. Objects of other kinds have none.
 * @param only restrict to one container list (the `pods/ephemeralcontainers` subresource)
 * @throws AdmissionError `ERR_ADMISSION_REQUEST_INVALID` when the pod spec has the wrong shape, naming the field
 */
export function extractImages(kind: string, object: unknown, what = 'object', only?: ContainerType): PodSpecImages {
  const path = isWorkloadKind(kind) ? POD_SPEC_PATHS[kind] : undefined;
  if (path === undefined) return { images: [], imagePullSecrets: [], serviceAccountName: 'default' };
  let node: unknown = object;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) {
      return { images: [], imagePullSecrets: [], serviceAccountName: 'default' };
    }
    node = (node as Record<string, unknown>)[key];
  }
  if (node === undefined || node === null) return { images: [], imagePullSecrets: [], serviceAccountName: 'default' };
  if (!podSpecWithinBounds(node)) {
    const parsed = podSpecSchema.safeParse(node);
    if (!parsed.success) {
      throw new AdmissionError('ERR_ADMISSION_REQUEST_INVALID', `invalid ${kind} in ${what}: ${describeIssues(parsed.error, 5, path)}`);
    }
    // The hand check accepts all the schema does; a spec that only the schema accepts is read from its output.
    node = parsed.data;
  }
  const spec = node as z.infer<typeof podSpecSchema>;
  const prefix = POINTER_PREFIXES[kind]!;
  const images: ContainerImage[] = [];
  for (const type of CONTAINER_TYPES) {
    if (only !== undefined && type !== only) continue;
    const list = spec[type];
    if (list === undefined || list === null) continue;
    for (let index = 0; index < list.length; index++) {
      const entry = list[index]!;
      if (entry.image === undefined || entry.image === '') continue;
      images.push({ path: `${prefix}/${type}/${index}/image`, image: entry.image, containerType: type, containerName: entry.name ?? '' });
    }
  }
  const imagePullSecrets: string[] = [];
  for (const secret of spec.imagePullSecrets ?? []) if (secret.name !== undefined && secret.name !== '') imagePullSecrets.push(secret.name);
  return { images, imagePullSecrets, serviceAccountName: spec.serviceAccountName || 'default' };
}

/** Images of `current` that `previous` did not already run at the same place (UPDATE). */
export function changedImages(current: readonly ContainerImage[], previous: readonly ContainerImage[]): ContainerImage[] {
  const before = new Set(previous.map((entry) => `${entry.containerType}/${entry.containerName}/${entry.image}`));
  return current.filter((entry) => !before.has(`${entry.containerType}/${entry.containerName}/${entry.image}`));
}
