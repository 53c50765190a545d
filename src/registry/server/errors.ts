import { ContentError, OciError, PortcullisError } from '../../errors.js';

/**
 * Error codes of the distribution spec (section "Error Codes"), plus UNKNOWN for internal failures
 * as distribution/distribution answers them. They are the wire contract clients switch on.
 */
export type DistributionErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  | 'UNKNOWN';

const DEFAULT_STATUS: Record<DistributionErrorCode, number> = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  TOOMANYREQUESTS: 429,
  UNKNOWN: 500,
};

export type RegistryServerErrorCode = `ERR_REGISTRY_SERVER_${DistributionErrorCode}`;

/** A failure the embedded registry answers with an OCI error body. */
export class RegistryServerError extends PortcullisError {
  declare readonly code: RegistryServerErrorCode;
  readonly errorCode: DistributionErrorCode;
  readonly status: number;
  readonly detail: unknown;
  /** Extra response headers (Range on a 416, WWW-Authenticate on a 401). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    errorCode: DistributionErrorCode,
    message: string,
    options: { status?: number; detail?: unknown; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(`ERR_REGISTRY_SERVER_${errorCode}`, message, { cause: options.cause });
    this.errorCode = errorCode;
    this.status = options.status ?? DEFAULT_STATUS[errorCode];
    this.detail = options.detail;
    this.headers = options.headers ?? {};
  }

  /** The error body of the distribution spec. */
  toBody(): { errors: Array<{ code: string; message: string; detail?: unknown }> } {
    const entry = { code: this.errorCode, message: this.message, ...(this.detail !== undefined && { detail: this.detail }) };
    return { errors: [entry] };
  }
}

/**
 * Maps anything thrown while serving a request to the answer the client gets. Domain errors from
 * the core keep their meaning; anything else is a 500 whose details stay in the server log.
 */
export function toRegistryServerError(error: unknown): RegistryServerError {
  if (error instanceof RegistryServerError) return error;
  if (error instanceof OciError) {
    switch (error.code) {
      case 'ERR_OCI_INVALID_DIGEST':
      case 'ERR_OCI_UNSUPPORTED_DIGEST_ALGORITHM':
      case 'ERR_OCI_DIGEST_MISMATCH':
        return new RegistryServerError('DIGEST_INVALID', error.message, { cause: error });
      case 'ERR_OCI_SIZE_MISMATCH':
        return new RegistryServerError('SIZE_INVALID', error.message, { cause: error });
      case 'ERR_OCI_SIZE_EXCEEDED':
        return new RegistryServerError('SIZE_INVALID', error.message, { status: 413, cause: error });
      case 'ERR_OCI_INVALID_MANIFEST':
      case 'ERR_OCI_INVALID_DESCRIPTOR':
      case 'ERR_OCI_INVALID_REFERENCE':
        return new RegistryServerError('MANIFEST_INVALID', error.message, { cause: error });
    }
  }
  if (error instanceof ContentError && error.code === 'ERR_CONTENT_NOT_FOUND') {
    return new RegistryServerError('BLOB_UNKNOWN', error.message, { cause: error });
  }
  return new RegistryServerError('UNKNOWN', 'internal server error', { cause: error });
}
