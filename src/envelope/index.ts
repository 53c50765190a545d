/**
 * Notary Project signature envelopes: the abstract model, JWS (`application/jose+json`) and
 * COSE_Sign1 (`application/cose`) encodings, signing through a Signer port, and integrity
 * verification. Pure: no I/O, no clock (times are passed in).
 */
export * from './types.js';
export { signEnvelope, verifyEnvelope, envelopeFormatOf, sniffEnvelopeFormat } from './envelope.js';
export type { VerifyEnvelopeOptions } from './common.js';
export type { SignEnvelopeRequest, Timestamper } from './sign-model.js';
export { createLocalSigner, fromCoseAlgorithm, fromJwsAlgorithm, coseAlgorithmOf, jwsAlgorithmOf, signatureAlgorithmOf } from './signer.js';
export type { JwsAlgorithm, Signer, SignerOutput } from './signer.js';
export { parsePayload, encodePayload, isPayloadDigest } from './payload.js';
