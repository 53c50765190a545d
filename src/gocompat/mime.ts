/**
 * Go's `mime.ParseMediaType` acceptance rules and error texts. notation-go validates a blob's
 * content media type with it (`invalid content media-type "…": mime: …`), so what it accepts is
 * what a Notation blob signature may carry: `type/subtype` with optional `; name=value`
 * parameters, but also a bare token such as `other-media-type` (Go also parses
 * Content-Disposition values with it).
 */

/** RFC 1521 tspecials, as Go's `isTSpecial`. */
const TSPECIALS = new Set('()<>@,;:\\"/[]?=');

function isTokenChar(char: string): boolean {
  const code = char.codePointAt(0)!;
  return code > 0x20 && code < 0x7f && !TSPECIALS.has(char);
}

function consumeToken(text: string): [token: string, rest: string] {
  let end = 0;
  while (end < text.length && isTokenChar(text[end]!)) end++;
  return [text.slice(0, end), text.slice(end)];
}

/** Go's `consumeValue`: a token or a quoted string (with backslash escapes); ['', text] when neither. */
function consumeValue(text: string): [value: string, rest: string] {
  if (!text.startsWith('"')) return consumeToken(text);
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const char = text[i]!;
    if (char === '"') return [value, text.slice(i + 1)];
    if (char === '\\' && i + 1 < text.length && TSPECIALS.has(text[i + 1]!)) {
      value += text[++i];
    } else if (char === '\r' || char === '\n') {
      return ['', text];
    } else {
      value += char;
    }
  }
  return ['', text];
}

const trimLeftSpace = (text: string): string => text.replace(/^\s+/u, '');

/**
 * What Go's `mime.ParseMediaType(value)` would say is wrong, as its error text
 * (`mime: expected slash after first token`), or undefined when Go accepts the value.
 */
export function goMediaTypeProblem(value: string): string | undefined {
  const semicolon = value.indexOf(';');
  const base = semicolon < 0 ? value : value.slice(0, semicolon);
  const [type, afterType] = consumeToken(base.toLowerCase().trim());
  if (type === '') return 'mime: no media type';
  if (afterType !== '') {
    if (!afterType.startsWith('/')) return 'mime: expected slash after first token';
    const [subtype, afterSubtype] = consumeToken(afterType.slice(1));
    if (subtype === '') return 'mime: expected token after slash';
    if (afterSubtype !== '') return 'mime: unexpected content after media subtype';
  }
  const seen = new Set<string>();
  let rest = value.slice(base.length);
  while (rest.length > 0) {
    rest = trimLeftSpace(rest);
    if (rest === '') break;
    const parameter = consumeParameter(rest);
    if (parameter === undefined) {
      if (rest.trim() === ';') break; // a trailing semicolon is not an error
      return 'mime: invalid media parameter';
    }
    if (seen.has(parameter.name)) return 'mime: duplicate parameter name';
    seen.add(parameter.name);
    rest = parameter.rest;
  }
  return undefined;
}

function consumeParameter(text: string): { name: string; rest: string } | undefined {
  let rest = trimLeftSpace(text);
  if (!rest.startsWith(';')) return undefined;
  rest = trimLeftSpace(rest.slice(1));
  const [name, afterName] = consumeToken(rest);
  if (name === '') return undefined;
  rest = trimLeftSpace(afterName);
  if (!rest.startsWith('=')) return undefined;
  rest = trimLeftSpace(rest.slice(1));
  const [parameterValue, afterValue] = consumeValue(rest);
  if (parameterValue === '' && afterValue === rest) return undefined;
  return { name: name.toLowerCase(), rest: afterValue };
}
