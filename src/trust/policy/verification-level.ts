/**
 * Verification levels and custom overrides (Notary Project trust-store-trust-policy.md,
 * "Signature Verification details"; notation-go `GetVerificationLevel`).
 */
import { goQuote, goQuoteList } from '../../gocompat/index.js';
import type { SignatureVerification } from './document.js';

/** The checks a verification runs, in the spec's vocabulary. */
export type ValidationType = 'integrity' | 'authenticity' | 'authenticTimestamp' | 'expiry' | 'revocation';

/** What a failed check does: abort (`enforce`), warn (`log`), or the check is not run (`skip`). */
export type ValidationAction = 'enforce' | 'log' | 'skip';

/** The preset levels a policy statement names. */
export type VerificationLevelName = 'strict' | 'permissive' | 'audit' | 'skip';

/** `verifyTimestamp` values; absent means `always`. */
export type TimestampOption = 'always' | 'afterCertExpiry';

/** A level with the action of each check; `custom` when overrides were applied. */
export interface VerificationLevel {
  readonly name: VerificationLevelName | 'custom';
  readonly enforcement: Readonly<Record<ValidationType, ValidationAction>>;
}

/** In notation-go's order, which its error messages print. */
export const VALIDATION_TYPES: readonly ValidationType[] = [
  'integrity',
  'authenticity',
  'authenticTimestamp',
  'expiry',
  'revocation',
];

export const VALIDATION_ACTIONS: readonly ValidationAction[] = ['enforce', 'log', 'skip'];

export const TIMESTAMP_OPTIONS: readonly TimestampOption[] = ['always', 'afterCertExpiry'];

const level = (
  name: VerificationLevelName,
  authenticity: ValidationAction,
  others: ValidationAction,
  integrity: ValidationAction = 'enforce',
): VerificationLevel =>
  Object.freeze({
    name,
    enforcement: Object.freeze({
      integrity,
      authenticity,
      authenticTimestamp: others,
      expiry: others,
      revocation: others,
    }),
  });

export const LEVEL_STRICT = level('strict', 'enforce', 'enforce');
export const LEVEL_PERMISSIVE = level('permissive', 'enforce', 'log');
export const LEVEL_AUDIT = level('audit', 'log', 'log');
export const LEVEL_SKIP = level('skip', 'skip', 'skip', 'skip');

export const VERIFICATION_LEVELS: readonly VerificationLevel[] = [LEVEL_STRICT, LEVEL_PERMISSIVE, LEVEL_AUDIT, LEVEL_SKIP];

/**
 * The level a `signatureVerification` block resolves to, overrides applied.
 * Messages are notation-go's. Overrides are checked in document order (Go walks a map, so when
 * several are wrong the one it reports varies from run to run).
 * @throws Error with notation-go's message
 */
export function getVerificationLevel(signatureVerification: SignatureVerification): VerificationLevel {
  const levelName = signatureVerification.level;
  if (levelName === '') {
    throw new Error('signature verification level is empty or missing in the trust policy statement');
  }
  const base = VERIFICATION_LEVELS.find((l) => l.name === levelName);
  if (base === undefined) {
    throw new Error(`invalid signature verification level ${goQuote(levelName)}`);
  }
  const override = signatureVerification.override;
  if (override === null || override.size === 0) return base;
  if (base === LEVEL_SKIP) {
    throw new Error(`signature verification level ${goQuote(base.name)} can't be used to customize signature verification`);
  }
  const enforcement: Record<ValidationType, ValidationAction> = { ...base.enforcement };
  for (const [key, value] of override) {
    const type = VALIDATION_TYPES.find((t) => t === key);
    if (type === undefined) {
      throw new Error(
        `verification type ${goQuote(key)} in custom signature verification is not supported, supported values are ${goQuoteList(VALIDATION_TYPES)}`,
      );
    }
    const action = VALIDATION_ACTIONS.find((a) => a === value);
    if (action === undefined) {
      throw new Error(
        `verification action ${goQuote(value)} in custom signature verification is not supported, supported values are ${goQuoteList(VALIDATION_ACTIONS)}`,
      );
    }
    if (type === 'integrity') {
      throw new Error(`${goQuote(key)} verification can not be overridden in custom signature verification`);
    }
    if (type !== 'revocation' && action === 'skip') {
      throw new Error(`${goQuote(key)} verification can not be skipped in custom signature verification`);
    }
    enforcement[type] = action;
  }
  return Object.freeze({ name: 'custom', enforcement: Object.freeze(enforcement) });
}
