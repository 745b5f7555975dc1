/**
 * The HTTP server of `fsql serve` (see docs/http-api.md).
 */
export { buildServer, startServer, ListenError, parseNdjson, NDJSON_TYPES, type ServerOptions, type StartOptions, type RunningServer } from './server.js';
export { ApiError, ERROR_CODES, toApiError, type ApiErrorCode } from './errors.js';
export { isoTimestamp, isoDate } from './render.js';
export { defaultUiDir } from './ui-static.js';
