/** Annotation keys from the OCI image spec and the Notary Project. */
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
export const ANNOTATION_TITLE = 'org.opencontainers.image.title';
export const ANNOTATION_CREATED = 'org.opencontainers.image.created';
export const ANNOTATION_NOTARY_THUMBPRINT = 'io.cncf.notary.x509chain.thumbprint#S256';
