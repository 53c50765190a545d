/**
 * Trust policy and trust store (Notary Project trust-store-trust-policy.md), with Notation's
 * validation rules and messages. Pure: no file access of its own.
 */
export * from './policy/index.js';
