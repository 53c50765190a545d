import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ContentError, PortcullisError } from '../../errors.js';
import { MAX_MANIFEST_BYTES } from '../../limits.js';
import { BlobDirectory, INGEST_DIRECTORY, isErrorCode, LayoutStore } from '../../layout/index.js';
import { digestAlgorithm, parseManifest, type Descriptor, type Digest } from '../../oci/index.js';
import { requiredContent } from './manifest-rules.js';
import { decodeRepositoryName, RootLayout } from './root-layout.js';

/**
 * `portcullis registry fsck`: checks a registry root offline. Corruption (a blob whose bytes do
 * not hash to its name, a manifest or referenced blob missing from a repository, an unreadable
 * repository) fails the check; leftovers (orphan blobs, old uploads, temp files, blobs no longer
 * shared with the global store) are reported as warnings.
 */

export type FsckFindingKind =
  | 'corrupt-blob'
  | 'missing-blob'
  | 'invalid-manifest'
  | 'invalid-repository'
  | 'dangling-link'
  | 'orphan-blob'
  | 'leftover-upload'
  | 'leftover-temp'
  | 'stray-file';

const CORRUPTION: ReadonlySet<FsckFindingKind> = new Set(['corrupt-blob', 'missing-blob', 'invalid-manifest', 'invalid-repository']);

export interface FsckFinding {
  readonly kind: FsckFindingKind;
  readonly severity: 'corruption' | 'warning';
  readonly path: string;
  readonly repository?: string;
  readonly digest?: string;
  readonly detail: string;
}

export interface FsckReport {
  readonly root: string;
  readonly blobsChecked: number;
  readonly repositories: number;
  readonly findings: readonly FsckFinding[];
  /** True when any finding is corruption. */
  readonly corrupt: boolean;
}

export class RegistryFsckError extends PortcullisError {
  declare readonly code: 'ERR_REGISTRY_FSCK_CORRUPTION';
  constructor(readonly report: FsckReport) {
    const count = report.findings.filter((finding) => finding.severity === 'corruption').length;
    super('ERR_REGISTRY_FSCK_CORRUPTION', `registry fsck found ${count} corruption problem(s) in ${report.root}`);
  }
}

class Findings {
  readonly list: FsckFinding[] = [];
  add(kind: FsckFindingKind, path: string, detail: string, extra: { repository?: string; digest?: string } = {}): void {
    this.list.push({ kind, severity: CORRUPTION.has(kind) ? 'corruption' : 'warning', path, detail, ...extra });
  }
}

export async function fsck(root: string): Promise<FsckReport> {
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new ContentError('ERR_CONTENT_NOT_FOUND', `no registry root at ${root}`);
  const layout = new RootLayout(root);
  const findings = new Findings();
  const global = new BlobDirectory(layout.blobs, layout.ingest);
  const { digests, strays } = await global.list();
  for (const stray of strays) findings.add('stray-file', stray, 'not a blob named by its digest');
  let blobsChecked = 0;
  for (const digest of digests) {
    blobsChecked += 1;
    await checkDigest(global.pathOf(digest), digest, findings);
  }
  const referenced = new Set<Digest>();
  const names = await repositoryNames(layout, findings);
  for (const name of names) blobsChecked += await checkRepository(layout, name, global, referenced, findings);
  for (const digest of digests) {
    if (!referenced.has(digest)) findings.add('orphan-blob', global.pathOf(digest), 'no manifest of any repository references it', { digest });
  }
  await reportLeftovers(layout, findings);
  const corrupt = findings.list.some((finding) => finding.severity === 'corruption');
  return { root, blobsChecked, repositories: names.length, findings: findings.list, corrupt };
}

async function checkDigest(path: string, digest: Digest, findings: Findings, repository?: string): Promise<void> {
  const hash = createHash(digestAlgorithm(digest));
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const actual = `${digestAlgorithm(digest)}:${hash.digest('hex')}`;
  if (actual !== digest) findings.add('corrupt-blob', path, `content hashes to ${actual}`, { digest, ...(repository && { repository }) });
}

async function repositoryNames(layout: RootLayout, findings: Findings): Promise<string[]> {
  const names: string[] = [];
  for (const folder of await readdirOrEmpty(layout.repositories)) {
    const name = decodeRepositoryName(folder);
    if (name === undefined) findings.add('stray-file', join(layout.repositories, folder), 'not a repository folder');
    else names.push(name);
  }
  return names;
}

/** Checks one repository; returns how many blobs it hashed (those not shared with the global store). */
async function checkRepository(
  layout: RootLayout,
  name: string,
  global: BlobDirectory,
  referenced: Set<Digest>,
  findings: Findings,
): Promise<number> {
  let store: LayoutStore;
  try {
    // Infinity: fsck only reads, even temp files of a crashed writer stay for the report.
    store = await LayoutStore.open(layout.repository(name), { create: false, staleTempMs: Infinity });
  } catch (error) {
    findings.add('invalid-repository', layout.repository(name), (error as Error).message, { repository: name });
    return 0;
  }
  const hashed = await checkLinks(store, name, global, findings);
  for (const entry of store.manifests()) await checkManifest(store, name, entry, referenced, findings);
  for (const temp of await readdirOrEmpty(join(store.root, INGEST_DIRECTORY))) {
    findings.add('leftover-temp', join(store.root, INGEST_DIRECTORY, temp), 'temporary file of an interrupted write', { repository: name });
  }
  return hashed;
}

/** Each repository blob must be a hard link to the global blob of its digest. */
async function checkLinks(store: LayoutStore, name: string, global: BlobDirectory, findings: Findings): Promise<number> {
  const { digests, strays } = await store.blobs.list();
  for (const stray of strays) findings.add('stray-file', stray, 'not a blob named by its digest', { repository: name });
  let hashed = 0;
  for (const digest of digests) {
    const [local, shared] = await Promise.all([store.blobs.stat(digest), global.stat(digest)]);
    if (local && shared && local.ino === shared.ino && local.dev === shared.dev) continue;
    const problem = shared ? 'is a separate copy, not a link to the global blob' : 'has no global blob any more';
    findings.add('dangling-link', store.blobs.pathOf(digest), problem, { repository: name, digest });
    await checkDigest(store.blobs.pathOf(digest), digest, findings, name);
    hashed += 1;
  }
  return hashed;
}

async function checkManifest(store: LayoutStore, name: string, entry: Descriptor, referenced: Set<Digest>, findings: Findings): Promise<void> {
  referenced.add(entry.digest);
  const path = store.blobs.pathOf(entry.digest);
  const info = await store.blobs.stat(entry.digest);
  if (!info) {
    findings.add('missing-blob', path, 'index.json lists this manifest but its blob is missing', { repository: name, digest: entry.digest });
    return;
  }
  if (info.size > MAX_MANIFEST_BYTES) {
    findings.add('invalid-manifest', path, `larger than ${MAX_MANIFEST_BYTES} bytes`, { repository: name, digest: entry.digest });
    return;
  }
  let children: Descriptor[];
  try {
    children = requiredContent(parseManifest(await readFile(path), entry.mediaType));
  } catch (error) {
    findings.add('invalid-manifest', path, (error as Error).message, { repository: name, digest: entry.digest });
    return;
  }
  for (const child of children) {
    referenced.add(child.digest);
    if (!(await store.blobs.has(child.digest))) {
      findings.add('missing-blob', store.blobs.pathOf(child.digest), `referenced by manifest ${entry.digest} but missing`, {
        repository: name,
        digest: child.digest,
      });
    }
  }
}

async function reportLeftovers(layout: RootLayout, findings: Findings): Promise<void> {
  for (const id of await readdirOrEmpty(layout.uploads)) {
    const info = await stat(layout.upload(id)).catch(() => undefined);
    const age = info ? `${Math.round((Date.now() - info.mtimeMs) / 1000)} s old` : 'unreadable';
    findings.add('leftover-upload', layout.upload(id), `upload session (${age})`);
  }
  for (const temp of await readdirOrEmpty(layout.ingest)) {
    findings.add('leftover-temp', join(layout.ingest, temp), 'temporary file of an interrupted write');
  }
}

async function readdirOrEmpty(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).sort();
  } catch (error) {
    if (isErrorCode(error, 'ENOENT')) return [];
    throw error;
  }
}
