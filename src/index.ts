/** Library entry: the public surfaces of the pure core. Shells (CLI, servers) are not exported. */
export * from './errors.js';
export * as oci from './oci/index.js';
export * as content from './content/index.js';
export * as trust from './trust/index.js';
export * as sign from './sign/index.js';
export * as verify from './verify/index.js';
