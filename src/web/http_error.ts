/**
 * Errors that become HTTP answers: a status and one sentence for the person (or script)
 * that sent the request, as JSON `{"error": "..."}`.
 */
import { SECURITY_HEADERS } from "./security_headers.ts";

/** A request the server refuses or cannot serve, with the status and message to answer. */
export class HttpError extends Error {
  /** Creates an error answered with `status` and `message` (and any extra headers). */
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** A JSON answer `{"error": message}` with the security headers and no caching. */
export function errorResponse(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return jsonResponse({ error: message }, status, headers);
}

/** A JSON answer with the security headers and no caching. */
export function jsonResponse(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      ...SECURITY_HEADERS,
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      ...headers,
    },
  });
}
