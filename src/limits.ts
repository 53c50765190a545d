/**
 * Size caps for everything Portcullis holds in memory from an untrusted source. One module, so a
 * reviewer can see every bound and its reason in one place.
 */

/** Manifests and indexes: the distribution spec says registries SHOULD accept at least 4 MB; Notation and oras-go cap at 4 MiB. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Signature envelopes: Notation's blob cap for a signature layer. */
export const MAX_ENVELOPE_BYTES = 32 * 1024 * 1024;

/** Token responses from an auth realm: a JWT plus metadata is a few KiB; 128 KiB leaves room and no more. */
export const MAX_AUTH_RESPONSE_BYTES = 128 * 1024;

/** Registry error bodies are only read to name the failure; 8 KiB holds any real one. */
export const MAX_ERROR_BODY_BYTES = 8 * 1024;

/** Pages of tag lists and referrers indexes followed before giving up (a hostile registry can link forever). */
export const MAX_PAGES = 1000;

/** Small JSON documents held in full (config.json, index.json of a layout, oci-layout): 4 MiB like manifests. */
export const MAX_JSON_DOCUMENT_BYTES = 4 * 1024 * 1024;

/** Descriptors listed in one index or referrers answer. */
export const MAX_INDEX_ENTRIES = 100_000;

/**
 * Certificates accepted in one signature's chain (x5c / x5chain). Go sets no bound; real chains
 * have 1–4 certificates. Without a cap, one 32 MiB envelope could carry ~25,000 certificates to
 * parse and verify.
 */
export const MAX_CHAIN_CERTIFICATES = 16;

/** One chunk of a chunked blob upload, held in memory so a rejected chunk can be resent; a registry asking for more gets a monolithic upload. */
export const MAX_UPLOAD_CHUNK_BYTES = 256 * 1024 * 1024;

/** Trust policy documents (trustpolicy.oci.json, trustpolicy.json, trustpolicy.blob.json). Notation reads them unbounded; 4 MiB holds tens of thousands of statements. */
export const MAX_TRUST_POLICY_BYTES = 4 * 1024 * 1024;

/** x509.subject identities per statement: validation compares every pair (Notation does too), so the count is capped to keep it quadratic in a small number. */
export const MAX_TRUSTED_IDENTITIES_PER_STATEMENT = 1000;

/** One certificate file in a trust store or given to `cert add`; a large CA bundle is well under 1 MiB. */
export const MAX_CERTIFICATE_FILE_BYTES = 4 * 1024 * 1024;

/** Files in one named trust store. */
export const MAX_TRUST_STORE_FILES = 10_000;

/** config.json and signingkeys.json. */
export const MAX_CONFIG_FILE_BYTES = 4 * 1024 * 1024;
/**
 * Plugin sources and archives (notation plugin install): a single executable, a download, and the
 * sum of the regular files a zip or tar.gz would extract must stay strictly below 256 MiB, as
 * Notation's `MaxFileBytes`/`MaxPluginSourceBytes` (the spec: "size < 256 MiB").
 */
export const MAX_PLUGIN_SOURCE_BYTES = 256 * 1024 * 1024;

/**
 * Entries in one plugin archive. Notation sets no bound (a tar of a million empty files makes a
 * million files); a plugin is an executable plus a licence or two, and Notation installs only the
 * archive's top-level files, so 1000 is generous.
 */
export const MAX_PLUGIN_ARCHIVE_ENTRIES = 1000;

/** A zip central directory held in memory: 1000 entries with long names fit in well under 4 MiB. */
export const MAX_ZIP_CENTRAL_DIRECTORY_BYTES = 4 * 1024 * 1024;

/**
 * Decompressed bytes read from a tar.gz: the files' cap plus 16 MiB for headers, PAX records and
 * padding. Bounds the work of a gzip bomb hidden in entries that are skipped, not extracted.
 */
export const MAX_PLUGIN_TAR_STREAM_BYTES = MAX_PLUGIN_SOURCE_BYTES + 16 * 1024 * 1024;

/** One PAX or GNU long-name header record (Go's archive/tar `maxSpecialFileSize`). */
export const MAX_TAR_SPECIAL_HEADER_BYTES = 1024 * 1024;

/** Each of a plugin's stdout and stderr (the plugin spec: "limited to < 64 MiB"; notation-go `maxPluginOutputSize`). */
export const MAX_PLUGIN_OUTPUT_BYTES = 64 * 1024 * 1024;

/** RFC 3161 TSA replies: tspclient-go reads at most 1 MiB (a token with its chain is a few KiB). */
export const MAX_TSA_RESPONSE_BYTES = 1024 * 1024;

/** OCSP responses: notation-core-go reads at most 20,480 bytes (typical ~4 KB). */
export const MAX_OCSP_RESPONSE_BYTES = 20_480;

/** CRLs: notation-core-go refuses a CRL of 32 MiB or more. */
export const MAX_CRL_BYTES = 32 * 1024 * 1024;

/**
 * Certificates and signer infos accepted in one timestamp token. Real tokens carry 1–4 certificates
 * and one signer; Go sets no bound.
 */
export const MAX_TIMESTAMP_TOKEN_CERTIFICATES = 16;
export const MAX_TIMESTAMP_SIGNER_INFOS = 8;

/** Entries read from one CRL: a bound on work per fetched CRL (large public CRLs hold ~1M entries). */
export const MAX_CRL_ENTRIES = 2_000_000;
