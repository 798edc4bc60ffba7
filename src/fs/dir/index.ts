/** Public surface of the directory layer. */
export { lookup, pathOf, isAncestor, SYMLOOP_MAX, PATH_MAX, type Follow, type Lookup } from './path.js';
export { createNode, linkNode, unlinkNode, rmdirNode, renameNode, dropLink, checkName, type Creds } from './namespace.js';
