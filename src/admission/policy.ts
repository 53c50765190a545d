/**
 * The admission policy: which namespaces and images are checked and what a failed check does.
 * Trust itself (which signatures count) is decided by the Notation trust policy and trust store;
 * this file only adds the Kubernetes side. YAML or JSON, validated with field-named errors.
 *
 * @example
 * apiVersion: portcullis.dev/v1alpha1
 * kind: AdmissionPolicy
 * namespaces: { exclude: [kube-system, portcullis-system] }
 * exemptImages: ["registry.k8s.io/pause:*"]
 * defaults: { mode: enforce, pinDigests: true, failurePolicy: Fail, multiArch: index }
 * rules:
 *   - { name: staging-audit, namespaces: ["staging-*"], mode: audit }
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AdmissionError } from './errors.js';
import { MAX_POLICY_BYTES, MAX_POLICY_ENTRIES } from './limits.js';

/** `enforce` denies, `audit` allows and records an audit annotation, `warn` allows with a warning. */
export type EnforcementMode = 'enforce' | 'audit' | 'warn';
/** What a failure that is not a verdict (registry down, time budget spent) does: `Fail` treats it as unverified, `Ignore` allows with a warning. */
export type FailurePolicy = 'Fail' | 'Ignore';
/** `index`: the digest the tag resolves to must be signed (every other tool's behaviour); `all`: an index and each of its platform manifests must be. */
export type MultiArchMode = 'index' | 'all';

export interface RuleSettings {
  readonly mode: EnforcementMode;
  readonly pinDigests: boolean;
  readonly failurePolicy: FailurePolicy;
  readonly multiArch: MultiArchMode;
}

export interface PolicyRule extends RuleSettings {
  readonly name: string;
  /** Globs; empty means every namespace. */
  readonly namespaces: readonly string[];
  /** Globs over image references; empty means every image. */
  readonly images: readonly string[];
}

export interface AdmissionPolicy {
  readonly namespaces: { readonly include: readonly string[]; readonly exclude: readonly string[] };
  readonly exemptImages: readonly string[];
  readonly defaults: RuleSettings;
  readonly rules: readonly PolicyRule[];
}

/** The rule that applied: a named rule, or `default`. */
export interface AppliedRule extends RuleSettings {
  readonly name: string;
}

export const DEFAULT_RULE_SETTINGS: RuleSettings = Object.freeze({
  mode: 'enforce',
  pinDigests: true,
  failurePolicy: 'Fail',
  multiArch: 'index',
});

/** Without a policy file: every namespace, no exemption, enforce. */
export const DEFAULT_POLICY: AdmissionPolicy = Object.freeze({
  namespaces: { include: [], exclude: [] },
  exemptImages: [],
  defaults: DEFAULT_RULE_SETTINGS,
  rules: [],
});

const pattern = z.string().min(1).max(512);
const patterns = z.array(pattern).max(MAX_POLICY_ENTRIES);
const mode = z.enum(['enforce', 'audit', 'warn']);
const failurePolicy = z.enum(['Fail', 'Ignore']);
const multiArch = z.enum(['index', 'all']);
const settings = {
  mode: mode.optional(),
  pinDigests: z.boolean().optional(),
  failurePolicy: failurePolicy.optional(),
  multiArch: multiArch.optional(),
};

const schema = z.strictObject({
  apiVersion: z.literal('portcullis.dev/v1alpha1').optional(),
  kind: z.literal('AdmissionPolicy').optional(),
  namespaces: z.strictObject({ include: patterns.optional(), exclude: patterns.optional() }).optional(),
  exemptImages: patterns.optional(),
  defaults: z.strictObject(settings).optional(),
  rules: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(253),
        namespaces: patterns.optional(),
        images: patterns.optional(),
        ...settings,
      }),
    )
    .max(MAX_POLICY_ENTRIES)
    .optional(),
});

function invalid(source: string, problem: string, cause?: unknown): never {
  throw new AdmissionError('ERR_ADMISSION_POLICY_INVALID', `invalid admission policy ${source}: ${problem}`, { cause });
}

/** `rules[2].mode` */
export function fieldPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : text === '' ? String(key) : `.${String(key)}`;
  return text === '' ? '(document)' : text;
}

/** The first problems zod found, each naming its field. */
export function describeIssues(error: z.ZodError, limit = 5, prefix: readonly PropertyKey[] = []): string {
  return error.issues
    .slice(0, limit)
    .map((issue) => `${fieldPath([...prefix, ...issue.path])}: ${issue.message}`)
    .join('; ');
}

/**
 * Parses and validates a policy document (YAML 1.2 or JSON, one document).
 * @throws AdmissionError `ERR_ADMISSION_POLICY_INVALID` naming the field
 */
export function parseAdmissionPolicy(bytes: Uint8Array | string, source = '(inline)'): AdmissionPolicy {
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
  if (size > MAX_POLICY_BYTES) invalid(source, `larger than ${MAX_POLICY_BYTES} bytes`);
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
  let document: unknown;
  try {
    // maxAliasCount bounds "billion laughs" alias expansion.
    document = parseYaml(text, { maxAliasCount: 100, prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    invalid(source, `not valid YAML: ${(error as Error).message.split('\n')[0]}`, error);
  }
  if (document === null || document === undefined) document = {};
  const parsed = schema.safeParse(document);
  if (!parsed.success) invalid(source, describeIssues(parsed.error));
  const value = parsed.data;
  const defaults: RuleSettings = { ...DEFAULT_RULE_SETTINGS, ...stripUndefined(value.defaults ?? {}) };
  const names = new Set<string>();
  const rules = (value.rules ?? []).map((rule, index): PolicyRule => {
    if (names.has(rule.name)) invalid(source, `rules[${index}].name: "${rule.name}" is used by an earlier rule`);
    names.add(rule.name);
    return {
      ...defaults,
      ...stripUndefined({ mode: rule.mode, pinDigests: rule.pinDigests, failurePolicy: rule.failurePolicy, multiArch: rule.multiArch }),
      name: rule.name,
      namespaces: rule.namespaces ?? [],
      images: rule.images ?? [],
    };
  });
  return {
    namespaces: { include: value.namespaces?.include ?? [], exclude: value.namespaces?.exclude ?? [] },
    exemptImages: value.exemptImages ?? [],
    defaults,
    rules,
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

const globCache = new Map<string, RegExp>();

/** `*` matches any run of characters (slashes included), `?` one character; everything else is literal. */
export function globMatch(glob: string, value: string): boolean {
  let regex = globCache.get(glob);
  if (regex === undefined) {
    const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    regex = new RegExp(`^${source}$`);
    if (globCache.size > 10_000) globCache.clear();
    globCache.set(glob, regex);
  }
  return regex.test(value);
}

function anyMatch(globs: readonly string[], values: readonly string[]): boolean {
  return globs.some((glob) => values.some((value) => globMatch(glob, value)));
}

/** Whether requests in `namespace` are checked at all. Cluster-scoped objects (no namespace) count as `""`. */
export function namespaceIncluded(policy: AdmissionPolicy, namespace: string): boolean {
  if (policy.namespaces.exclude.some((glob) => globMatch(glob, namespace))) return false;
  return policy.namespaces.include.length === 0 || policy.namespaces.include.some((glob) => globMatch(glob, namespace));
}

/**
 * Whether an image is exempt. Patterns are matched against the image as written in the pod and
 * as normalised (`nginx` → `docker.io/library/nginx:latest`), so either spelling works.
 */
export function isExempt(policy: AdmissionPolicy, imageSpellings: readonly string[]): boolean {
  return anyMatch(policy.exemptImages, imageSpellings);
}

/** The AppliedRule of each rule and of each policy's defaults, built once: selectRule runs per image per request. */
const appliedRules = new WeakMap<object, AppliedRule>();

function applied(key: PolicyRule | RuleSettings, build: () => AppliedRule): AppliedRule {
  let rule = appliedRules.get(key);
  if (rule === undefined) {
    rule = Object.freeze(build());
    appliedRules.set(key, rule);
  }
  return rule;
}

/** The first rule whose namespaces and images match, else the defaults. */
export function selectRule(policy: AdmissionPolicy, namespace: string, imageSpellings: readonly string[]): AppliedRule {
  for (const rule of policy.rules) {
    const namespaceMatches = rule.namespaces.length === 0 || rule.namespaces.some((glob) => globMatch(glob, namespace));
    if (namespaceMatches && (rule.images.length === 0 || anyMatch(rule.images, imageSpellings))) {
      return applied(rule, () => ({ name: rule.name, mode: rule.mode, pinDigests: rule.pinDigests, failurePolicy: rule.failurePolicy, multiArch: rule.multiArch }));
    }
  }
  return applied(policy.defaults, () => ({ name: 'default', ...policy.defaults }));
}
