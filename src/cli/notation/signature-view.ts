/**
 * What `notation inspect` and `notation blob inspect` show of one signature envelope, in both of
 * their output shapes (tree and JSON), built from the envelope bytes without verifying them —
 * like notation-core-go's `Envelope.Content()`, which parses and checks structure only.
 *
 * Output follows notaryproject/notation cmd/notation/internal/display/metadata/{tree,json}
 * (the shape the e2e suite pins, see shared/conformance/notation-e2e/cases.json).
 */
import { decodeCose } from '../../envelope/cose.js';
import { decodeJws } from '../../envelope/jws.js';
import { HEADER_EXPIRY, HEADER_SIGNING_TIME, HEADER_AUTHENTIC_SIGNING_TIME, MEDIA_TYPE_NOTARY_PAYLOAD } from '../../envelope/index.js';
import { parseCertificate, type Certificate } from '../../pki/index.js';
import { goJsonString } from '../../gocompat/index.js';
import type { TreeNode } from '../output.js';
import { addMs, formatAnsic, formatRfc3339Nano, localTime, parseRfc3339, utcTime, type GoTime } from './go-time.js';
import { parseTimestampToken } from './timestamp-token.js';

interface ArtifactDescriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly urls?: readonly string[];
  readonly artifactType?: string;
}

interface CertificateView {
  readonly fingerprint: string;
  readonly issuedTo: string;
  readonly issuedBy: string;
  readonly expiry: GoTime;
}

type TimestampView =
  | { readonly error: string }
  | { readonly lower: GoTime; readonly upper: GoTime; readonly certificates: readonly CertificateView[] };

export interface SignatureView {
  readonly signatureAlgorithm: string;
  /** The envelope media type (`application/jose+json` / `application/cose`). */
  readonly envelopeType: string;
  readonly contentType: string;
  readonly signingScheme: string;
  readonly signingTime: GoTime;
  readonly expiry?: GoTime;
  readonly extendedAttributes: readonly { readonly key: string; readonly value: string }[];
  readonly signingAgent?: string;
  readonly timestamp?: TimestampView;
  readonly certificates: readonly CertificateView[];
  readonly signedArtifact: ArtifactDescriptor;
}

function certificateView(certificate: Certificate): CertificateView {
  return {
    fingerprint: certificate.fingerprint256,
    issuedTo: certificate.subject,
    issuedBy: certificate.issuer,
    expiry: utcTime(certificate.notAfter),
  };
}

/** Go's `fmt.Sprint` of a decoded attribute value, close enough for strings, numbers and booleans. */
function sprint(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Uint8Array) return `[${[...value].join(' ')}]`;
  return JSON.stringify(value) ?? String(value);
}

/** JWS times keep the offset they were written with (Go `time.Parse`); read them from the protected header. */
function jwsHeaderTimes(bytes: Uint8Array): { signingTime?: GoTime; expiry?: GoTime } {
  try {
    const envelope = JSON.parse(Buffer.from(bytes).toString('utf8')) as { protected?: string };
    const header = JSON.parse(Buffer.from(envelope.protected ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    const read = (key: string): GoTime | undefined => (typeof header[key] === 'string' ? parseRfc3339(header[key] as string) : undefined);
    const signingTime = read(HEADER_SIGNING_TIME) ?? read(HEADER_AUTHENTIC_SIGNING_TIME);
    const expiry = read(HEADER_EXPIRY);
    return { ...(signingTime && { signingTime }), ...(expiry && { expiry }) };
  } catch {
    return {};
  }
}

function parseArtifact(payload: Uint8Array): ArtifactDescriptor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    throw new Error('failed to unmarshall the payload content to Payload');
  }
  const target = (parsed as { targetArtifact?: Record<string, unknown> } | null)?.targetArtifact ?? {};
  const annotations = target['annotations'];
  return {
    mediaType: typeof target['mediaType'] === 'string' ? target['mediaType'] : '',
    digest: typeof target['digest'] === 'string' ? target['digest'] : '',
    size: typeof target['size'] === 'number' ? target['size'] : 0,
    ...(annotations !== null && typeof annotations === 'object' ? { annotations: annotations as Record<string, string> } : {}),
    ...(Array.isArray(target['urls']) && { urls: target['urls'] as string[] }),
    ...(typeof target['artifactType'] === 'string' && { artifactType: target['artifactType'] }),
  };
}

/**
 * Parses an envelope for display. Throws an Error with Notation's wording when the envelope cannot
 * be parsed (the callers add `failed to parse signature: ` or skip the signature).
 *
 * @param timeZone the `TZ` of the command's environment: COSE times are shown in local time, as Go does.
 */
export function viewSignature(mediaType: string, bytes: Uint8Array, timeZone?: string): SignatureView {
  const decoded = mediaType === 'application/cose' ? decodeCose(bytes) : decodeJws(bytes);
  if (decoded.contentType !== MEDIA_TYPE_NOTARY_PAYLOAD) throw new Error(`payload content type "${decoded.contentType}" not supported`);
  const certificates = decoded.certificates.map((der) => certificateView(parseCertificate(der)));
  const jwsTimes = decoded.format === 'jws' ? jwsHeaderTimes(bytes) : {};
  const asGoTime = (date: Date): GoTime => (decoded.format === 'cose' ? localTime(date, timeZone) : utcTime(date));
  const signingTime = jwsTimes.signingTime ?? asGoTime(decoded.signingTime);
  const expiry = decoded.expiry === undefined ? undefined : (jwsTimes.expiry ?? asGoTime(decoded.expiry));
  let timestamp: TimestampView | undefined;
  const token = decoded.unsignedAttributes.timestampSignature;
  if (token !== undefined) {
    try {
      const info = parseTimestampToken(token, decoded.signature);
      const genTime = utcTime(info.genTime);
      timestamp = {
        lower: addMs(genTime, -info.accuracyMs),
        upper: addMs(genTime, info.accuracyMs),
        certificates: info.certificates.map(certificateView),
      };
    } catch (error) {
      timestamp = { error: `failed to parse timestamp countersignature: ${(error as Error).message}` };
    }
  }
  return {
    signatureAlgorithm: decoded.headerAlgorithm,
    envelopeType: decoded.mediaType,
    contentType: decoded.contentType,
    signingScheme: decoded.signingScheme,
    signingTime,
    ...(expiry && { expiry }),
    extendedAttributes: decoded.extendedAttributes.map((attribute) => ({ key: String(attribute.key), value: sprint(attribute.value) })),
    ...(decoded.unsignedAttributes.signingAgent !== undefined && decoded.unsignedAttributes.signingAgent !== '' && { signingAgent: decoded.unsignedAttributes.signingAgent }),
    ...(timestamp && { timestamp }),
    certificates,
    signedArtifact: parseArtifact(decoded.payloadBytes),
  };
}

// ---------------------------------------------------------------------------------------------
// Tree

const pair = (key: string, value: string, children?: TreeNode[]): TreeNode => ({ label: `${key}: ${value}`, ...(children && { children }) });

function certificatesNode(certificates: readonly CertificateView[]): TreeNode {
  return {
    label: 'certificates',
    children: certificates.map((c) =>
      pair('SHA256 fingerprint', c.fingerprint, [pair('issued to', c.issuedTo), pair('issued by', c.issuedBy), pair('expiry', formatAnsic(c.expiry))]),
    ),
  };
}

/** The signature's subtree, named `name` (the signature manifest digest, or the blob signature path). */
export function signatureTreeNode(name: string, view: SignatureView): TreeNode {
  const signed: TreeNode[] = [
    pair('content type', view.contentType),
    pair('signing scheme', view.signingScheme),
    pair('signing time', formatAnsic(view.signingTime)),
  ];
  if (view.expiry) signed.push(pair('expiry', formatAnsic(view.expiry)));
  for (const attribute of view.extendedAttributes) signed.push(pair(attribute.key, attribute.value));

  const annotations = view.signedArtifact.annotations ?? {};
  const keys = Object.keys(annotations).sort();
  const userDefined: TreeNode[] = keys.length === 0 ? [{ label: '(empty)' }] : keys.map((key) => pair(key, annotations[key] ?? ''));

  const unsigned: TreeNode[] = [];
  if (view.signingAgent !== undefined) unsigned.push(pair('signing agent', view.signingAgent));
  if (view.timestamp) {
    const t = view.timestamp;
    unsigned.push({
      label: 'timestamp signature',
      children:
        'error' in t
          ? [pair('error', t.error)]
          : [pair('timestamp', `[${formatAnsic(t.lower)}, ${formatAnsic(t.upper)}]`), certificatesNode(t.certificates)],
    });
  }
  return {
    label: name,
    children: [
      pair('signature algorithm', view.signatureAlgorithm),
      pair('signature envelope type', view.envelopeType),
      { label: 'signed attributes', children: signed },
      { label: 'user defined attributes', children: userDefined },
      { label: 'unsigned attributes', children: unsigned },
      certificatesNode(view.certificates),
      {
        label: 'signed artifact',
        children: [
          pair('media type', view.signedArtifact.mediaType),
          pair('digest', view.signedArtifact.digest),
          pair('size', String(view.signedArtifact.size)),
        ],
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// JSON (Go's json.Encoder with two-space indent: maps sorted, HTML escaped)

/** A JSON value for {@link encodeGoJson}: objects keep member order (structs); use `sortedObject` for maps. */
export type JsonNode = string | number | boolean | null | readonly JsonNode[] | { readonly members: readonly (readonly [string, JsonNode])[] };

export const object = (members: readonly (readonly [string, JsonNode])[]): JsonNode => ({ members });
export const sortedObject = (members: readonly (readonly [string, JsonNode])[]): JsonNode => ({
  members: [...members].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
});

/** `json.NewEncoder(w).SetIndent("", "  ")` output, trailing newline included. */
export function encodeGoJson(value: JsonNode): string {
  const encode = (node: JsonNode, depth: number): string => {
    if (node === null) return 'null';
    if (typeof node === 'string') return goJsonString(node);
    if (typeof node === 'number') return String(node);
    if (typeof node === 'boolean') return node ? 'true' : 'false';
    const inner = '  '.repeat(depth + 1);
    const outer = '  '.repeat(depth);
    if (Array.isArray(node)) {
      const items = node as readonly JsonNode[];
      if (items.length === 0) return '[]';
      return `[\n${items.map((item) => inner + encode(item, depth + 1)).join(',\n')}\n${outer}]`;
    }
    const members = (node as { members: readonly (readonly [string, JsonNode])[] }).members;
    if (members.length === 0) return '{}';
    return `{\n${members.map(([key, member]) => `${inner}${goJsonString(key)}: ${encode(member, depth + 1)}`).join(',\n')}\n${outer}}`;
  };
  return `${encode(value, 0)}\n`;
}

function certificatesJson(certificates: readonly CertificateView[]): JsonNode {
  if (certificates.length === 0) return null;
  return certificates.map((c) =>
    object([
      ['SHA256Fingerprint', c.fingerprint],
      ['issuedTo', c.issuedTo],
      ['issuedBy', c.issuedBy],
      ['expiry', formatRfc3339Nano(c.expiry)],
    ]),
  );
}

/** The JSON `signature` object; `digest` is omitted when empty (blob inspect). */
export function signatureJson(digest: string, view: SignatureView): JsonNode {
  const signed: [string, JsonNode][] = [
    ['contentType', view.contentType],
    ['signingScheme', view.signingScheme],
    ['signingTime', formatRfc3339Nano(view.signingTime)],
  ];
  if (view.expiry) signed.push(['expiry', formatRfc3339Nano(view.expiry)]);
  for (const attribute of view.extendedAttributes) signed.push([attribute.key, attribute.value]);

  const annotations = view.signedArtifact.annotations;
  const userDefined: JsonNode = annotations === undefined ? null : sortedObject(Object.entries(annotations).map(([k, v]) => [k, String(v)] as const));

  const unsigned: [string, JsonNode][] = [];
  if (view.signingAgent !== undefined) unsigned.push(['signingAgent', view.signingAgent]);
  if (view.timestamp) {
    const t = view.timestamp;
    const members: [string, JsonNode][] = [];
    if ('error' in t) members.push(['error', t.error]);
    else {
      members.push(['timestamp', `[${formatRfc3339Nano(t.lower)}, ${formatRfc3339Nano(t.upper)}]`]);
      if (t.certificates.length > 0) members.push(['certificates', certificatesJson(t.certificates)]);
    }
    unsigned.push(['timestampSignature', object(members)]);
  }

  const artifact = view.signedArtifact;
  const artifactMembers: [string, JsonNode][] = [
    ['mediaType', artifact.mediaType],
    ['digest', artifact.digest],
    ['size', artifact.size],
  ];
  if (artifact.urls && artifact.urls.length > 0) artifactMembers.push(['urls', [...artifact.urls]]);
  if (artifact.artifactType) artifactMembers.push(['artifactType', artifact.artifactType]);

  const members: [string, JsonNode][] = [];
  if (digest !== '') members.push(['digest', digest]);
  members.push(
    ['signatureAlgorithm', view.signatureAlgorithm],
    ['signatureEnvelopeType', view.envelopeType],
    ['signedAttributes', sortedObject(signed)],
    ['userDefinedAttributes', userDefined],
    ['unsignedAttributes', sortedObject(unsigned)],
    ['certificates', certificatesJson(view.certificates)],
    ['signedArtifact', object(artifactMembers)],
  );
  return object(members);
}
