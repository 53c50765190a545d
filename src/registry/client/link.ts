import { RegistryError } from '../../errors.js';

/** Longest Link header we parse; a registry has no reason to send more than a few URLs. */
const MAX_LINK_HEADER_LENGTH = 16 * 1024;

interface LinkValue {
  readonly target: string;
  readonly relations: readonly string[];
}

/**
 * Returns the `rel="next"` target of an RFC 8288 Link header, resolved against the URL of the
 * response that carried it (registries send relative links such as `</v2/app/tags/list?last=b&n=2>`).
 * Only http(s) targets are followed: a hostile registry must not steer the client to `file:` or
 * `data:` URLs.
 *
 * @see https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#listing-tags
 */
export function parseNextLink(header: string | readonly string[] | undefined, base: URL): URL | undefined {
  if (header === undefined) return undefined;
  const text = typeof header === 'string' ? header : header.join(', ');
  if (text.length > MAX_LINK_HEADER_LENGTH) {
    throw new RegistryError('ERR_REGISTRY_RESPONSE_INVALID', `Link header is longer than ${MAX_LINK_HEADER_LENGTH} characters`);
  }
  const next = parseLinkValues(text).find((link) => link.relations.includes('next'));
  if (next === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(next.target, base);
  } catch {
    throw new RegistryError('ERR_REGISTRY_RESPONSE_INVALID', `Link header has an invalid next URL "${next.target}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RegistryError('ERR_REGISTRY_RESPONSE_INVALID', `Link header points at a ${url.protocol} URL`);
  }
  return url;
}

/** Splits `<a>; rel="next", <b>; rel=prev` into link values. Commas inside `<…>` or quotes do not split. */
export function parseLinkValues(text: string): LinkValue[] {
  const links: LinkValue[] = [];
  let position = 0;
  while (position < text.length) {
    const open = text.indexOf('<', position);
    if (open < 0) break;
    const close = text.indexOf('>', open + 1);
    if (close < 0) break;
    const target = text.slice(open + 1, close).trim();
    const parameters = readParameters(text, close + 1);
    const relation = parameters.values.get('rel') ?? '';
    links.push({ target, relations: relation.toLowerCase().split(/\s+/).filter(Boolean) });
    position = parameters.end;
  }
  return links;
}

/** Reads `; name=value; name="quoted, value"` up to the comma that ends the link value. */
function readParameters(text: string, start: number): { values: Map<string, string>; end: number } {
  const values = new Map<string, string>();
  let position = start;
  while (position < text.length) {
    const character = text[position];
    if (character === ',') return { values, end: position + 1 };
    if (character !== ';') {
      position += 1;
      continue;
    }
    const match = /^;\s*([A-Za-z0-9!#$&+.^_`|~*-]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"?|[^;,\s]*))?/.exec(text.slice(position));
    if (!match) {
      position += 1;
      continue;
    }
    const name = match[1]!.toLowerCase();
    const raw = match[2] ?? '';
    // RFC 8288: the first occurrence of a parameter wins.
    if (!values.has(name)) values.set(name, unquote(raw));
    position += match[0].length;
  }
  return { values, end: position };
}

function unquote(value: string): string {
  if (!value.startsWith('"')) return value;
  const body = value.endsWith('"') && value.length >= 2 ? value.slice(1, -1) : value.slice(1);
  return body.replace(/\\(.)/g, '$1');
}
