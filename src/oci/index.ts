export * from './digest.js';
export * from './media-type.js';
export * from './annotation.js';
export * from './descriptor.js';
export * from './manifest.js';
export * from './reference.js';
