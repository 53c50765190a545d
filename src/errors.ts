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
