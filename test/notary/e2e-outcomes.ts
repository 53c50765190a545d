/**
 * The expected `notation verify` outcome of each Notation e2e pre-signed layout
 * (shared/conformance/notation-e2e README § 2, "Expected verification outcome"):
 * [layout, certificate in trust store ca:e2e, trust policy file, expectation], where the
 * expectation is `success`, `skip`, `fail:<check enforced and failed>` or `warn:<check logged>`.
 */
export const E2E_OUTCOMES: readonly (readonly [string, string, string, string])[] = [
  ['e2e-valid-signature', 'e2e.crt', 'trustpolicy.json', 'success'],
  ['e2e-valid-signature', 'e2e.crt', 'valid_trusted_identity_trustpolicy.json', 'success'],
  ['e2e-valid-signature', 'e2e.crt', 'multi_statements_with_wildcard_registry_scope_trustpolicy.json', 'success'],
  ['e2e-valid-signature', 'new_e2e.crt', 'trustpolicy.json', 'fail:authenticity'],
  ['e2e-valid-signature', 'new_e2e.crt', 'permissive_trustpolicy.json', 'fail:authenticity'],
  ['e2e-valid-signature', 'new_e2e.crt', 'override_audit_trustpolicy.json', 'fail:authenticity'],
  ['e2e-valid-signature', 'new_e2e.crt', 'audit_trustpolicy.json', 'warn:authenticity'],
  ['e2e-valid-signature', 'new_e2e.crt', 'override_strict_trustpolicy.json', 'warn:authenticity'],
  ['e2e-valid-signature', 'new_e2e.crt', 'override_permissive_trustpolicy.json', 'warn:authenticity'],
  ['e2e-valid-multiple-signatures', 'e2e.crt', 'trustpolicy.json', 'success'],
  ['e2e-expired-signature', 'e2e.crt', 'trustpolicy.json', 'fail:expiry'],
  ['e2e-expired-signature', 'e2e.crt', 'override_permissive_trustpolicy.json', 'fail:expiry'],
  ['e2e-expired-signature', 'e2e.crt', 'override_audit_trustpolicy.json', 'fail:expiry'],
  ['e2e-expired-signature', 'e2e.crt', 'permissive_trustpolicy.json', 'warn:expiry'],
  ['e2e-expired-signature', 'e2e.crt', 'audit_trustpolicy.json', 'warn:expiry'],
  ['e2e-expired-signature', 'e2e.crt', 'override_strict_trustpolicy.json', 'warn:expiry'],
  ['e2e-invalid-signature', 'e2e.crt', 'trustpolicy.json', 'fail:integrity'],
  ['e2e-invalid-signature', 'e2e.crt', 'permissive_trustpolicy.json', 'fail:integrity'],
  ['e2e-invalid-signature', 'e2e.crt', 'audit_trustpolicy.json', 'fail:integrity'],
  ['e2e-invalid-signature', 'e2e.crt', 'skip_trustpolicy.json', 'skip'],
  ['e2e-with-expired-cert', 'expired_e2e.crt', 'trustpolicy.json', 'fail:authenticTimestamp'],
  ['e2e-with-expired-cert', 'expired_e2e.crt', 'permissive_trustpolicy.json', 'warn:authenticTimestamp'],
  ['e2e-with-expired-cert', 'expired_e2e.crt', 'audit_trustpolicy.json', 'warn:authenticTimestamp'],
  ['e2e-with-expired-cert', 'expired_e2e.crt', 'override_strict_trustpolicy.json', 'warn:authenticTimestamp'],
];
