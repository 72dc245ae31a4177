/**
 * What the Node-RED glue may know of errors: the typed errors it checks for and the concise
 * texts it shows. The glue reaches src/http only through here (a lint rule keeps it so).
 */
export { ApiError, ConfigError, causeText, errorSummary } from '../http/errors';
