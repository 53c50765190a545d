/**
 * Registry scopes: `domain[:port]/repository`, checked as notation-go's
 * `validateRegistryScopeFormat` (verifier/trustpolicy/oci.go) does.
 */
import { goQuote } from '../../gocompat/index.js';

/*
 * notation-go's expressions, adapted from distribution's reference grammar. The repository
 * expression there is `[a-z0-9]+(?:(?:(?:[._]|__|[-]*)[a-z0-9]+)+)?` per component; Go's RE2
 * runs it in linear time but a backtracking engine can take exponential time on it, because
 * `[-]*` may match nothing. The form below accepts exactly the same strings (an empty separator
 * only joins two alphanumeric runs) without the ambiguity.
 */
const DOMAIN_LABEL = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})*(?::[0-9]+)?$`);
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);

const ENSURE =
  'make sure it is a fully qualified repository without the scheme, protocol or tag. For example domain.com/my/repository or a local scope like local/myOCILayout';

/** Returns notation-go's message when `scope` is not a valid registry scope, else undefined. */
export function validateRegistryScopeFormat(scope: string): string | undefined {
  if (scope.length > 1 && scope.includes('*')) {
    return `registry scope ${goQuote(scope)} with wild card(s) is not valid, ${ENSURE}`;
  }
  const slash = scope.indexOf('/');
  if (slash < 0) return `registry scope ${goQuote(scope)} is not valid, ${ENSURE}`;
  const domain = scope.slice(0, slash);
  const repository = scope.slice(slash + 1);
  if (domain === '' || repository === '' || !DOMAIN.test(domain) || !REPOSITORY.test(repository)) {
    return `registry scope ${goQuote(scope)} is not valid, ${ENSURE}`;
  }
  return undefined;
}
