import { isIP } from 'node:net';
import { TnbuildError } from '../../errors/index.ts';

/** `registry.example.org:5000/trustnet/node:1.4.0` or `…/node@sha256:…`, parsed. */
export interface OciReference {
  /** host[:port], as given (`[::1]:5000` keeps its brackets). */
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

// The distribution spec's grammar: lower-case path components joined by `/`; tags of at most 128 word characters,
// dots and dashes; sha256 digests only (the one algorithm tnbuild writes and verifies).
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST =
  /^(?:\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*)(?::\d{1,5})?$/;
const MAX_LENGTH = 512;

/**
 * Whether `text` names an image in a registry rather than a folder or a URL: the Docker rule (the first component
 * has a `.` or a `:`, or is `localhost`), or a `docker://` prefix as skopeo writes it.
 */
export function looksLikeOciReference(text: string): boolean {
  if (text.startsWith('docker://')) return true;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) || text.startsWith('/') || text.startsWith('.')) return false;
  const first = text.split('/')[0] ?? '';
  return text.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
}

/** Parses a reference; TNB610 names what is wrong with it. A reference without a tag or digest means `:latest`. */
export function parseOciReference(text: string): OciReference {
  const bad = (why: string) =>
    new TnbuildError('TNB610', `"${printable(text)}" is not a registry reference: ${why}`);
  if (text.length > MAX_LENGTH) throw bad(`longer than ${MAX_LENGTH} characters`);
  const rest = text.replace(/^docker:\/\//, '');
  const slash = rest.indexOf('/');
  if (slash < 0) throw bad('expected REGISTRY/REPOSITORY[:TAG|@DIGEST]');
  const registry = rest.slice(0, slash);
  if (
    !HOST.test(registry) ||
    (registry.startsWith('[') && isIP(registry.slice(1, registry.indexOf(']'))) !== 6)
  )
    throw bad(`"${printable(registry)}" is not a host[:port]`);
  let path = rest.slice(slash + 1);
  let digest: string | undefined;
  let tag: string | undefined;
  const at = path.indexOf('@');
  if (at >= 0) {
    digest = path.slice(at + 1);
    path = path.slice(0, at);
    if (!DIGEST.test(digest)) throw bad('the digest must be sha256: and 64 lower-case hex digits');
  }
  const colon = path.lastIndexOf(':');
  if (colon >= 0) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG.test(tag))
      throw bad('a tag is 1–128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`');
  }
  if (!isRepositoryName(path))
    throw bad('the repository is lower-case letters and digits, separated by `.`, `_`, `-` and `/`');
  return { registry, repository: path, ...(tag !== undefined && { tag }), ...(digest && { digest }) };
}

/** `trustnet/node`: lower-case components separated by `/` (the distribution spec's name grammar). */
export function isRepositoryName(name: string): boolean {
  return name.length <= MAX_LENGTH && name.split('/').every((component) => COMPONENT.test(component));
}

/** Back to text: `registry/repository:tag@digest`. */
export function formatOciReference(reference: OciReference): string {
  const tag = reference.tag === undefined ? '' : `:${reference.tag}`;
  const digest = reference.digest === undefined ? '' : `@${reference.digest}`;
  return `${reference.registry}/${reference.repository}${tag}${digest}`;
}

function printable(text: string): string {
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return shown.replace(/[^\x20-\x7e]/g, '?');
}
