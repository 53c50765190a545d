/**
 * Trust policy validation with notation-go's rules, order and messages
 * (verifier/trustpolicy/trustpolicy.go `validatePolicyCore`, oci.go `Validate`, blob.go `Validate`).
 *
 * The first rule broken is reported, checked in the order notation-go checks them:
 * version, statement count, then per statement (duplicate name, name, signatureVerification,
 * verifyTimestamp, stores/identities presence, stores, identities), then for OCI documents the
 * registry scopes of all statements.
 */
import { goQuote } from '../../gocompat/index.js';
import { TrustError } from '../../errors.js';
import { MAX_TRUSTED_IDENTITIES_PER_STATEMENT } from '../../limits.js';
import type {
  BlobTrustPolicyDocument,
  OCITrustPolicyDocument,
  OCITrustPolicyStatement,
  SignatureVerification,
} from './document.js';
import { isSubsetDn, parseDistinguishedName, type DnAttributeMap } from './dn.js';
import { validateRegistryScopeFormat } from './registry-scope.js';
import { getVerificationLevel, TIMESTAMP_OPTIONS } from './verification-level.js';

/** The trust store types of the Notary Project: CA roots, signing-authority roots, TSA roots. */
export type TrustStoreType = 'ca' | 'signingAuthority' | 'tsa';

export const TRUST_STORE_TYPES: readonly TrustStoreType[] = ['ca', 'signingAuthority', 'tsa'];

/** The wildcard for registry scopes and trusted identities. */
export const WILDCARD = '*';

/** The only identity prefix Notation interprets; others are left to plugins. */
export const X509_SUBJECT = 'x509.subject';

/** notation-go `file.IsValidFileName`: named stores (and certificate names in the CLI). */
const VALID_FILE_NAME = /^[a-zA-Z0-9_.-]+$/;

export function isValidTrustStoreName(name: string): boolean {
  return VALID_FILE_NAME.test(name);
}

export function isTrustStoreType(value: string): value is TrustStoreType {
  return (TRUST_STORE_TYPES as readonly string[]).includes(value);
}

const SUPPORTED_VERSIONS: readonly string[] = ['1.0'];

function invalid(message: string): never {
  throw new TrustError('ERR_TRUST_POLICY_INVALID', message);
}

/** Go's `strings.Cut(s, ":")`. */
export function cutColon(value: string): [string, string, boolean] {
  const at = value.indexOf(':');
  return at < 0 ? [value, '', false] : [value.slice(0, at), value.slice(at + 1), true];
}

function validateTrustStores(policyName: string, trustStores: readonly string[]): string | undefined {
  for (const trustStore of trustStores) {
    const [storeType, namedStore, found] = cutColon(trustStore);
    if (!found) {
      return `trust policy statement ${goQuote(policyName)} has malformed trust store value ${goQuote(trustStore)}. The required format is <TrustStoreType>:<TrustStoreName>`;
    }
    if (!isTrustStoreType(storeType)) {
      return `trust policy statement ${goQuote(policyName)} uses an unsupported trust store type ${goQuote(storeType)} in trust store value ${goQuote(trustStore)}`;
    }
    if (!isValidTrustStoreName(namedStore)) {
      return `trust policy statement ${goQuote(policyName)} uses an unsupported trust store name ${goQuote(namedStore)} in trust store value ${goQuote(trustStore)}. Named store name needs to follow [a-zA-Z0-9_.-]+ format`;
    }
  }
  return undefined;
}

function validateTrustedIdentities(policyName: string, identities: readonly string[]): string | undefined {
  if (identities.length > 1 && identities.includes(WILDCARD)) {
    return `trust policy statement ${goQuote(policyName)} uses a wildcard trusted identity '*', a wildcard identity cannot be used in conjunction with other values`;
  }
  const parsed: { raw: string; dn: DnAttributeMap }[] = [];
  for (const identity of identities) {
    if (identity === '') return `trust policy statement ${goQuote(policyName)} has an empty trusted identity`;
    if (identity === WILDCARD) continue;
    const [prefix, value, found] = cutColon(identity);
    if (!found) {
      return `trust policy statement ${goQuote(policyName)} has trusted identity ${goQuote(identity)} missing separator`;
    }
    if (prefix !== X509_SUBJECT) continue; // other prefixes are for plugins
    if (value === '') {
      return `trust policy statement ${goQuote(policyName)} has trusted identity ${goQuote(identity)} without an identity value`;
    }
    try {
      parsed.push({ raw: identity, dn: parseDistinguishedName(value) });
    } catch (error) {
      return `trust policy statement ${goQuote(policyName)} has trusted identity ${goQuote(identity)} with invalid identity value: ${(error as Error).message}`;
    }
  }
  if (parsed.length > MAX_TRUSTED_IDENTITIES_PER_STATEMENT) {
    // Not a Notation rule: bounds the pairwise overlap check below, which is quadratic.
    return `trust policy statement ${goQuote(policyName)} has ${parsed.length} x509.subject trusted identities, more than the limit of ${MAX_TRUSTED_IDENTITIES_PER_STATEMENT}`;
  }
  for (let i = 0; i < parsed.length; i += 1) {
    for (let j = 0; j < parsed.length; j += 1) {
      const a = parsed[i];
      const b = parsed[j];
      if (a !== undefined && b !== undefined && i !== j && isSubsetDn(a.dn, b.dn)) {
        return `trust policy statement ${goQuote(policyName)} has overlapping x509 trustedIdentities, ${goQuote(a.raw)} overlaps with ${goQuote(b.raw)}`;
      }
    }
  }
  return undefined;
}

/** notation-go `validatePolicyCore`; returns the message of the first broken rule. */
function validatePolicyCore(
  name: string,
  signatureVerification: SignatureVerification,
  trustStores: readonly string[] | null,
  trustedIdentities: readonly string[] | null,
): string | undefined {
  if (name === '') return 'a trust policy statement is missing a name, every statement requires a name';
  let levelName: string;
  try {
    levelName = getVerificationLevel(signatureVerification).name;
  } catch (error) {
    return `trust policy statement ${goQuote(name)} has invalid signatureVerification: ${(error as Error).message}`;
  }
  const verifyTimestamp = signatureVerification.verifyTimestamp;
  if (verifyTimestamp !== '' && !(TIMESTAMP_OPTIONS as readonly string[]).includes(verifyTimestamp)) {
    return `trust policy statement ${goQuote(name)} has invalid signatureVerification: verifyTimestamp must be "always" or "afterCertExpiry", but got ${goQuote(verifyTimestamp)}`;
  }
  const stores = trustStores ?? [];
  const identities = trustedIdentities ?? [];
  if (levelName === 'skip') {
    if (stores.length > 0 || identities.length > 0) {
      return `trust policy statement ${goQuote(name)} is set to skip signature verification but configured with trust stores and/or trusted identities, remove them if signature verification needs to be skipped`;
    }
    return undefined;
  }
  if (stores.length === 0 || identities.length === 0) {
    return `trust policy statement ${goQuote(name)} is either missing trust stores or trusted identities, both must be specified`;
  }
  return validateTrustStores(name, stores) ?? validateTrustedIdentities(name, identities);
}

type StatementCore = Pick<OCITrustPolicyStatement, 'name' | 'signatureVerification' | 'trustStores' | 'trustedIdentities'>;

/**
 * What OCI and blob documents share (notation-go checks them in this order in both `Validate`s):
 * version, statement count, then per statement a unique name and `validatePolicyCore`, then
 * `check` for the rules of the document kind.
 */
function validateStatements<S extends StatementCore>(
  kind: 'oci' | 'blob',
  document: { readonly version: string; readonly trustPolicies: readonly S[] | null },
  check: (statement: S) => void = () => undefined,
): readonly S[] {
  const statements = document.trustPolicies ?? [];
  const version = document.version;
  if (version === '') invalid(`${kind} trust policy document has empty version, version must be specified`);
  if (!SUPPORTED_VERSIONS.includes(version)) {
    invalid(`${kind} trust policy document uses unsupported version ${goQuote(version)}`);
  }
  if (statements.length === 0) invalid(`${kind} trust policy document can not have zero trust policy statements`);
  const names = new Set<string>();
  for (const statement of statements) {
    if (names.has(statement.name)) {
      invalid(
        `multiple ${kind} trust policy statements use the same name ${goQuote(statement.name)}, statement names must be unique`,
      );
    }
    const problem = validatePolicyCore(
      statement.name,
      statement.signatureVerification,
      statement.trustStores,
      statement.trustedIdentities,
    );
    if (problem !== undefined) invalid(`${kind} trust policy: ${problem}`);
    check(statement);
    names.add(statement.name);
  }
  return statements;
}

function validateRegistryScopes(statements: readonly OCITrustPolicyStatement[]): void {
  const counts = new Map<string, number>();
  for (const statement of statements) {
    const scopes = statement.registryScopes ?? [];
    if (scopes.length === 0) {
      invalid(
        `oci trust policy statement ${goQuote(statement.name)} has zero registry scopes, it must specify registry scopes with at least one value`,
      );
    }
    if (scopes.length > 1 && scopes.includes(WILDCARD)) {
      invalid(
        `oci trust policy statement ${goQuote(statement.name)} uses wildcard registry scope '*', a wildcard scope cannot be used in conjunction with other scope values`,
      );
    }
    for (const scope of scopes) {
      if (scope !== WILDCARD) {
        const problem = validateRegistryScopeFormat(scope);
        if (problem !== undefined) invalid(problem);
      }
      counts.set(scope, (counts.get(scope) ?? 0) + 1);
    }
  }
  // Go walks a map here, so with several repeated scopes the one it names varies between runs;
  // the first in document order is reported.
  for (const [scope, count] of counts) {
    if (count > 1) {
      invalid(
        `registry scope ${goQuote(scope)} is present in multiple oci trust policy statements, one registry scope value can only be associated with one statement`,
      );
    }
  }
}

/**
 * Validates an OCI trust policy document as notation-go's `OCIDocument.Validate` does.
 * @throws TrustError `ERR_TRUST_POLICY_INVALID` with notation-go's message
 */
export function validateOCITrustPolicyDocument(document: OCITrustPolicyDocument): void {
  validateRegistryScopes(validateStatements('oci', document));
}

/**
 * Validates a blob trust policy document as notation-go's `BlobDocument.Validate` does, plus
 * the spec rule that the global statement cannot be `skip` (notation-go means to check it but its
 * comparison never matches; see the report for this divergence).
 * @throws TrustError `ERR_TRUST_POLICY_INVALID` with notation-go's message
 */
export function validateBlobTrustPolicyDocument(document: BlobTrustPolicyDocument): void {
  let foundGlobal = false;
  validateStatements('blob', document, (statement) => {
    if (!statement.globalPolicy) return;
    if (foundGlobal) {
      invalid(
        'multiple blob trust policy statements have globalPolicy set to true. Only one trust policy statement can be marked as global policy',
      );
    }
    if (statement.signatureVerification.level === 'skip') {
      invalid('global blob trust policy statement cannot have verification level set to skip');
    }
    foundGlobal = true;
  });
}
