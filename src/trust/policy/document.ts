/**
 * Trust policy documents: the data model, decoding with Go's rules and encoding as Go writes them.
 *
 * The model mirrors notation-go's structs (verifier/trustpolicy oci.go, blob.go) including Go's
 * zero values, so that a document decoded here and encoded again is what Notation would write:
 * a missing or `null` list is `null`, a missing string is `''`, a missing flag is `false`.
 */
import {
  GO_STRING,
  GO_STRING_SLICE,
  asGoString,
  asGoStringMap,
  asGoStrings,
  goStringMapOutput,
  isGoJsonError,
  marshalGoJson,
  unmarshalGoJson,
  type GoField,
  type GoStruct,
  type GoType,
  type GoValue,
  type JsonOutput,
  type TrailingData,
} from '../../gocompat/index.js';
import { TrustError } from '../../errors.js';
import { MAX_TRUST_POLICY_BYTES } from '../../limits.js';

/** The tutorial link notation-go puts in its policy errors. */
export const TRUST_POLICY_LINK = 'https://notaryproject.dev/docs/quickstart/#create-a-trust-policy';

/** `signatureVerification` of a statement, as written (validated by {@link getVerificationLevel}). */
export interface SignatureVerification {
  /** `strict`, `permissive`, `audit` or `skip`; `''` when missing. */
  readonly level: string;
  /** Custom actions per check, in document order; `null` when absent. */
  readonly override: ReadonlyMap<string, string> | null;
  /** `always`, `afterCertExpiry`, or `''` when absent (meaning `always`). */
  readonly verifyTimestamp: string;
}

interface StatementCommon {
  readonly name: string;
  readonly signatureVerification: SignatureVerification;
  /** `type:name` entries; `null` when absent. */
  readonly trustStores: readonly string[] | null;
  /** `*`, or `x509.subject: <DN>`, or another `prefix:value`; `null` when absent. */
  readonly trustedIdentities: readonly string[] | null;
}

/** A statement of `trustpolicy.oci.json`. */
export interface OCITrustPolicyStatement extends StatementCommon {
  /** `registry/repository` values or the single wildcard `*`; `null` when absent. */
  readonly registryScopes: readonly string[] | null;
}

/** A statement of `trustpolicy.blob.json`. */
export interface BlobTrustPolicyStatement extends StatementCommon {
  readonly globalPolicy: boolean;
}

export interface OCITrustPolicyDocument {
  readonly version: string;
  readonly trustPolicies: readonly OCITrustPolicyStatement[] | null;
}

export interface BlobTrustPolicyDocument {
  readonly version: string;
  readonly trustPolicies: readonly BlobTrustPolicyStatement[] | null;
}

// ---------------------------------------------------------------------------------------------
// Go types, with the names Go prints in UnmarshalTypeError messages

const SIGNATURE_VERIFICATION: GoType = {
  kind: 'struct',
  name: 'trustpolicy.SignatureVerification',
  fields: [
    { json: 'level', type: GO_STRING },
    {
      json: 'override',
      type: {
        kind: 'map',
        name: 'map[trustpolicy.ValidationType]trustpolicy.ValidationAction',
        elem: { kind: 'string', name: 'trustpolicy.ValidationAction' },
      },
    },
    { json: 'verifyTimestamp', type: { kind: 'string', name: 'trustpolicy.TimestampOption' } },
  ],
};

/** The fields OCI and blob statements share, in Go struct order (they come first in both). */
const STATEMENT_FIELDS: readonly GoField[] = [
  { json: 'name', type: GO_STRING },
  { json: 'signatureVerification', type: SIGNATURE_VERIFICATION },
  { json: 'trustStores', type: GO_STRING_SLICE },
  { json: 'trustedIdentities', type: GO_STRING_SLICE },
];

/** `trustpolicy.<kind>Document` holding `[]trustpolicy.<kind>TrustPolicy` with the extra statement field. */
function documentType(kind: 'OCI' | 'Blob', extra: GoField): GoType {
  return {
    kind: 'struct',
    name: `trustpolicy.${kind}Document`,
    fields: [
      { json: 'version', type: GO_STRING },
      {
        json: 'trustPolicies',
        type: {
          kind: 'slice',
          name: `[]trustpolicy.${kind}TrustPolicy`,
          elem: { kind: 'struct', name: `trustpolicy.${kind}TrustPolicy`, fields: [...STATEMENT_FIELDS, extra] },
        },
      },
    ],
  };
}

const OCI_DOCUMENT = documentType('OCI', { json: 'registryScopes', type: GO_STRING_SLICE });
const BLOB_DOCUMENT = documentType('Blob', { json: 'globalPolicy', type: { kind: 'bool', name: 'bool' } });

// ---------------------------------------------------------------------------------------------
// Decoding

/** How a policy file is read. */
export interface DecodePolicyOptions {
  /**
   * `'reject'` (default) is `json.Unmarshal`, used by `policy import` and `policy show`.
   * `'ignore'` is `json.NewDecoder(f).Decode`, used by notation-go when it loads the policy for
   * verification: anything after the first JSON value is not read.
   */
  readonly trailingData?: TrailingData;
  /**
   * How decoding failures are worded. `'go'` (default): Go's `encoding/json` text, e.g.
   * `invalid character '}' after array element` (the CLI prefixes it with
   * `failed to parse OCI trust policy configuration: `). `'load'`: notation-go's
   * `malformed trust policy. To create a trust policy, see: https://…` used when verifying.
   */
  readonly errorStyle?: 'go' | 'load';
}

function toSignatureVerification(value: GoValue | undefined): SignatureVerification {
  const struct = (value ?? {}) as GoStruct;
  return Object.freeze({
    level: asGoString(struct['level']),
    override: asGoStringMap(struct['override']),
    verifyTimestamp: asGoString(struct['verifyTimestamp']),
  });
}

function decodeBytes(bytes: Uint8Array, type: GoType, options: DecodePolicyOptions | undefined): GoStruct {
  if (bytes.length > MAX_TRUST_POLICY_BYTES) {
    throw new TrustError(
      'ERR_TRUST_POLICY_TOO_LARGE',
      `trust policy is larger than the limit of ${MAX_TRUST_POLICY_BYTES} bytes`,
    );
  }
  try {
    return unmarshalGoJson(bytes, type, options?.trailingData ?? 'reject') as GoStruct;
  } catch (error) {
    if (isGoJsonError(error)) {
      const message =
        options?.errorStyle === 'load'
          ? `malformed trust policy. To create a trust policy, see: ${TRUST_POLICY_LINK}`
          : error.message;
      throw new TrustError('ERR_TRUST_POLICY_MALFORMED', message, { cause: error });
    }
    throw error;
  }
}

/** Decodes a document: version, and each statement's shared fields plus what `extra` reads. */
function decodeDocument<S extends StatementCommon>(
  bytes: Uint8Array,
  type: GoType,
  options: DecodePolicyOptions | undefined,
  extra: (statement: GoStruct) => Omit<S, keyof StatementCommon>,
): { readonly version: string; readonly trustPolicies: readonly S[] | null } {
  const root = decodeBytes(bytes, type, options);
  const statements = root['trustPolicies'];
  return Object.freeze({
    version: asGoString(root['version']),
    trustPolicies: Array.isArray(statements)
      ? Object.freeze(
          statements.map((entry) => {
            const s = entry as GoStruct;
            const common: StatementCommon = {
              name: asGoString(s['name']),
              signatureVerification: toSignatureVerification(s['signatureVerification']),
              trustStores: asGoStrings(s['trustStores']),
              trustedIdentities: asGoStrings(s['trustedIdentities']),
            };
            return Object.freeze({ ...common, ...extra(s) } as S);
          }),
        )
      : null,
  });
}

/**
 * Decodes an OCI trust policy document (`trustpolicy.oci.json` or legacy `trustpolicy.json`)
 * exactly as notation-go does, without validating it. Unknown fields are ignored, keys match
 * case-insensitively, a byte order mark is a syntax error (all as in Go).
 * @throws TrustError `ERR_TRUST_POLICY_MALFORMED` | `ERR_TRUST_POLICY_TOO_LARGE`
 */
export function decodeOCITrustPolicyDocument(bytes: Uint8Array, options?: DecodePolicyOptions): OCITrustPolicyDocument {
  return decodeDocument<OCITrustPolicyStatement>(bytes, OCI_DOCUMENT, options, (s) => ({
    registryScopes: asGoStrings(s['registryScopes']),
  }));
}

/**
 * Decodes a blob trust policy document (`trustpolicy.blob.json`) as notation-go does, without
 * validating it. Fields of OCI statements such as `registryScopes` are ignored.
 * @throws TrustError `ERR_TRUST_POLICY_MALFORMED` | `ERR_TRUST_POLICY_TOO_LARGE`
 */
export function decodeBlobTrustPolicyDocument(bytes: Uint8Array, options?: DecodePolicyOptions): BlobTrustPolicyDocument {
  return decodeDocument<BlobTrustPolicyStatement>(bytes, BLOB_DOCUMENT, options, (s) => ({
    globalPolicy: s['globalPolicy'] === true,
  }));
}

// ---------------------------------------------------------------------------------------------
// Encoding (json.MarshalIndent of notation-go's structs)

function strings(list: readonly string[] | null): JsonOutput {
  return list === null ? null : [...list];
}

function signatureVerificationOutput(sv: SignatureVerification): JsonOutput {
  const members: [string, JsonOutput][] = [['level', sv.level]];
  if (sv.override !== null && sv.override.size > 0) members.push(['override', goStringMapOutput(sv.override)]);
  if (sv.verifyTimestamp !== '') members.push(['verifyTimestamp', sv.verifyTimestamp]);
  return { object: members };
}

/**
 * `json.MarshalIndent(doc, "", indent)` of a document: version, then each statement's shared
 * fields in Go struct order followed by what `extra` adds.
 */
function marshalDocument<S extends StatementCommon>(
  document: { readonly version: string; readonly trustPolicies: readonly S[] | null },
  indent: string,
  extra: (statement: S) => [string, JsonOutput][],
): string {
  const statement = (s: S): JsonOutput => ({
    object: [
      ['name', s.name],
      ['signatureVerification', signatureVerificationOutput(s.signatureVerification)],
      ['trustStores', strings(s.trustStores)],
      ['trustedIdentities', strings(s.trustedIdentities)],
      ...extra(s),
    ],
  });
  const statements = document.trustPolicies === null ? null : document.trustPolicies.map(statement);
  return marshalGoJson({ object: [['version', document.version], ['trustPolicies', statements]] }, indent);
}

/**
 * Serializes an OCI document as `json.MarshalIndent(doc, "", indent)` of notation-go's
 * `OCIDocument` would: field order name, signatureVerification, trustStores, trustedIdentities,
 * registryScopes; `override` keys sorted; no trailing newline.
 */
export function marshalOCITrustPolicyDocument(document: OCITrustPolicyDocument, indent = '  '): string {
  return marshalDocument(document, indent, (s) => [['registryScopes', strings(s.registryScopes)]]);
}

/**
 * Serializes a blob document as notation's `blob policy init` writes it
 * (`json.MarshalIndent(doc, "", "  ")`, `globalPolicy` omitted when false, no trailing newline).
 */
export function marshalBlobTrustPolicyDocument(document: BlobTrustPolicyDocument, indent = '  '): string {
  return marshalDocument(document, indent, (s) => (s.globalPolicy ? [['globalPolicy', true]] : []));
}
