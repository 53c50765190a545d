/**
 * Trust policy and trust store (Notary Project trust-store-trust-policy.md), with Notation's
 * validation rules and messages. Pure: file access goes through the {@link TrustStoreDirectory}
 * port (node:fs implementation in src/config).
 */
export * from './policy/index.js';
export * from './store/index.js';
