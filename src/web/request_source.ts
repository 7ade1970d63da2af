/**
 * Which requests the server answers: those that name it by an address or an allowed host
 * name, and, when a browser says which page sent them, only those from its own page.
 *
 * Why: a page on any web site the person visits can POST a photo to a server on their
 * machine or network (a multipart form needs no CORS preflight) and burn its CPU; with DNS
 * rebinding, a name the attacker controls is pointed at the server and the page becomes
 * same-origin with it. Rebinding needs a host name, so an IP address in the Host header is
 * safe; names are answered only when allowed (localhost, the name the server listens on,
 * and those given with --allow-host). Browsers send Origin on every cross-origin request
 * and on same-origin POSTs, and Sec-Fetch-Site where they support it; scripts (curl) send
 * neither and are let through.
 */
import { UserError } from "../errors.ts";
import { HttpError } from "./http_error.ts";

/** Host names answered to by default, whatever the server listens on. */
export const DEFAULT_HOST_NAMES: readonly string[] = ["localhost"];

/**
 * The host names a server answers to: localhost, the name it listens on (when that is a
 * name, not an address), and `extra`, lower-cased. Throws a UserError naming a malformed one.
 */
export function allowedHostNames(listen: string, extra: readonly string[] = []): Set<string> {
  const names = new Set(DEFAULT_HOST_NAMES);
  for (const name of [listen, ...extra]) {
    // A bare IPv6 address ("::", "::1") is written in brackets in a Host header.
    const hostname = parseHostname(/^[0-9a-f]*:[0-9a-f:.]*$/i.test(name) ? `[${name}]` : name);
    if (hostname === undefined) throw new UserError(`host name "${name}" is not valid`);
    if (!isAddress(hostname)) names.add(hostname);
  }
  return names;
}

/** Refuses (403) a request whose Host is not allowed, or that a browser sent from another page. */
export function checkRequestSource(request: Request, allowed: ReadonlySet<string>): void {
  const host = request.headers.get("host");
  const hostname = host === null ? undefined : parseHostname(host);
  if (hostname === undefined) throw new HttpError(400, "the request has no valid Host header");
  if (!isAddress(hostname) && !allowed.has(hostname)) {
    throw new HttpError(
      403,
      `this server does not answer to the name "${hostname}": use its address, or start ` +
        `it with --allow-host ${hostname}`,
    );
  }
  const origin = request.headers.get("origin");
  if (origin !== null && !sameOrigin(origin, host!)) {
    throw new HttpError(403, "requests from other web sites are refused");
  }
  const site = request.headers.get("sec-fetch-site");
  if (site === "cross-site" || site === "same-site") {
    throw new HttpError(403, "requests from other web sites are refused");
  }
}

/** Whether `origin` (scheme://host[:port]) names the host and port of the Host header. */
function sameOrigin(origin: string, host: string): boolean {
  try {
    const page = new URL(origin);
    const target = new URL(`http://${host}`);
    if (page.protocol !== "http:" && page.protocol !== "https:") return false;
    // URL drops default ports: behind a TLS proxy both are "" (https://name and Host: name).
    return page.hostname === target.hostname && page.port === target.port;
  } catch {
    return false; // "null" (a sandboxed frame, a file) or garbage
  }
}

/** The lower-cased host name of a Host header value ("name:port", "[::1]:8000"), if valid. */
function parseHostname(host: string): string | undefined {
  if (!host || /[\s/?#@\\]/.test(host)) return undefined;
  try {
    return new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** An IPv4 or bracketed IPv6 address (as URL.hostname writes them): never a rebinding name. */
function isAddress(hostname: string): boolean {
  return hostname.startsWith("[") || /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname);
}
