/** The online store: see README.md. */
export * from './store.js';
export type { EntityMeta, GenerationFiller, GenerationMeta, GenerationRead, MetaChange, NewGeneration, StoredVector, VectorMerge, VectorStore } from './vector-store.js';
export { VectorOnlineStore, type VectorOnlineStoreOptions } from './vectors.js';
export { SqliteOnlineStore, SqliteVectorStore, type SqliteOnlineStoreOptions } from './sqlite-store.js';
export { RedisOnlineStore, RedisVectorStore, type RedisOnlineStoreOptions, type RedisStoreOptions } from './redis-store.js';
export { combineSnapshots, featureColumns, snapshotFromMaterialize, statusOf, type FeatureColumns } from './snapshot.js';
export { CorruptVectorError, decodeVector, VectorEncoder } from './codec.js';
