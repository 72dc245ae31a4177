import { normaliseBaseUrl } from '../http/base-url';

export const API_PATH = '/api/v1';

/**
 * The user's "API endpoint" → the TotalGest API base URL.
 * - bare host (`tg00.bweb.ch`, `tg00.bweb.ch:8443`) → `https://tg00.bweb.ch/api/v1`
 * - full URL without a path (`http://127.0.0.1:8450`) → that URL + `/api/v1`
 * - full URL with a path → used as given
 */
export function normaliseEndpoint(input: string | undefined, allowInsecureHttp = false): string {
  return normaliseBaseUrl(input, {
    field: 'endpoint',
    label: 'API endpoint',
    defaultPath: API_PATH,
    example: 'tg00.bweb.ch',
    allowInsecureHttp,
  });
}
