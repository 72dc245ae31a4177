/**
 * What the Node-RED glue may know of errors: the typed errors it checks for and the concise
 * texts it shows. The glue reaches src/http only through here (a lint rule keeps it so).
 */
export { ApiError, ConfigError, causeText, errorSummary } from '../http/errors';

/**
 * A command refused as a whole, with the HTTP status a flow or the status API answers with:
 * a bad input (400), a setup problem (500/503), a conflict (409). The one error of that kind for
 * the engine, the nodes and the status API.
 */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
