/** Public surface of the seal layer: seals, pins, DAX mappings. */
export { SealTable, PIN_HELD, PIN_BREAKING, PIN_RELEASED, type Pin, type PinMode, type SealEvents } from './seal-table.js';
export { Mapping, type Segment, type SharedMapping } from './mapping.js';
export { prepareRange } from './prepare.js';
export { attachMapping, type AttachedMapping } from './attach.js';
