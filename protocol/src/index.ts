// Browser-safe part of the protocol; Redis stream entries live in `@parley/protocol/streams` (Node only).
export * from './languages.js';
export * from './signaling.js';
export * from './accounts.js';
export * from './media.js';
export * from './transcriptFormats.js';
