// Node-only part of the protocol: Redis keys, stream entry schemas, their typed writers, and the
// one consumer class every stream reader uses. Browser code imports `@parley/protocol` instead.
export * from './streams/schemas.js';
export * from './streams/TypedStream.js';
export * from './streams/writers.js';
export * from './streams/StreamConsumer.js';
export * from './streams/backlog.js';
export * from './streams/reconnect.js';
