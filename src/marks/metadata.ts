/**
 * The machine-readable mark: an XMP packet with the IPTC Photo Metadata "Data Mining"
 * property (XMP `plus:DataMining`, PLUS LDF namespace) set to the PLUS vocabulary's
 * "Prohibited" term, a rights statement (`xmpRights:UsageTerms`, `dc:rights`), and the
 * same message in EXIF ImageDescription. sharp (libvips/libexif) writes it into JPEG, PNG
 * and WebP; nothing of the input's metadata is copied, so GPS positions, camera serial
 * numbers and other identifying fields are gone.
 *
 * Reading back uses exifr, a separate parser from the one that wrote it.
 */
import exifr from "exifr";
import type sharp from "sharp";
import { sniffFormat } from "../image/decode.ts";
import { UserError } from "../errors.ts";

/** XMP namespace of the PLUS License Data Format, where IPTC's Data Mining property lives. */
export const PLUS_NAMESPACE = "http://ns.useplus.org/ldf/xmp/1.0/";

/** Prefix of every PLUS controlled-vocabulary value. */
export const PLUS_VOCABULARY = "http://ns.useplus.org/ldf/vocab/";

/**
 * The Data Mining value written: PLUS's "Prohibited", the unconditional term. The
 * narrower terms only prohibit AI/ML training, or allow search-engine indexing.
 */
export const DATA_MINING_PROHIBITED = "DMI-PROHIBITED";

/** What the marks say. */
export interface MetadataMarks {
  /** The consent statement: usage terms, other constraints, description, ImageDescription. */
  message: string;
  /** Rights statement for dc:rights and EXIF Copyright (default RIGHTS_STATEMENT). */
  rights?: string;
}

/** The default rights statement. */
export const RIGHTS_STATEMENT =
  "No permission is given for automated face detection, face recognition, biometric " +
  "identification or data mining of this image.";

/** Marks read from a file. */
export interface MarksFound {
  /** PLUS Data Mining term (e.g. "DMI-PROHIBITED"), or null. */
  dataMining: string | null;
  /** True when that term prohibits data mining (any DMI-PROHIBITED* term). */
  dataMiningProhibited: boolean;
  /** xmpRights:UsageTerms, or null. */
  usageTerms: string | null;
  /** dc:rights, or null. */
  rights: string | null;
  /** EXIF ImageDescription, or null. */
  imageDescription: string | null;
  /** Identifying fields present (GPS position, serial numbers, owner, camera). */
  identifying: string[];
}

/** EXIF values are ASCII: accents are dropped, anything else becomes "?". */
export function toExifAscii(text: string): string {
  return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^\x20-\x7e]/g, "?");
}

/**
 * The EXIF the marks write (IFD0: ImageDescription, Copyright, Software).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { marksExif } from "./metadata.ts";
 * const exif = marksExif({ message: "No face recognition, please." });
 * assert.equal(exif.IFD0?.ImageDescription, "No face recognition, please.");
 * assert.equal(exif.IFD0?.Software, "EqualAIs");
 * ```
 */
export function marksExif(marks: MetadataMarks): sharp.Exif {
  checkMessage(marks.message);
  return {
    IFD0: {
      ImageDescription: toExifAscii(marks.message),
      Copyright: toExifAscii(marks.rights ?? RIGHTS_STATEMENT),
      Software: "EqualAIs",
    },
  };
}

/**
 * The XMP packet the marks write.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { marksXmp } from "./metadata.ts";
 * const xmp = marksXmp({ message: "No face recognition, please." });
 * assert.match(xmp, /<plus:DataMining>http:\/\/ns.useplus.org\/ldf\/vocab\/DMI-PROHIBITED</);
 * assert.ok(xmp.includes("No face recognition, please."));
 * ```
 */
export function marksXmp(marks: MetadataMarks): string {
  checkMessage(marks.message);
  const message = escapeXml(marks.message);
  const rights = escapeXml(marks.rights ?? RIGHTS_STATEMENT);
  const alt = (text: string) => `<rdf:Alt><rdf:li xml:lang="x-default">${text}</rdf:li></rdf:Alt>`;
  return `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/"
    xmlns:plus="${PLUS_NAMESPACE}">
   <plus:DataMining>${PLUS_VOCABULARY}${DATA_MINING_PROHIBITED}</plus:DataMining>
   <plus:OtherConstraints>${alt(message)}</plus:OtherConstraints>
   <xmpRights:Marked>True</xmpRights:Marked>
   <xmpRights:UsageTerms>${alt(message)}</xmpRights:UsageTerms>
   <dc:rights>${alt(rights)}</dc:rights>
   <dc:description>${alt(message)}</dc:description>
   <xmp:CreatorTool>EqualAIs</xmp:CreatorTool>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;
}

function checkMessage(message: string): void {
  if (message.trim().length === 0) throw new UserError("the protection message is empty");
  if (message.length > 500) {
    throw new UserError(`the protection message is ${message.length} characters; at most 500`);
  }
}

/** EXIF and XMP tags that identify a person, a place or a device, with readable names. */
const IDENTIFYING_TAGS: Record<string, string> = {
  GPSLatitude: "GPS position",
  GPSLongitude: "GPS position",
  latitude: "GPS position",
  longitude: "GPS position",
  BodySerialNumber: "camera serial number",
  SerialNumber: "camera serial number",
  CameraSerialNumber: "camera serial number",
  InternalSerialNumber: "camera serial number",
  LensSerialNumber: "lens serial number",
  ImageUniqueID: "image unique id",
  CameraOwnerName: "camera owner",
  OwnerName: "camera owner",
  Artist: "artist name",
  creator: "creator name",
  Make: "camera make and model",
  Model: "camera make and model",
  HostComputer: "computer name",
  City: "location",
  Location: "location",
  LocationCreated: "location",
  LocationShown: "location",
  PersonInImage: "names of people pictured",
  // Tags exifr leaves unnamed where a writer put them in IFD0 (numbers of the Exif IFD tags).
  "42032": "camera owner",
  "42033": "camera serial number",
  "42037": "lens serial number",
  "42016": "image unique id",
};

/**
 * Reads the marks (and any identifying fields) from JPEG, PNG or WebP bytes with exifr.
 * exifr skips a block it cannot parse and returns the rest; with `strict`, a damaged
 * block throws a UserError instead (so a caller can say the list may be incomplete).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readImage } from "../image/decode.ts";
 * import { encodeImage } from "../image/encode.ts";
 * import { marksExif, marksXmp, readMarks } from "./metadata.ts";
 * const photo = await readImage("data/dev/aksel-andersson-w256.jpg");
 * const marks = { message: "No face recognition, please." };
 * const bytes = await encodeImage(photo, "jpeg", { exif: marksExif(marks), xmp: marksXmp(marks) });
 * const found = await readMarks(bytes);
 * assert.equal(found.dataMining, "DMI-PROHIBITED");
 * assert.equal(found.usageTerms, "No face recognition, please.");
 * ```
 */
export async function readMarks(
  bytes: Uint8Array,
  options: { strict?: boolean } = {},
): Promise<MarksFound> {
  const strict = options.strict ?? false;
  const format = sniffFormat(bytes);
  if (!format) throw new UserError("not a JPEG, PNG or WebP image (unrecognised content)");
  const segments: Record<string, unknown>[] = [];
  if (format === "webp") {
    // exifr does not open WebP: hand it the RIFF container's EXIF (TIFF) and XMP chunks.
    const chunks = riffChunks(bytes);
    const exif = chunks.get("EXIF");
    if (exif) segments.push(...await parseSegments(stripExifHeader(exif), strict));
    const xmp = chunks.get("XMP ");
    if (xmp) segments.push(await parseXmp(xmp));
  } else {
    segments.push(...await parseSegments(bytes, strict));
    // exifr leaves PNG's XMP (an iTXt chunk) as raw text: parse it as an XMP packet.
    for (const segment of [...segments]) {
      for (const block of [segment, ...Object.values(segment)]) {
        const raw = (block as Record<string, unknown> | null)?.["XML:com.adobe.xmp"];
        if (typeof raw === "string") segments.push(await parseXmp(new TextEncoder().encode(raw)));
      }
    }
  }
  const find = (namespace: string, key: string): unknown => {
    for (const segment of segments) {
      const block = namespace ? segment[namespace] : segment;
      if (block && typeof block === "object" && key in block) {
        return (block as Record<string, unknown>)[key];
      }
    }
    return undefined;
  };
  const dataMiningValue = text(find("plus", "DataMining"));
  const dataMining = dataMiningValue?.replace(PLUS_VOCABULARY, "") ?? null;
  const identifying = new Set<string>();
  const visit = (value: unknown, depth: number) => {
    if (!value || typeof value !== "object" || depth > 3) return;
    for (const [key, inner] of Object.entries(value)) {
      if (key in IDENTIFYING_TAGS && inner !== undefined && inner !== null && inner !== "") {
        identifying.add(IDENTIFYING_TAGS[key]);
      }
      visit(inner, depth + 1);
    }
  };
  for (const segment of segments) visit(segment, 0);
  return {
    dataMining,
    dataMiningProhibited: dataMining?.startsWith(DATA_MINING_PROHIBITED) ?? false,
    usageTerms: text(find("xmpRights", "UsageTerms")),
    rights: text(find("dc", "rights")),
    imageDescription: text(find("ifd0", "ImageDescription")),
    identifying: [...identifying].sort(),
  };
}

/** Runs exifr over a whole file (or a bare TIFF/EXIF block), one dictionary per segment. */
async function parseSegments(
  bytes: Uint8Array,
  strict: boolean,
): Promise<Record<string, unknown>[]> {
  let output: Record<string, unknown> | undefined;
  // silentErrors is a documented exifr option that its typings leave out.
  const options = {
    silentErrors: !strict,
    tiff: true,
    exif: true,
    gps: true,
    ifd1: false,
    interop: false,
    xmp: true,
    iptc: true,
    icc: false,
    jfif: false,
    ihdr: true,
    mergeOutput: false,
    multiSegment: true,
  };
  try {
    output = await exifr.parse(bytes, options);
  } catch (error) {
    throw new UserError(`metadata cannot be read (${(error as Error).message})`);
  }
  if (!output) return [];
  // Non-merged output is keyed by segment ("ifd0", "gps", "ihdr") and XMP namespace.
  return [output];
}

async function parseXmp(bytes: Uint8Array): Promise<Record<string, unknown>> {
  try {
    return ((await exifr.sidecar(bytes, {}, "xmp")) ?? {}) as Record<string, unknown>;
  } catch (error) {
    throw new UserError(`XMP metadata cannot be read (${(error as Error).message})`);
  }
}

/** Top-level chunks of a RIFF (WebP) file by four-character id. */
function riffChunks(bytes: Uint8Array): Map<string, Uint8Array> {
  const chunks = new Map<string, Uint8Array>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 12; // "RIFF", size, "WEBP"
  while (offset + 8 <= bytes.length) {
    const id = String.fromCharCode(...bytes.subarray(offset, offset + 4));
    const size = view.getUint32(offset + 4, true);
    const start = offset + 8;
    if (start + size > bytes.length) break; // truncated: keep what was complete
    if (!chunks.has(id)) chunks.set(id, bytes.subarray(start, start + size));
    offset = start + size + (size % 2); // chunks are padded to even sizes
  }
  return chunks;
}

/** Some writers put JPEG's "Exif\0\0" header in front of WebP's TIFF block. */
function stripExifHeader(block: Uint8Array): Uint8Array {
  const header = [0x45, 0x78, 0x69, 0x66, 0, 0];
  return header.every((b, i) => block[i] === b) ? block.subarray(6) : block;
}

/** A plain string from an exifr value: strings, language alternatives, or {resource}. */
function text(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return unescapeXml(value);
  if (Array.isArray(value)) return value.length ? text(value[0]) : null;
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    if ("value" in record) return text(record.value);
    if ("resource" in record) return text(record.resource);
  }
  return String(value);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** exifr returns XMP text with its entities still escaped. */
function unescapeXml(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}
