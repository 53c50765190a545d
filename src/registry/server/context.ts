import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RegistryStorage } from './storage.js';

/** Server behaviour the handlers consult, resolved once from RegistryServerOptions. */
export interface HandlerSettings {
  readonly readOnly: boolean;
  /** Mount without `from`: link a blob any repository holds. Off by default, see RegistryServerOptions. */
  readonly anonymousMount: boolean;
  readonly maxBlobBytes: number;
}

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly query: URLSearchParams;
  readonly storage: RegistryStorage;
  readonly settings: HandlerSettings;
}
