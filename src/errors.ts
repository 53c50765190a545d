/**
 * The error model shared by every Portcullis domain.
 *
 * Each domain has one subclass with a string-literal union of stable codes. Shells map codes at
 * their edge: the registry server to OCI error codes, the CLI to exit codes, the webhook to a
 * readable denial. A `Symbol.for` brand makes `isPortcullisError` work across duplicate installs.
 */
const BRAND = Symbol.for('portcullis.error');

export type ErrorCode = `ERR_${string}`;

export class PortcullisError extends Error {
  readonly code: ErrorCode;
  override readonly cause: unknown;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message);
    this.code = code;
    this.cause = options?.cause;
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

export function isPortcullisError(value: unknown): value is PortcullisError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

export type OciErrorCode =
  | 'ERR_OCI_INVALID_REFERENCE'
  | 'ERR_OCI_INVALID_DIGEST'
  | 'ERR_OCI_UNSUPPORTED_DIGEST_ALGORITHM'
  | 'ERR_OCI_DIGEST_MISMATCH'
  | 'ERR_OCI_SIZE_MISMATCH'
  | 'ERR_OCI_SIZE_EXCEEDED'
  | 'ERR_OCI_INVALID_MANIFEST'
  | 'ERR_OCI_INVALID_DESCRIPTOR';

export class OciError extends PortcullisError {
  declare readonly code: OciErrorCode;
  constructor(code: OciErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export type ContentErrorCode =
  | 'ERR_CONTENT_NOT_FOUND'
  | 'ERR_CONTENT_ALREADY_EXISTS'
  | 'ERR_CONTENT_INVALID_LAYOUT'
  | 'ERR_CONTENT_UNSUPPORTED';

export class ContentError extends PortcullisError {
  declare readonly code: ContentErrorCode;
  constructor(code: ContentErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export type RegistryErrorCode =
  | 'ERR_REGISTRY_UNAUTHORIZED'
  | 'ERR_REGISTRY_DENIED'
  | 'ERR_REGISTRY_NOT_FOUND'
  | 'ERR_REGISTRY_UNSUPPORTED'
  | 'ERR_REGISTRY_TOO_MANY_REQUESTS'
  | 'ERR_REGISTRY_RESPONSE_INVALID'
  | 'ERR_REGISTRY_SIZE_EXCEEDED'
  | 'ERR_REGISTRY_UNAVAILABLE'
  | 'ERR_REGISTRY_REQUEST_FAILED'
  | 'ERR_REGISTRY_CREDENTIALS';

export class RegistryError extends PortcullisError {
  declare readonly code: RegistryErrorCode;
  /** HTTP status of the registry answer, when there was one. */
  readonly status: number | undefined;
  /** OCI error codes from the registry's error body (`MANIFEST_UNKNOWN`, ...). */
  readonly registryCodes: readonly string[];

  constructor(
    code: RegistryErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number; registryCodes?: readonly string[] },
  ) {
    super(code, message, options);
    this.status = options?.status;
    this.registryCodes = options?.registryCodes ?? [];
  }
}

export type UsageErrorCode = 'ERR_USAGE';

/** Bad command-line input: wrong flags, missing arguments. */
export class UsageError extends PortcullisError {
  declare readonly code: UsageErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_USAGE', message, options);
  }
}

export type PluginErrorCode =
  /** The plugin executable `{plugins}/<name>/notation-<name>` does not exist (Go: os.ErrNotExist). */
  | 'ERR_PLUGIN_NOT_FOUND'
  /** Not a usable plugin: bad name, not a regular file, not executable, no or several executables in a source. */
  | 'ERR_PLUGIN_INVALID'
  /** The plugin could not be run, or failed without an error response (notation-go PluginExecutableFileError), timeouts included. */
  | 'ERR_PLUGIN_EXECUTION_FAILED'
  /** The plugin answered with something that is not a valid response (notation-go PluginMalformedError). */
  | 'ERR_PLUGIN_MALFORMED'
  /** The plugin answered with a protocol error response (`errorCode`, `errorMessage`). */
  | 'ERR_PLUGIN_ERROR_RESPONSE'
  /** The installing version is lower than the installed one (notation-go PluginDowngradeError). */
  | 'ERR_PLUGIN_DOWNGRADE'
  /** The same version is already installed (notation-go InstallEqualVersionError). */
  | 'ERR_PLUGIN_ALREADY_INSTALLED'
  /** A plugin version is not a semantic version. */
  | 'ERR_PLUGIN_VERSION_INVALID'
  /** A plugin archive is not a well-formed zip or tar.gz (truncated, bad checksum, unsupported method). */
  | 'ERR_PLUGIN_ARCHIVE_INVALID'
  /** A plugin archive entry would escape or subvert extraction: `..`, absolute paths, links, overlapping or duplicate entries. */
  | 'ERR_PLUGIN_ARCHIVE_UNSAFE'
  /** A size or count cap was reached (decompressed size, entries, download size, output). */
  | 'ERR_PLUGIN_SIZE_EXCEEDED'
  /** The plugin source does not match the SHA-256 checksum given. */
  | 'ERR_PLUGIN_CHECKSUM_MISMATCH'
  /** Downloading the plugin source failed (scheme, transport, status, timeout). */
  | 'ERR_PLUGIN_DOWNLOAD_FAILED'
  /** Reading or writing the plugin directory or the source failed (permissions, I/O). */
  | 'ERR_PLUGIN_IO';

/**
 * Plugin management and the plugin protocol. `systemCode` is the errno (`ENOENT`, `ENOEXEC`,
 * `EACCES`...) when the failure is a file-system or exec error on a path (Go's `*fs.PathError`),
 * which the CLI turns into Notation's friendlier texts.
 */
export class PluginError extends PortcullisError {
  declare readonly code: PluginErrorCode;
  readonly systemCode: string | undefined;
  constructor(code: PluginErrorCode, message: string, options?: { cause?: unknown; systemCode?: string }) {
    super(code, message, options);
    this.systemCode = options?.systemCode;
  }
}

export type EnvelopeErrorCode =
  /** The bytes are not a well-formed envelope of the claimed format (JSON/CBOR shape, encoding, required fields). */
  | 'ERR_ENVELOPE_INVALID'
  /** The envelope is well-formed but its primitive signature does not verify over the received bytes. */
  | 'ERR_ENVELOPE_SIGNATURE_INVALID'
  /** `alg` is not one of the six Notary algorithms, or does not match the signing certificate's key. */
  | 'ERR_ENVELOPE_UNSUPPORTED_ALGORITHM'
  /** The envelope is larger than MAX_ENVELOPE_BYTES. */
  | 'ERR_ENVELOPE_SIZE_EXCEEDED'
  /** `crit` is missing, lists a header it must not, omits a header it must list, or names an attribute this verifier does not process. */
  | 'ERR_ENVELOPE_CRITICAL_HEADER'
  /** The payload is not a Notary payload (`{targetArtifact: descriptor}`) or has an unsupported content type. */
  | 'ERR_ENVELOPE_PAYLOAD_INVALID'
  /** The certificate chain carried by the envelope is missing, unparsable or violates the Notary certificate profile. */
  | 'ERR_ENVELOPE_CERTIFICATE_CHAIN_INVALID'
  /** A signing request cannot be honoured (unsupported key, bad times, conflicting attributes). */
  | 'ERR_ENVELOPE_SIGN_REQUEST_INVALID'
  /** The envelope media type or format is not JWS or COSE. */
  | 'ERR_ENVELOPE_UNSUPPORTED_FORMAT';

/** Integrity failures of a signature envelope, and refused signing requests. */
export class EnvelopeError extends PortcullisError {
  declare readonly code: EnvelopeErrorCode;
  constructor(code: EnvelopeErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export type PkiErrorCode =
  /** DER that is not a well-formed X.509 certificate. */
  | 'ERR_PKI_CERTIFICATE_INVALID'
  /** Chain order, issuance or the Notary certificate profile (basic constraints, key usage, EKU, key size) is violated. */
  | 'ERR_PKI_CHAIN_INVALID'
  /** A certificate is outside its validity period at the time checked. */
  | 'ERR_PKI_CERTIFICATE_EXPIRED'
  /** A key type/size or signature algorithm outside what the Notary Project allows (RSA-1024, SHA-1, P-224, ...). */
  | 'ERR_PKI_UNSUPPORTED_ALGORITHM'
  /** An RFC 3161 timestamp token (or its TSTInfo) cannot be parsed. */
  | 'ERR_PKI_TIMESTAMP_MALFORMED'
  /** A timestamp token is well-formed but does not verify: CMS signature, ESS binding, imprint, TSA chain or trust. */
  | 'ERR_PKI_TIMESTAMP_INVALID'
  /** Obtaining a timestamp failed: transport, HTTP status, oversized or rejected response, nonce/imprint mismatch. */
  | 'ERR_PKI_TSA_FAILED'
  /** A CRL or OCSP response cannot be parsed or fails its own checks (signature, freshness, critical extensions). */
  | 'ERR_PKI_REVOCATION_INVALID';

/** X.509 parsing, certificate-chain validation, RFC 3161 timestamp and revocation (CRL/OCSP) failures. */
export class PkiError extends PortcullisError {
  declare readonly code: PkiErrorCode;
  constructor(code: PkiErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export type TrustErrorCode =
  /** No trust policy file (Notation: "trust policy is not present"). */
  | 'ERR_TRUST_POLICY_NOT_FOUND'
  /** The policy is not JSON of the expected shape, or cannot be read as a regular file. */
  | 'ERR_TRUST_POLICY_MALFORMED'
  /** The policy exceeds the size cap. */
  | 'ERR_TRUST_POLICY_TOO_LARGE'
  /** The policy breaks a Notary Project rule (version, names, scopes, stores, identities...). */
  | 'ERR_TRUST_POLICY_INVALID'
  /** No statement applies to the artifact (or blob policy name). */
  | 'ERR_TRUST_POLICY_NO_MATCH'
  /** The artifact reference cannot be used to select a policy (no digest, bad repository). */
  | 'ERR_TRUST_POLICY_INVALID_ARTIFACT'
  /** The signing certificate's subject matches none of the trusted identities. */
  | 'ERR_TRUST_IDENTITY_MISMATCH'
  /** A trusted identity or the certificate subject cannot be parsed at verification time. */
  | 'ERR_TRUST_IDENTITY_INVALID'
  /** The named trust store does not exist. */
  | 'ERR_TRUST_STORE_NOT_FOUND'
  /** Bad store type or name, or the store is not a plain directory. */
  | 'ERR_TRUST_STORE_INVALID'
  /** The store could not be read (permissions, I/O). */
  | 'ERR_TRUST_STORE_ACCESS'
  /** A file in the store is not a certificate Notation accepts as a trust anchor. */
  | 'ERR_TRUST_STORE_CERTIFICATE'
  /** The store holds no certificate. */
  | 'ERR_TRUST_STORE_EMPTY';

export class TrustError extends PortcullisError {
  declare readonly code: TrustErrorCode;
  constructor(code: TrustErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export type ConfigErrorCode =
  /** A configuration file (config.json, signingkeys.json) is not valid JSON of the right shape. */
  | 'ERR_CONFIG_MALFORMED'
  /** A configuration file breaks a rule (duplicate key names, unknown default key...). */
  | 'ERR_CONFIG_INVALID'
  /** Reading or writing the configuration directory failed (permissions, I/O). */
  | 'ERR_CONFIG_IO'
  /** The named file, key or certificate does not exist. */
  | 'ERR_CONFIG_NOT_FOUND'
  /** The key or certificate already exists. */
  | 'ERR_CONFIG_ALREADY_EXISTS'
  /** An argument is not acceptable (empty name, bad store type...). */
  | 'ERR_CONFIG_INVALID_ARGUMENT';

export class ConfigError extends PortcullisError {
  declare readonly code: ConfigErrorCode;
  constructor(code: ConfigErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export type SignErrorCode =
  /** A signing request cannot be honoured: bad expiry, reserved or duplicate user metadata, bad format. */
  | 'ERR_SIGN_INVALID_ARGUMENT'
  /** The signing key cannot be used here (plugin keys, unreadable or mismatched key and certificate files). */
  | 'ERR_SIGN_KEY_UNSUPPORTED'
  /** The reference names a digest that is not what the repository resolves it to. */
  | 'ERR_SIGN_DIGEST_MISMATCH'
  /** The envelope or the signature manifest could not be stored. */
  | 'ERR_SIGN_PUSH_FAILED';

/** Failures of the signing workflow (notation-go `Sign`), outside the envelope codec itself. */
export class SignError extends PortcullisError {
  declare readonly code: SignErrorCode;
  constructor(code: SignErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export type VerificationErrorCode =
  /** Bad verification input (max signatures not positive, no tag or digest). */
  | 'ERR_VERIFY_INVALID_ARGUMENT'
  /** The reference names a digest that is not what the repository resolves it to. */
  | 'ERR_VERIFY_DIGEST_MISMATCH'
  /** No trust policy statement applies to the artifact (Notation's ErrorNoApplicableTrustPolicy). */
  | 'ERR_VERIFY_NO_APPLICABLE_POLICY'
  /** The artifact has no signature (Notation: "no signature is associated with ..."). */
  | 'ERR_VERIFY_NO_SIGNATURE'
  /** A signature manifest or envelope could not be fetched, or broke a size or shape rule (Notation's ErrorSignatureRetrievalFailed). */
  | 'ERR_VERIFY_SIGNATURE_RETRIEVAL'
  /** Every signature examined failed verification. */
  | 'ERR_VERIFY_FAILED'
  /** `maxSignatures` signatures were examined and none passed. */
  | 'ERR_VERIFY_LIMIT_EXCEEDED';

/**
 * A failed verification. `outcome` carries what was established before the failure (the artifact,
 * the trust policy statement, each signature examined with its per-check results), when it got
 * that far.
 */
export class VerificationError<TOutcome = unknown> extends PortcullisError {
  declare readonly code: VerificationErrorCode;
  /** The structured outcome (`VerificationOutcome` of src/verify; generic so errors.ts imports no domain). */
  readonly outcome: TOutcome | undefined;
  constructor(code: VerificationErrorCode, message: string, options?: { cause?: unknown; outcome?: TOutcome }) {
    super(code, message, options);
    this.outcome = options?.outcome;
  }
}
