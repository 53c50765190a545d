/**
 * The admission core, shared by the HTTPS server, the Gatekeeper provider and the offline
 * `admission review`: which images a request runs, resolved to digests, verified once per
 * (registry scope, digest, trust material version) with the verdict cached, and judged by the
 * admission policy into an AdmissionReview response.
 */
import { Limiter } from '../content/index.js';
import {
  formatReference,
  isIndexMediaType,
  parseDockerReference,
  parseManifest,
  type Descriptor,
  type Digest,
  type Reference,
} from '../oci/index.js';
import { TieredCache, type CacheSource } from './cache.js';
import { AdmissionError } from './errors.js';
import { changedImages, extractImages, isWorkloadKind, type ContainerImage, type ContainerType } from './images.js';
import { MAX_IMAGES_PER_REQUEST, MAX_PLATFORMS, MAX_WARNING_LENGTH } from './limits.js';
import { errorMessage, silentAdmissionLogger, type AdmissionLogger } from './log.js';
import type { AdmissionMetrics } from './metrics.js';
import { createNotaryVerifier } from './notary-verifier.js';
import { DEFAULT_POLICY, isExempt, namespaceIncluded, selectRule, type AdmissionPolicy, type AppliedRule } from './policy.js';
import { NO_REQUEST_CREDENTIALS, type PullSecretResolver, type RegistryAccess, type RequestCredentials } from './registry-access.js';
import type { AdmissionResponse, AdmissionReviewRequest, AdmissionReviewResponse } from './review-types.js';
import type { TrustMaterial } from './trust-material.js';
import type { ImageVerdict, ImageVerifier } from './verifier.js';

export type Endpoint = 'validate' | 'mutate';

export interface AdmissionControllerOptions {
  /** Verdicts (memory, optionally shared). Default: memory only. */
  readonly verdictCache?: TieredCache<ImageVerdict>;
  /** Tag → digest resolutions, per credential set. Default: memory only. */
  readonly tagCache?: TieredCache<{ digest: Digest; mediaType: string; size: number }>;
  readonly pullSecrets?: PullSecretResolver;
  readonly metrics?: AdmissionMetrics;
  readonly logger?: AdmissionLogger;
  /** Time budget of one request, below the webhook timeout. Default 8000 ms. */
  readonly timeoutMs?: number;
  /** How long a verified verdict is kept. Default 5 min. */
  readonly positiveTtlMs?: number;
  /** How long a definitive failure (no signature, untrusted) is kept. Default 10 s; transient failures never are. */
  readonly negativeTtlMs?: number;
  /** How long a tag resolution is kept. Default 10 s; 0 resolves every time. */
  readonly tagTtlMs?: number;
  /** Verifications running at once in this process. Default 32. */
  readonly concurrency?: number;
  /** Builds the verifier of a trust material snapshot. Default: src/verify through {@link createNotaryVerifier}. */
  readonly verifierFactory?: (material: TrustMaterial) => ImageVerifier;
}

/** What the controller decided about one image. */
export interface ImageJudgement {
  /** As written in the pod spec. */
  readonly image: string;
  readonly reference?: Reference;
  readonly rule: AppliedRule;
  readonly outcome: 'verified' | 'exempt' | 'unverified' | 'error';
  readonly allowed: boolean;
  /** How the failure was let through, when it was: `audit`, `warn`, or `ignore` (failurePolicy Ignore). */
  readonly letThrough?: 'audit' | 'warn' | 'ignore';
  readonly digest?: Digest;
  readonly verdict?: ImageVerdict;
  /** Where the verdict came from. */
  readonly source?: CacheSource;
  /** One line naming the image, the statement and the failed check. */
  readonly message: string;
}

export interface ControllerState {
  readonly trustMaterial?: TrustMaterial;
  readonly policy: AdmissionPolicy;
}

interface Budget {
  readonly signal: AbortSignal;
  readonly deadline: Promise<'timeout'>;
  readonly timeoutMs: number;
}

/** The plain allow, shared: {@link AdmissionController.#respond} recognises it and writes `{ uid, allowed: true }`. */
const ALLOWED: Omit<AdmissionResponse, 'uid'> = Object.freeze({ allowed: true });

const DEFAULTS = { timeoutMs: 8_000, positiveTtlMs: 300_000, negativeTtlMs: 10_000, tagTtlMs: 10_000, concurrency: 32 };

export class AdmissionController {
  readonly #options: AdmissionControllerOptions & typeof DEFAULTS;
  readonly #verdicts: TieredCache<ImageVerdict>;
  readonly #tags: TieredCache<{ digest: Digest; mediaType: string; size: number }>;
  readonly #limiter: Limiter;
  readonly #logger: AdmissionLogger;
  readonly #registries: RegistryAccess;
  #material: TrustMaterial | undefined;
  #verifier: ImageVerifier | undefined;
  #policy: AdmissionPolicy = DEFAULT_POLICY;

  constructor(registries: RegistryAccess, options: AdmissionControllerOptions = {}) {
    this.#registries = registries;
    this.#options = { ...DEFAULTS, ...stripUndefined(options) } as AdmissionControllerOptions & typeof DEFAULTS;
    this.#verdicts = options.verdictCache ?? new TieredCache<ImageVerdict>();
    this.#tags = options.tagCache ?? new TieredCache();
    this.#limiter = new Limiter(this.#options.concurrency);
    this.#logger = options.logger ?? silentAdmissionLogger;
  }

  get state(): ControllerState {
    return { ...(this.#material && { trustMaterial: this.#material }), policy: this.#policy };
  }

  /** Installs new trust material; the memory cache is dropped when its version changed. */
  setTrustMaterial(material: TrustMaterial): void {
    const changed = this.#material?.version !== material.version;
    this.#material = material;
    this.#verifier = (this.#options.verifierFactory ?? ((m: TrustMaterial) => createNotaryVerifier(m)))(material);
    if (changed) this.#verdicts.clear();
  }

  setPolicy(policy: AdmissionPolicy): void {
    this.#policy = policy;
  }

  /** Answers an AdmissionReview for `/validate` or `/mutate`. Never throws for a verification failure. */
  async admit(review: AdmissionReviewRequest, endpoint: Endpoint): Promise<AdmissionReviewResponse> {
    return this.answer(review, endpoint);
  }

  /**
   * {@link admit} without a promise when none is needed: a request that reads no pull secrets and
   * whose images all have their verdict in memory (the warm path) is answered synchronously, with
   * no timer and no microtask. Otherwise the answer comes as a promise. An invalid request throws,
   * synchronously or through the promise.
   */
  answer(review: AdmissionReviewRequest, endpoint: Endpoint): AdmissionReviewResponse | Promise<AdmissionReviewResponse> {
    const started = performance.now();
    const request = review.request;
    if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return this.#respond(review, endpoint, started, ALLOWED, [], `${request.operation} is not checked`);
    const kind = request.kind.kind;
    let only: ContainerType | undefined;
    if (request.subResource) {
      if (request.resource.resource === 'pods' && request.subResource === 'ephemeralcontainers') only = 'ephemeralContainers';
      else return this.#respond(review, endpoint, started, ALLOWED, [], `subresource ${request.subResource} is not checked`);
    }
    if (!isWorkloadKind(kind)) return this.#respond(review, endpoint, started, ALLOWED, [], `kind ${kind} runs no images`);
    const namespace = request.namespace ?? namespaceOf(request.object) ?? '';
    if (!namespaceIncluded(this.#policy, namespace)) return this.#respond(review, endpoint, started, ALLOWED, [], `namespace ${namespace} is excluded`);

    const current = extractImages(kind, request.object, 'object', only);
    let toCheck: readonly ContainerImage[] = current.images;
    if (request.operation === 'UPDATE' && request.oldObject) {
      // An image that already ran at the same place was admitted before: re-checking it would block
      // label edits and finalizer removal of running workloads whenever trust changes.
      let previous: readonly ContainerImage[] = [];
      try {
        previous = extractImages(kind, request.oldObject, 'oldObject', only).images;
      } catch {
        previous = [];
      }
      toCheck = changedImages(current.images, previous);
    }
    const unique = distinctImages(toCheck);
    if (unique.length > MAX_IMAGES_PER_REQUEST) {
      return this.#respond(review, endpoint, started, { allowed: false, status: forbidden(`the object has ${unique.length} distinct images, more than the limit of ${MAX_IMAGES_PER_REQUEST}`) });
    }
    if (unique.length === 0) return this.#respond(review, endpoint, started, ALLOWED, [], 'no new images');

    if (this.#options.pullSecrets !== undefined && namespace !== '') {
      return this.#credentials(namespace, current.imagePullSecrets, current.serviceAccountName, request.uid)
        .then((credentials) => this.#judge(unique, namespace, credentials))
        .then((judgements) => this.#conclude(review, endpoint, started, toCheck, judgements));
    }
    const judgements = this.#judge(unique, namespace, NO_REQUEST_CREDENTIALS);
    if (Array.isArray(judgements)) return this.#conclude(review, endpoint, started, toCheck, judgements);
    return (judgements as Promise<ImageJudgement[]>).then((judged) => this.#conclude(review, endpoint, started, toCheck, judged));
  }

  /** The response to a request whose images were judged: a JSONPatch for `/mutate`, the decision, warnings and audit annotations for `/validate`. */
  #conclude(review: AdmissionReviewRequest, endpoint: Endpoint, started: number, toCheck: readonly ContainerImage[], judgements: readonly ImageJudgement[]): AdmissionReviewResponse {
    if (endpoint === 'mutate') {
      const byImage = new Map(judgements.map((judgement) => [judgement.image, judgement]));
      const patch = toCheck.flatMap((entry) => {
        const judgement = byImage.get(entry.image);
        if (judgement?.outcome !== 'verified' || !judgement.rule.pinDigests || judgement.reference?.digest !== undefined) return [];
        return [{ op: 'replace', path: entry.path, value: pinnedImage(entry.image, judgement.digest!) }];
      });
      const response: Omit<AdmissionResponse, 'uid'> =
        patch.length === 0 ? ALLOWED : { allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') };
      return this.#respond(review, endpoint, started, response, judgements);
    }

    // The common case, every image allowed with nothing to report, without the filtering below.
    if (judgements.every((judgement) => judgement.allowed && judgement.letThrough === undefined)) return this.#respond(review, endpoint, started, ALLOWED, judgements);
    const denied = judgements.filter((judgement) => !judgement.allowed);
    const warnings = judgements
      .filter((judgement) => judgement.letThrough === 'warn' || judgement.letThrough === 'ignore')
      .map((judgement) => truncate(`${judgement.letThrough === 'ignore' ? 'not verified (failurePolicy Ignore)' : 'not verified'}: ${judgement.message}`));
    const audited = judgements.filter((judgement) => judgement.letThrough === 'audit');
    const auditAnnotations = audited.length === 0 ? undefined : { 'unverified-images': audited.map((judgement) => judgement.message).join('; ').slice(0, 4096) };
    if (denied.length > 0) {
      return this.#respond(
        review,
        endpoint,
        started,
        { allowed: false, status: forbidden(denied.map((judgement) => judgement.message).join('; ')), ...(warnings.length > 0 && { warnings }) },
        judgements,
      );
    }
    return this.#respond(review, endpoint, started, { allowed: true, ...(warnings.length > 0 && { warnings }), ...(auditAnnotations && { auditAnnotations }) }, judgements);
  }

  /** Counts, logs and wraps one answer. */
  #respond(
    review: AdmissionReviewRequest,
    endpoint: Endpoint,
    started: number,
    response: Omit<AdmissionResponse, 'uid'>,
    judgements: readonly ImageJudgement[] = [],
    note?: string,
  ): AdmissionReviewResponse {
    const request = review.request;
    const decision = response.allowed ? 'allowed' : 'denied';
    const seconds = (performance.now() - started) / 1000;
    const metrics = this.#options.metrics;
    if (metrics !== undefined) {
      metrics.requests.inc({ endpoint, decision });
      metrics.requestDuration.observe({ endpoint, decision }, seconds);
    }
    if (this.#logger !== silentAdmissionLogger) {
      const images = [];
      for (const judgement of judgements) {
        images.push(
          judgement.outcome !== 'verified' && judgement.outcome !== 'exempt'
            ? { image: judgement.image, digest: judgement.digest, outcome: judgement.outcome, rule: judgement.rule.name, mode: judgement.rule.mode, cache: judgement.source, reason: judgement.message }
            : { image: judgement.image, digest: judgement.digest, outcome: judgement.outcome, rule: judgement.rule.name, mode: judgement.rule.mode, cache: judgement.source },
        );
      }
      this.#logger('info', 'admission', {
        uid: request.uid,
        endpoint,
        kind: request.kind.kind,
        subResource: request.subResource || undefined,
        namespace: request.namespace,
        name: request.name || undefined,
        operation: request.operation,
        dryRun: request.dryRun ?? false,
        decision,
        ...(note !== undefined && { note }),
        images,
        durationMs: Math.round(seconds * 10_000) / 10,
      });
    }
    return { apiVersion: review.apiVersion, kind: 'AdmissionReview', response: response === ALLOWED ? { uid: request.uid, allowed: true } : { uid: request.uid, ...response } };
  }

  /** Judges distinct images of one request concurrently, within the time budget. */
  async judge(images: readonly string[], namespace: string, credentials: RequestCredentials = NO_REQUEST_CREDENTIALS): Promise<ImageJudgement[]> {
    return this.#judge(images, namespace, credentials);
  }

  /** {@link judge}, synchronous when every verdict is in memory: no timer, no promise per image. */
  #judge(images: readonly string[], namespace: string, credentials: RequestCredentials): ImageJudgement[] | Promise<ImageJudgement[]> {
    const fromMemory: Array<ImageJudgement | undefined> = [];
    let complete = true;
    for (const image of images) {
      const judgement = this.#judgeFromMemory(image, namespace, credentials);
      if (judgement === undefined) complete = false;
      fromMemory.push(judgement);
    }
    if (complete) return fromMemory as ImageJudgement[];
    return this.#judgeWithBudget(images, fromMemory, namespace, credentials);
  }

  async #judgeWithBudget(images: readonly string[], fromMemory: ReadonlyArray<ImageJudgement | undefined>, namespace: string, credentials: RequestCredentials): Promise<ImageJudgement[]> {
    const budget = this.#budget();
    try {
      return await Promise.all(images.map((image, index) => fromMemory[index] ?? this.#judgeOne(image, namespace, credentials, budget)));
    } finally {
      budget.cancel();
    }
  }

  /** The judgement when the reference parses and its verdict (and tag resolution) are in memory; undefined otherwise. */
  #judgeFromMemory(image: string, namespace: string, credentials: RequestCredentials): ImageJudgement | undefined {
    const material = this.#material;
    const parsed = parseCached(image);
    if (parsed === undefined || material === undefined) return undefined;
    const policy = this.#policy;
    if (policy.exemptImages.length > 0 && isExempt(policy, parsed.spellings)) return undefined;
    const rule = selectRule(policy, namespace, parsed.spellings);
    let digest = parsed.value.digest;
    if (digest === undefined) {
      const resolved = this.#tags.peek(parsed.tagKey(credentials.fingerprint));
      if (resolved === undefined) return undefined;
      digest = resolved.digest;
    }
    const verdict = this.#verdicts.peek(parsed.verdictKey(material.version, rule.multiArch, digest));
    if (verdict === undefined) return undefined;
    this.#options.metrics?.cacheLookups.inc({ layer: 'memory', result: 'hit' });
    return this.#decide(image, parsed.value, rule, verdict, 'memory');
  }

  /** Resolves an image to `name:tag@digest` (the Gatekeeper mutation provider); throws when it cannot. */
  async pin(image: string, credentials: RequestCredentials = NO_REQUEST_CREDENTIALS): Promise<string> {
    const reference = parseDockerReference(image);
    if (reference.digest !== undefined) return image;
    const budget = this.#budget();
    try {
      const resolved = await Promise.race([this.#resolveTag(reference, credentials), budget.deadline]);
      if (resolved === 'timeout') throw new AdmissionError('ERR_ADMISSION_CONFIG', `resolving ${image} did not finish within ${budget.timeoutMs} ms`);
      return pinnedImage(image, resolved.digest);
    } finally {
      budget.cancel();
    }
  }

  async #credentials(namespace: string, pullSecrets: readonly string[], serviceAccount: string, uid: string): Promise<RequestCredentials> {
    if (this.#options.pullSecrets === undefined || namespace === '') return NO_REQUEST_CREDENTIALS;
    try {
      return await this.#options.pullSecrets.resolve(namespace, pullSecrets, serviceAccount);
    } catch (error) {
      this.#logger('warn', 'cannot read pull secrets; using the mounted credentials only', { uid, namespace, error: errorMessage(error) });
      return NO_REQUEST_CREDENTIALS;
    }
  }

  #budget(): Budget & { cancel(): void } {
    const controller = new AbortController();
    const timeoutMs = this.#options.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error('admission time budget spent'));
        resolve('timeout');
      }, timeoutMs);
    });
    return { signal: controller.signal, deadline, timeoutMs, cancel: () => clearTimeout(timer) };
  }

  async #judgeOne(image: string, namespace: string, credentials: RequestCredentials, budget: Budget): Promise<ImageJudgement> {
    const policy = this.#policy;
    let reference: Reference;
    try {
      reference = parseDockerReference(image);
    } catch (error) {
      const rule = selectRule(policy, namespace, [image]);
      const verdict: ImageVerdict = { verified: false, digest: '' as Digest, transient: false, failedCheck: 'registry', reason: `invalid image reference: ${errorMessage(error)}` };
      return this.#decide(image, undefined, rule, verdict, undefined);
    }
    const spellings = [image, formatReference(reference)];
    const rule = selectRule(policy, namespace, spellings);
    if (isExempt(policy, spellings)) {
      this.#options.metrics?.images.inc({ mode: rule.mode, outcome: 'exempt' });
      return { image, reference, rule, outcome: 'exempt', allowed: true, message: `image "${image}" is exempt by the admission policy` };
    }
    const material = this.#material;
    const verifier = this.#verifier;
    if (material === undefined || verifier === undefined) {
      const verdict: ImageVerdict = { verified: false, digest: (reference.digest ?? '') as Digest, transient: true, failedCheck: 'trustPolicy', reason: 'no trust material is loaded' };
      return this.#decide(image, reference, rule, verdict, undefined);
    }
    const work = this.#verdictFor(reference, rule, credentials, material, verifier, budget.signal);
    const raced = await Promise.race([work, budget.deadline]);
    if (raced === 'timeout') {
      // The verification goes on and fills the cache: a retry of this request will be fast.
      work.catch(() => undefined);
      const verdict: ImageVerdict = {
        verified: false,
        digest: (reference.digest ?? '') as Digest,
        transient: true,
        failedCheck: 'timeout',
        reason: `verification did not finish within the ${budget.timeoutMs} ms time budget`,
      };
      return this.#decide(image, reference, rule, verdict, undefined);
    }
    return this.#decide(image, reference, rule, raced.verdict, raced.source);
  }

  async #verdictFor(
    reference: Reference,
    rule: AppliedRule,
    credentials: RequestCredentials,
    material: TrustMaterial,
    verifier: ImageVerifier,
    signal: AbortSignal,
  ): Promise<{ verdict: ImageVerdict; source: CacheSource | undefined }> {
    let descriptor: Descriptor | undefined;
    let digest = reference.digest;
    if (digest === undefined) {
      try {
        const resolved = await this.#resolveTag(reference, credentials);
        digest = resolved.digest;
        descriptor = { mediaType: resolved.mediaType, digest: resolved.digest, size: resolved.size };
      } catch (error) {
        return { verdict: { verified: false, digest: '' as Digest, transient: true, failedCheck: 'registry', reason: errorMessage(error) }, source: undefined };
      }
    }
    const resolvedDigest = digest;
    const scope = `${reference.registry}/${reference.repository}`;
    const key = `${material.version}|${rule.multiArch}|${scope}@${resolvedDigest}`;
    const client = this.#registries.clientFor(credentials);
    const image = {
      scope,
      registry: reference.registry,
      repository: reference.repository,
      ...(reference.tag !== undefined && { tag: reference.tag }),
      digest: resolvedDigest,
      ...(descriptor && { descriptor }),
    };
    const { value, source } = await this.#verdicts.get(key, async () => {
      const started = performance.now();
      const verdict = await this.#limiter.run(async () => {
        const single = await verifier.verify(image, { registryClient: client, signal });
        if (!single.verified || rule.multiArch !== 'all') return single;
        return this.#verifyPlatforms(image, single, credentials, material, verifier, signal);
      });
      const result = verdict.verified ? 'verified' : verdict.transient ? 'error' : 'unverified';
      this.#options.metrics?.verifications.inc({ result });
      this.#options.metrics?.verificationDuration.observe({ result }, (performance.now() - started) / 1000);
      const ttlMs = verdict.verified ? this.#options.positiveTtlMs : verdict.transient ? 0 : this.#options.negativeTtlMs;
      return { value: verdict, ttlMs };
    });
    return { verdict: value, source };
  }

  /** Under `multiArch: all`, an index verifies only when each platform manifest it lists verifies too. */
  async #verifyPlatforms(
    image: { scope: string; registry: string; repository: string; digest: Digest },
    indexVerdict: ImageVerdict,
    credentials: RequestCredentials,
    material: TrustMaterial,
    verifier: ImageVerifier,
    signal: AbortSignal,
  ): Promise<ImageVerdict> {
    const client = this.#registries.clientFor(credentials);
    let children: readonly Descriptor[];
    try {
      const fetched = await client.repository({ registry: image.registry, repository: image.repository }).fetchManifest(image.digest);
      if (!isIndexMediaType(fetched.descriptor.mediaType)) return indexVerdict;
      const parsed = parseManifest(fetched.bytes, fetched.descriptor.mediaType);
      children = parsed.kind === 'index' ? parsed.manifest.manifests : [];
    } catch (error) {
      return { verified: false, digest: image.digest, transient: true, failedCheck: 'registry', reason: errorMessage(error) };
    }
    if (children.length > MAX_PLATFORMS) {
      return { ...indexVerdict, verified: false, failedCheck: 'platform', transient: false, reason: `the index lists ${children.length} manifests, more than ${MAX_PLATFORMS}` };
    }
    const results = await Promise.all(
      children.map(async (child) => {
        const key = `${material.version}|index|${image.scope}@${child.digest}`;
        const { value } = await this.#verdicts.get(key, async () => {
          const verdict = await verifier.verify({ ...image, digest: child.digest, descriptor: child }, { registryClient: client, signal });
          return { value: verdict, ttlMs: verdict.verified ? this.#options.positiveTtlMs : verdict.transient ? 0 : this.#options.negativeTtlMs };
        });
        return { child, verdict: value };
      }),
    );
    const failed = results.find((result) => !result.verdict.verified);
    if (failed === undefined) return indexVerdict;
    const platform = failed.child.platform ? `${failed.child.platform.os}/${failed.child.platform.architecture}${failed.child.platform.variant ? `/${failed.child.platform.variant}` : ''}` : 'unknown platform';
    return {
      ...indexVerdict,
      verified: false,
      failedCheck: 'platform',
      transient: failed.verdict.transient,
      reason: `platform manifest ${platform} (${failed.child.digest}) is not verified: ${failed.verdict.reason}`,
    };
  }

  async #resolveTag(reference: Reference, credentials: RequestCredentials): Promise<{ digest: Digest; mediaType: string; size: number }> {
    const key = `${credentials.fingerprint}|${reference.registry}/${reference.repository}:${reference.tag ?? 'latest'}`;
    const { value } = await this.#tags.get(key, async () => {
      const client = this.#registries.clientFor(credentials);
      const descriptor = await client.repository({ registry: reference.registry, repository: reference.repository }).resolve(reference.tag ?? 'latest');
      return { value: { digest: descriptor.digest, mediaType: descriptor.mediaType, size: descriptor.size }, ttlMs: this.#options.tagTtlMs };
    });
    return value;
  }

  #decide(image: string, reference: Reference | undefined, rule: AppliedRule, verdict: ImageVerdict, source: CacheSource | undefined): ImageJudgement {
    const digest = verdict.digest === '' ? undefined : verdict.digest;
    if (verdict.verified && reference !== undefined && digest !== undefined && source !== undefined) {
      // The warm path's shape, written out: the spread below builds the same object several times slower.
      this.#options.metrics?.images.inc({ mode: rule.mode, outcome: 'verified' });
      return { image, reference, rule, verdict, digest, source, outcome: 'verified', allowed: true, message: `image "${image}" verified` };
    }
    const base = { image, ...(reference && { reference }), rule, verdict, ...(digest && { digest }), ...(source && { source }) };
    if (verdict.verified) {
      this.#options.metrics?.images.inc({ mode: rule.mode, outcome: 'verified' });
      return { ...base, outcome: 'verified', allowed: true, message: `image "${image}" verified` };
    }
    const message = describeFailure(image, verdict);
    const outcome = verdict.transient ? 'error' : 'unverified';
    this.#options.metrics?.images.inc({ mode: rule.mode, outcome });
    if (verdict.transient && rule.failurePolicy === 'Ignore') return { ...base, outcome, allowed: true, letThrough: 'ignore', message };
    switch (rule.mode) {
      case 'enforce':
        return { ...base, outcome, allowed: false, message };
      case 'audit':
        return { ...base, outcome, allowed: true, letThrough: 'audit', message };
      case 'warn':
        return { ...base, outcome, allowed: true, letThrough: 'warn', message };
    }
  }
}

/** `image "reg/app:1" (sha256:…) denied: reason [trust policy statement "s", failed check: authenticity]` */
export function describeFailure(image: string, verdict: ImageVerdict): string {
  const digest = verdict.digest ? ` (${verdict.digest})` : '';
  const facts = [
    verdict.policyStatement !== undefined ? `trust policy statement "${verdict.policyStatement}"` : undefined,
    verdict.failedCheck !== undefined ? `failed check: ${verdict.failedCheck}` : undefined,
  ].filter((fact): fact is string => fact !== undefined);
  return `image "${image}"${digest} is not verified: ${verdict.reason}${facts.length > 0 ? ` [${facts.join(', ')}]` : ''}`;
}

/** `name:tag@digest`, keeping the image's own spelling; an image without a tag gets `:latest`, the tag that was resolved. */
export function pinnedImage(image: string, digest: Digest): string {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = name.lastIndexOf('/');
  const hasTag = name.lastIndexOf(':') > lastSlash;
  return `${name}${hasTag ? '' : ':latest'}@${digest}`;
}

function forbidden(message: string): { code: number; reason: string; message: string } {
  return { code: 403, reason: 'Forbidden', message };
}

function truncate(text: string): string {
  return text.length <= MAX_WARNING_LENGTH ? text : `${text.slice(0, MAX_WARNING_LENGTH - 1)}…`;
}

/**
 * A parsed image reference with the cache keys last built from it. The same few images arrive in
 * every review: a key string kept from one review to the next is hashed once, where a key
 * concatenated per lookup is flattened and hashed each time.
 */
class ParsedImage {
  readonly spellings: readonly string[];
  #tagFingerprint: string | undefined;
  #tagKey = '';
  #verdictVersion: string | undefined;
  #verdictMultiArch: string | undefined;
  #verdictDigest: string | undefined;
  #verdictKey = '';

  constructor(
    image: string,
    readonly value: Reference,
    readonly formatted: string,
  ) {
    this.spellings = Object.freeze([image, formatted]);
  }

  /** The tag cache key: `fingerprint|registry/repository:tag`, as #resolveTag writes it. */
  tagKey(fingerprint: string): string {
    if (this.#tagFingerprint !== fingerprint) {
      this.#tagKey = `${fingerprint}|${this.value.registry}/${this.value.repository}:${this.value.tag ?? 'latest'}`;
      this.#tagFingerprint = fingerprint;
    }
    return this.#tagKey;
  }

  /** The verdict cache key: `version|multiArch|registry/repository@digest`, as #verdictFor writes it. */
  verdictKey(version: string, multiArch: string, digest: string): string {
    if (this.#verdictVersion !== version || this.#verdictMultiArch !== multiArch || this.#verdictDigest !== digest) {
      this.#verdictKey = `${version}|${multiArch}|${this.value.registry}/${this.value.repository}@${digest}`;
      this.#verdictVersion = version;
      this.#verdictMultiArch = multiArch;
      this.#verdictDigest = digest;
    }
    return this.#verdictKey;
  }
}

const parsedReferences = new Map<string, ParsedImage | undefined>();

/** parseDockerReference memoised: the same few images arrive in every review. */
function parseCached(image: string): ParsedImage | undefined {
  const cached = parsedReferences.get(image);
  if (cached !== undefined || parsedReferences.has(image)) return cached;
  let parsed: ParsedImage | undefined;
  try {
    const value = parseDockerReference(image);
    parsed = new ParsedImage(image, value, formatReference(value));
  } catch {
    parsed = undefined;
  }
  if (parsedReferences.size >= 10_000) parsedReferences.delete(parsedReferences.keys().next().value!);
  parsedReferences.set(image, parsed);
  return parsed;
}

/** The distinct images, in order of first appearance; a linear scan for a pod's few containers, a Set beyond. */
function distinctImages(entries: readonly ContainerImage[]): string[] {
  if (entries.length > 16) return [...new Set(entries.map((entry) => entry.image))];
  const images: string[] = [];
  for (const entry of entries) if (!images.includes(entry.image)) images.push(entry.image);
  return images;
}

function namespaceOf(object: unknown): string | undefined {
  const metadata = (object as { metadata?: { namespace?: unknown } } | undefined)?.metadata;
  return typeof metadata?.namespace === 'string' ? metadata.namespace : undefined;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

