/** Public surface of the format layer: every on-disk layout, encoder and decoder. */
export * from './crc32c.js';
export * from './layout.js';
export * from './items.js';
export * from './checkpoint.js';
export * from './utf8.js';
export * from './image.js';
