/** The online store: see README.md. */
export * from './store.js';
export { SqliteOnlineStore, type SqliteOnlineStoreOptions } from './sqlite-store.js';
export { combineSnapshots, featureColumns, snapshotFromMaterialize, statusOf, type FeatureColumns } from './snapshot.js';
export { CorruptVectorError, decodeVector, VectorEncoder } from './codec.js';
