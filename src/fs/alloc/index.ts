/** Public surface of the allocation layer. */
export { FreeSpace, type Extent } from './free-space.js';
export { BlockSpace } from './block-space.js';
