/**
 * Extended attributes in the reference model, with Linux's checks in Linux's order: the name
 * first (ERANGE when empty or longer than 255 bytes), then the path (setxattr(2) follows
 * symlinks), then the namespace (EOPNOTSUPP unless `user.`, `trusted.` or `security.`; EINVAL for
 * a bare prefix), then the attribute itself (ENODATA when removing or reading a missing one).
 * Values are text (the workload's VALUE token), stored as given. No value size limit is modelled.
 *
 * Interface: `setxattr`, `removexattr`, `getxattr`, `listxattr` over a ModelState.
 */
import type { ModelState, Node } from './model-node.js';
import { byteLength, fail, resolveNode } from './model-path.js';

export const XATTR_NAME_MAX = 255;
const NAMESPACES = ['user.', 'trusted.', 'security.'];

function target(s: ModelState, path: string, name: string, syscall: string): Node {
  if (name === '' || byteLength(name) > XATTR_NAME_MAX) fail('ERANGE', syscall, path);
  const n = resolveNode(s, path, syscall);
  const ns = NAMESPACES.find((p) => name.startsWith(p));
  if (ns === undefined) fail('EOPNOTSUPP', syscall, path);
  if (name === ns) fail('EINVAL', syscall, path);
  return n;
}

export function setxattr(s: ModelState, path: string, name: string, value: string): void {
  target(s, path, name, 'setxattr').xattrs.set(name, value);
}

export function removexattr(s: ModelState, path: string, name: string): void {
  const n = target(s, path, name, 'removexattr');
  if (!n.xattrs.delete(name)) fail('ENODATA', 'removexattr', path);
}

export function getxattr(s: ModelState, path: string, name: string): string {
  const v = target(s, path, name, 'getxattr').xattrs.get(name);
  if (v === undefined) return fail('ENODATA', 'getxattr', path);
  return v;
}

export function listxattr(s: ModelState, path: string): string[] {
  return [...resolveNode(s, path, 'listxattr').xattrs.keys()].sort();
}
