/**
 * The reference evaluator: fsql's semantics (docs/semantics.md) over plain
 * arrays, small, slow and obviously right, for differential tests of the
 * compiled SQL.
 *
 *   relationRows(catalog, data, name)                 rows of a source or view
 *   rawValue(catalog, data, feature, key, t)          raw (pre-FILL) value + status (§3)
 *   fit(catalog, data, feature, fitTime?)             FittedParameters (§5)
 *   transform(feature, params, raw)                   FILL → SCALE | ONE_HOT (§6)
 *   trainingSet(catalog, data, name, version, opts)   { columns, rows } (§4)
 *   materialize(catalog, data, entity, T, fitted)     key JSON → feature → values (§7)
 *
 * Values: numbers (INTEGER, DOUBLE; TIMESTAMP in µs since the epoch; DATE in
 * days since the epoch), strings, booleans, null. See values.ts.
 */
export * from './values.js';
export * from './expressions.js';
export * from './views.js';
export * from './features.js';
export * from './training.js';
