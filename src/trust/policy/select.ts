/**
 * Choosing the statement that governs an artifact (trust-store-trust-policy.md, "Selecting a
 * trust policy based on artifact URI"; notation-go `GetApplicableTrustPolicy`).
 */
import { goQuote } from '../../gocompat/index.js';
import { TrustError } from '../../errors.js';
import {
  TRUST_POLICY_LINK,
  type BlobTrustPolicyDocument,
  type BlobTrustPolicyStatement,
  type OCITrustPolicyDocument,
  type OCITrustPolicyStatement,
} from './document.js';
import { validateRegistryScopeFormat } from './registry-scope.js';
import { WILDCARD } from './validate.js';

/**
 * The registry scope of a digest reference: everything before the last `@`
 * (`localhost:5000/net-monitor@sha256:…` → `localhost:5000/net-monitor`). No normalisation is
 * done (`docker.io/library/x`, not `x`); a reference without a digest is refused, so resolve tags
 * first.
 * @throws TrustError `ERR_TRUST_POLICY_INVALID_ARTIFACT`
 */
export function artifactRegistryScope(artifactReference: string): string {
  const at = artifactReference.lastIndexOf('@');
  if (at < 0) {
    throw new TrustError(
      'ERR_TRUST_POLICY_INVALID_ARTIFACT',
      `artifact URI ${goQuote(artifactReference)} could not be parsed, make sure it is the fully qualified oci artifact URI without the scheme/protocol. e.g domain.com:80/my/repository@sha256:digest`,
    );
  }
  const scope = artifactReference.slice(0, at);
  const problem = validateRegistryScopeFormat(scope);
  if (problem !== undefined) throw new TrustError('ERR_TRUST_POLICY_INVALID_ARTIFACT', problem);
  return scope;
}

/**
 * The statement of a validated OCI document that applies to `artifactReference`
 * (`registry/repository@digest`): the statement listing the exact scope, else the `*` statement.
 * @throws TrustError `ERR_TRUST_POLICY_NO_MATCH` | `ERR_TRUST_POLICY_INVALID_ARTIFACT`
 * @example
 * const statement = selectOCITrustPolicy(doc, 'localhost:5000/net-monitor@sha256:b8479d…');
 * const level = getVerificationLevel(statement.signatureVerification);
 */
export function selectOCITrustPolicy(document: OCITrustPolicyDocument, artifactReference: string): OCITrustPolicyStatement {
  const scope = artifactRegistryScope(artifactReference);
  let wildcard: OCITrustPolicyStatement | undefined;
  let exact: OCITrustPolicyStatement | undefined;
  // Go keeps the last match of each kind; a validated document has at most one of each.
  for (const statement of document.trustPolicies ?? []) {
    const scopes = statement.registryScopes ?? [];
    if (scopes.includes(WILDCARD)) wildcard = statement;
    else if (scopes.includes(scope)) exact = statement;
  }
  const chosen = exact ?? wildcard;
  if (chosen === undefined) {
    throw new TrustError(
      'ERR_TRUST_POLICY_NO_MATCH',
      `artifact ${goQuote(artifactReference)} has no applicable oci trust policy statement. Trust policy applicability for a given artifact is determined by registryScopes. To create a trust policy, see: ${TRUST_POLICY_LINK}`,
    );
  }
  return chosen;
}

/**
 * The blob statement to use: the one named `policyName`, or the global statement when no name
 * is given (`undefined` or `''`), as `notation blob verify [--policy-name]` does.
 * @throws TrustError `ERR_TRUST_POLICY_NO_MATCH`
 */
export function selectBlobTrustPolicy(document: BlobTrustPolicyDocument, policyName?: string): BlobTrustPolicyStatement {
  const statements = document.trustPolicies ?? [];
  if (policyName === undefined || policyName === '') {
    const global = statements.find((s) => s.globalPolicy);
    if (global === undefined) throw new TrustError('ERR_TRUST_POLICY_NO_MATCH', 'no global blob trust policy');
    return global;
  }
  if (policyName.trim() === '') throw new TrustError('ERR_TRUST_POLICY_NO_MATCH', 'policy name cannot be empty');
  const named = statements.find((s) => s.name === policyName);
  if (named === undefined) {
    throw new TrustError('ERR_TRUST_POLICY_NO_MATCH', `no applicable blob trust policy with name ${goQuote(policyName)}`);
  }
  return named;
}
