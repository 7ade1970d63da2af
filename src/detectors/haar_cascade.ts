/**
 * OpenCV's Haar cascade (Viola and Jones 2001, "Rapid object detection using a boosted
 * cascade of simple features"; Lienhart and Maydt 2002 for the extended features) with
 * `haarcascade_frontalface_default.xml` from Debian's opencv-data: the classic non-neural
 * face detector, a black-box judge. Runs in `@techstark/opencv-js` (OpenCV 4.5.2 compiled
 * to WebAssembly), loaded once per process.
 *
 * Pipeline: RGB -> grayscale (OpenCV's BT.601 weights) -> area-downscale so the longer side
 * is at most `maxSide` -> `equalizeHist` -> `detectMultiScale2` -> boxes scaled back to
 * source pixels. Haar fires on textured background (hands, fabric, patterns), so count
 * its boxes only where they match a reference face.
 */
import process from "node:process";
import type { Detector, Face } from "./types.ts";
import type { RgbImage } from "../image/rgb_image.ts";
import { MODELS_DIR } from "../paths.ts";
import { readManifest, verifyFile } from "../verified_files.ts";
import { SetupError } from "../errors.ts";

/** The cascade file in models/ (listed in models/manifest.json). */
export const HAAR_CASCADE_FILE = "haarcascade_frontalface_default.xml";

/** Options of the Haar detector; the defaults were measured on the six samples. */
export interface HaarCascadeOptions {
  /** Folder holding the cascade and manifest.json (default: models/). */
  dir?: string;
  /** Scale step between pyramid levels (default 1.1, OpenCV's default). */
  scaleFactor?: number;
  /**
   * Overlapping raw detections a face needs (OpenCV keeps groups with more than this);
   * default 5: on the samples it gives 26 boxes matching 15 of 23 reference faces, where 3
   * gives 40 boxes matching 17.
   */
  minNeighbors?: number;
  /**
   * Longer image side, in pixels, the image is area-downscaled to before detection;
   * 0 keeps full resolution. Default 960: ~3x faster than at 1920 px, as many reference
   * faces matched on the samples (15 of 23) and fewer background boxes (26 boxes, not 35).
   */
  maxSide?: number;
  /** Smallest face searched for, in detection-image pixels (default 30, >= 1% of the shorter side). */
  minSize?: number;
}

interface Mat {
  readonly rows: number;
  readonly cols: number;
  readonly data: Uint8Array;
  delete(): void;
}
interface Size {
  width: number;
  height: number;
}
interface Vector<T> {
  size(): number;
  get(i: number): T;
  delete(): void;
}
interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface CascadeClassifier {
  load(path: string): boolean;
  empty(): boolean;
  detectMultiScale2(
    image: Mat,
    objects: Vector<Rect>,
    numDetections: Vector<number>,
    scaleFactor: number,
    minNeighbors: number,
    flags: number,
    minSize: Size,
    maxSize: Size,
  ): void;
  delete(): void;
}
/** The subset of the opencv-js API this file uses (its bundled typings are incomplete). */
export interface OpenCv {
  Mat: { new (): Mat; new (rows: number, cols: number, type: number): Mat };
  Size: new (width: number, height: number) => Size;
  RectVector: new () => Vector<Rect>;
  IntVector: new () => Vector<number>;
  CascadeClassifier: new () => CascadeClassifier;
  CV_8UC1: number;
  INTER_AREA: number;
  INTER_LINEAR_EXACT: number;
  resize(src: Mat, dst: Mat, size: Size, fx: number, fy: number, interpolation: number): void;
  equalizeHist(src: Mat, dst: Mat): void;
  FS_createDataFile(
    parent: string,
    name: string,
    data: Uint8Array,
    canRead: boolean,
    canWrite: boolean,
    canOwn: boolean,
  ): void;
  FS_unlink(path: string): void;
  onRuntimeInitialized?: () => void;
  onAbort?: (what: unknown) => void;
}

/** The loaded opencv-js module, in a holder: the module itself must never resolve a promise. */
export interface OpenCvHolder {
  /** The opencv-js module (emscripten `Module`), initialised. */
  readonly cv: OpenCv;
}

let openCv: Promise<OpenCvHolder> | undefined;

/**
 * Loads opencv-js once per process. Its module object has a `then` that calls back with
 * the module itself, so awaiting it, or resolving any promise with it (returning it from
 * an async function included), spins forever: this waits for `onRuntimeInitialized` and
 * hands the module out inside a plain holder object. Under Deno the emscripten glue
 * believes it runs in Node and adds process-wide `unhandledRejection` (abort) and
 * `uncaughtException` listeners; they are removed again.
 */
export function loadOpenCv(): Promise<OpenCvHolder> {
  openCv ??= (async () => {
    const events = ["unhandledRejection", "uncaughtException"] as const;
    const before = events.map((event) => process.listeners(event));
    const mod = await import("@techstark/opencv-js");
    events.forEach((event, i) => {
      for (const listener of process.listeners(event)) {
        if (!before[i].includes(listener)) process.removeListener(event, listener);
      }
    });
    const cv = mod.default as unknown as OpenCv;
    if (typeof (cv as Partial<OpenCv>).Mat !== "function") {
      await new Promise<void>((resolve, reject) => {
        const previous = cv.onRuntimeInitialized;
        cv.onRuntimeInitialized = () => {
          previous?.();
          resolve();
        };
        cv.onAbort = (what) => reject(new Error(`opencv-js failed to start: ${what}`));
      });
    }
    return { cv };
  })();
  openCv.catch(() => (openCv = undefined));
  return openCv;
}

let fileCounter = 0;

/** OpenCV's Haar cascade frontal-face detector. */
export class HaarCascadeDetector implements Detector {
  /** Detector id. */
  readonly id = "haar";
  /** Model family. */
  readonly family = "viola-jones";
  /** Forward only. */
  readonly kind = "blackbox" as const;
  /**
   * Score threshold. Scores are n / (n + minNeighbors) for a box backed by n raw
   * detections (detectMultiScale2's numDetections); OpenCV keeps n > minNeighbors, so
   * every returned box scores above 0.5.
   */
  readonly threshold = 0.5;
  /** One line for listings. */
  readonly description =
    "OpenCV Haar cascade (Viola-Jones 2001), frontalface_default, opencv-js 4.5.2";
  /** Scale step between pyramid levels. */
  readonly scaleFactor: number;
  /** Raw detections a face needs (more than this). */
  readonly minNeighbors: number;
  /** Longer side the image is downscaled to before detection (0: never). */
  readonly maxSide: number;
  /** Smallest face searched for, in detection-image pixels. */
  readonly minSize: number;
  readonly #cv: OpenCv;
  #classifier: CascadeClassifier | undefined;

  private constructor(cv: OpenCv, classifier: CascadeClassifier, options: HaarCascadeOptions) {
    this.#cv = cv;
    this.#classifier = classifier;
    this.scaleFactor = options.scaleFactor ?? 1.1;
    this.minNeighbors = options.minNeighbors ?? 5;
    this.maxSide = options.maxSide ?? 960;
    this.minSize = options.minSize ?? 30;
    if (!(this.scaleFactor > 1)) throw new RangeError("haar: scaleFactor must be > 1");
    if (!(this.minNeighbors >= 0)) throw new RangeError("haar: minNeighbors must be >= 0");
    if (!(this.maxSide === 0 || this.maxSide >= 24)) {
      throw new RangeError("haar: maxSide must be 0 (full resolution) or >= 24");
    }
  }

  /** Verifies the cascade's SHA-256, loads opencv-js (once per process) and the cascade. */
  static async load(options: HaarCascadeOptions = {}): Promise<HaarCascadeDetector> {
    const dir = options.dir ?? MODELS_DIR;
    const manifest = await readManifest(`${dir}/manifest.json`).catch((error) => {
      if (error instanceof Deno.errors.NotFound) {
        throw new SetupError(`${dir}/manifest.json is missing`);
      }
      throw error;
    });
    const entry = manifest.files.find((f) => f.file === HAAR_CASCADE_FILE);
    if (!entry) {
      throw new SetupError(`${HAAR_CASCADE_FILE} is not listed in ${dir}/manifest.json`);
    }
    await verifyFile(dir, entry);
    const xml = await Deno.readFile(`${dir}/${HAAR_CASCADE_FILE}`);
    const { cv } = await loadOpenCv();
    const name = `haar-${++fileCounter}.xml`;
    cv.FS_createDataFile("/", name, xml, true, false, false);
    const classifier = new cv.CascadeClassifier();
    try {
      if (!classifier.load(`/${name}`) || classifier.empty()) {
        throw new Error(`${dir}/${HAAR_CASCADE_FILE}: OpenCV could not parse the cascade`);
      }
      return new HaarCascadeDetector(cv, classifier, options);
    } catch (error) {
      classifier.delete();
      throw error;
    } finally {
      cv.FS_unlink(`/${name}`);
    }
  }

  /** Finds frontal faces; boxes are square, in source pixels. */
  detect(image: RgbImage): Promise<Face[]> {
    try {
      const { minNeighbors } = this;
      const scale = this.#scaleOf(image);
      const faces = this.#detectMultiScale(image, minNeighbors).map(({ box, count }): Face => ({
        box: box.map((v) => v / scale) as Face["box"],
        score: count / (count + Math.max(minNeighbors, 1)),
      }));
      return Promise.resolve(faces.sort((a, b) => b.score - a.score));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Every window that passed the whole cascade, before OpenCV groups them (detectMultiScale
   * with no neighbours required), as [x, y, side, side] in detection-image pixels (see
   * detectionImage): what the surrogate's window search (haar_windows.ts) is checked against.
   */
  rawWindows(image: RgbImage): number[][] {
    return this.#detectMultiScale(image, 0).map(({ box }) => box);
  }

  /**
   * The grey image the cascade runs on (`pixels`): BT.601 grey, area-downscaled so the longer
   * side is at most maxSide, histogram-equalised; `grey` before equalisation; `scale` is its
   * size over the photo's.
   */
  detectionImage(
    image: RgbImage,
  ): { pixels: Uint8Array; grey: Uint8Array; width: number; height: number; scale: number } {
    const input = this.#greyMat(image);
    try {
      const grey = input.data.slice();
      this.#cv.equalizeHist(input, input);
      return {
        pixels: input.data.slice(),
        grey,
        width: input.cols,
        height: input.rows,
        scale: this.#scaleOf(image),
      };
    } finally {
      input.delete();
    }
  }

  /**
   * The pyramid levels of a detection image: OpenCV's fixed-point linear resize to each
   * level's width x height, the calls detectMultiScale makes for those scale factors.
   */
  resizeLevels(
    detection: { pixels: Uint8Array; width: number; height: number },
    levels: readonly { width: number; height: number; factor: number }[],
  ): Uint8Array[] {
    const cv = this.#cv;
    // One copy of the detection image for every level: this runs on every attack step.
    const src = new cv.Mat(detection.height, detection.width, cv.CV_8UC1);
    const dst = new cv.Mat();
    try {
      src.data.set(detection.pixels);
      return levels.map((level) => {
        cv.resize(
          src,
          dst,
          new cv.Size(level.width, level.height),
          1 / level.factor,
          1 / level.factor,
          cv.INTER_LINEAR_EXACT,
        );
        return dst.data.slice();
      });
    } finally {
      src.delete();
      dst.delete();
    }
  }

  #scaleOf(image: RgbImage): number {
    const longer = Math.max(image.width, image.height);
    return this.maxSide && longer > this.maxSide ? this.maxSide / longer : 1;
  }

  /** Smallest window searched, in detection-image pixels, for a rows x cols detection image. */
  minWindow(rows: number, cols: number): number {
    return Math.round(Math.max(this.minSize, 0.01 * Math.min(rows, cols)));
  }

  #detectionMat(image: RgbImage): Mat {
    const mat = this.#greyMat(image);
    this.#cv.equalizeHist(mat, mat);
    return mat;
  }

  /** BT.601 grey at the detection size, before equalisation. */
  #greyMat(image: RgbImage): Mat {
    if (!this.#classifier) throw new Error("haar: detector was disposed");
    const cv = this.#cv;
    const { width, height } = image;
    if (image.data.length !== width * height * 3) {
      throw new RangeError(
        `haar: image data has ${image.data.length} bytes, expected ${width}x${height}x3`,
      );
    }
    const scale = this.#scaleOf(image);
    const gray = new cv.Mat(height, width, cv.CV_8UC1);
    toGray(image, gray.data);
    if (scale >= 1) return gray;
    const small = new cv.Mat();
    try {
      const size = new cv.Size(Math.round(width * scale), Math.round(height * scale));
      cv.resize(gray, small, size, 0, 0, cv.INTER_AREA);
      return small;
    } catch (error) {
      small.delete();
      throw error;
    } finally {
      gray.delete();
    }
  }

  /** detectMultiScale2 on the detection image; boxes in its pixels, with their counts. */
  #detectMultiScale(image: RgbImage, minNeighbors: number) {
    const classifier = this.#classifier;
    if (!classifier) throw new Error("haar: detector was disposed");
    const cv = this.#cv;
    const input = this.#detectionMat(image);
    const rects = new cv.RectVector();
    const counts = new cv.IntVector();
    try {
      const minSize = this.minWindow(input.rows, input.cols);
      classifier.detectMultiScale2(
        input,
        rects,
        counts,
        this.scaleFactor,
        minNeighbors,
        0,
        new cv.Size(minSize, minSize),
        new cv.Size(0, 0),
      );
      const found: { box: [number, number, number, number]; count: number }[] = [];
      for (let i = 0; i < rects.size(); i++) {
        const r = rects.get(i);
        found.push({
          box: [r.x, r.y, r.width, r.height],
          count: counts.get(i),
        });
      }
      return found;
    } finally {
      input.delete();
      rects.delete();
      counts.delete();
    }
  }

  /** Frees the cascade (opencv-js itself stays loaded for the process). */
  dispose(): void {
    this.#classifier?.delete();
    this.#classifier = undefined;
  }
}

/**
 * Grayscale with OpenCV's fixed-point BT.601 weights (0.299, 0.587, 0.114 in 1/16384ths);
 * opencv-js's cvtColor RGB2GRAY differs by 1 on ~0.005% of pixels (128 of sample3's 2.6 M).
 */
function toGray(image: RgbImage, out: Uint8Array): void {
  const { data } = image;
  for (let i = 0, j = 0; j < out.length; i += 3, j++) {
    out[j] = (data[i] * 4899 + data[i + 1] * 9617 + data[i + 2] * 1868 + 8192) >> 14;
  }
}
