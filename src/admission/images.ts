/**
 * Where a workload's images are: the pod spec of a Pod, the pod template of the controllers, the
 * job template of a CronJob; in `containers`, `initContainers` and `ephemeralContainers`. Each
 * image comes with the JSON Pointer of its field, for the digest-pinning patch.
 */
import { z } from 'zod';
import { AdmissionError } from './errors.js';
import { describeIssues } from './policy.js';

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

const container = z.object({ name: z.string().max(253).optional(), image: z.string().max(4096).optional() });
const containers = z.array(container).max(1000).optional().nullable();
const podSpec = z.object({
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

/**
 * The images of a workload object of `kind`. Objects of other kinds have none.
 * @param only restrict to one container list (the `pods/ephemeralcontainers` subresource)
 * @throws AdmissionError `ERR_ADMISSION_REQUEST_INVALID` when the pod spec has the wrong shape, naming the field
 */
export function extractImages(kind: string, object: unknown, what = 'object', only?: ContainerType): PodSpecImages {
  const path = POD_SPEC_PATHS[kind];
  if (path === undefined) return { images: [], imagePullSecrets: [], serviceAccountName: 'default' };
  let node: unknown = object;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) {
      return { images: [], imagePullSecrets: [], serviceAccountName: 'default' };
    }
    node = (node as Record<string, unknown>)[key];
  }
  if (node === undefined || node === null) return { images: [], imagePullSecrets: [], serviceAccountName: 'default' };
  const parsed = podSpec.safeParse(node);
  const prefix = `/${path.map(escapePointer).join('/')}`;
  if (!parsed.success) {
    throw new AdmissionError('ERR_ADMISSION_REQUEST_INVALID', `invalid ${kind} in ${what}: ${describeIssues(parsed.error, 5, path)}`);
  }
  const spec = parsed.data;
  const images: ContainerImage[] = [];
  for (const type of CONTAINER_TYPES) {
    if (only !== undefined && type !== only) continue;
    (spec[type] ?? []).forEach((entry, index) => {
      if (entry.image === undefined || entry.image === '') return;
      images.push({ path: `${prefix}/${type}/${index}/image`, image: entry.image, containerType: type, containerName: entry.name ?? '' });
    });
  }
  const imagePullSecrets = (spec.imagePullSecrets ?? []).map((secret) => secret.name ?? '').filter((name) => name !== '');
  return { images, imagePullSecrets, serviceAccountName: spec.serviceAccountName || 'default' };
}

/** Images of `current` that `previous` did not already run at the same place (UPDATE). */
export function changedImages(current: readonly ContainerImage[], previous: readonly ContainerImage[]): ContainerImage[] {
  const before = new Set(previous.map((entry) => `${entry.containerType}/${entry.containerName}/${entry.image}`));
  return current.filter((entry) => !before.has(`${entry.containerType}/${entry.containerName}/${entry.image}`));
}
