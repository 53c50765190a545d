/** The embedded OCI registry (distribution-spec v1.1): a shell over src/layout, started by `portcullis registry serve`. */
export { startRegistry, type RegistryServerOptions, type RunningRegistry } from './server.js';
export { RegistryServerError, type DistributionErrorCode, type RegistryServerErrorCode } from './errors.js';
export { jsonLogger, silentLogger, type Logger } from './log.js';
export { RootLayout, encodeRepositoryName, decodeRepositoryName } from './root-layout.js';
export { fsck, RegistryFsckError, type FsckFinding, type FsckFindingKind, type FsckReport } from './fsck.js';
export { parseListenAddress } from './address.js';
