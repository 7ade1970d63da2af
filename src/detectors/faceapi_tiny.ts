/**
 * face-api's TinyFaceDetector (`@vladmandic/face-api` 1.7.15): a Tiny-YOLOv2-style
 * network with depthwise-separable convolutions, as a black-box judge run through
 * face-api's own `locateFaces`.
 */
import * as tf from "@tensorflow/tfjs";
import type { Detector, Face } from "./types.ts";
import { imageToTensor, type RgbImage } from "../image/rgb_image.ts";
import { faceapi, loadFaceApiWeights } from "./faceapi_ssd.ts";

/** face-api's TinyFaceDetector at input 608 and score threshold 0.4. */
export class FaceApiTinyDetector implements Detector {
  /** Detector id. */
  readonly id = "faceapi-tiny";
  /** Model family. */
  readonly family = "tiny-yolo";
  /** Forward only. */
  readonly kind = "blackbox" as const;
  /**
   * Score threshold, with input 608: the setting EqualAIs measures with. face-api's
   * defaults (input 416, score 0.5) found 3,1,3,3,5,5 faces in the samples instead of
   * 3,2,3,4,5,4.
   */
  readonly threshold = 0.4;
  /** Square network input in pixels (a multiple of 32). */
  readonly inputSize = 608;
  /** One line for listings. */
  readonly description =
    "face-api 1.7.15 TinyFaceDetector (Tiny-YOLOv2 style), input 608, score 0.4";
  readonly #net: InstanceType<typeof faceapi.TinyFaceDetector>;

  private constructor(net: InstanceType<typeof faceapi.TinyFaceDetector>) {
    this.#net = net;
  }

  /** Verifies and loads the model files from models/. */
  static async load(): Promise<FaceApiTinyDetector> {
    const net = new faceapi.TinyFaceDetector();
    const weights = await loadFaceApiWeights("tiny_face_detector_model");
    net.loadFromWeightMap(weights as unknown as faceapi.tf.NamedTensorMap);
    return new FaceApiTinyDetector(net);
  }

  /** Runs face-api's `locateFaces` (its NMS at IoU 0.4). */
  async detect(image: RgbImage): Promise<Face[]> {
    const input = tf.tidy(() => imageToTensor(image).squeeze([0]) as tf.Tensor3D);
    try {
      const options = new faceapi.TinyFaceDetectorOptions({
        inputSize: this.inputSize,
        scoreThreshold: this.threshold,
      });
      const found = await this.#net.locateFaces(input as unknown as faceapi.TNetInput, options);
      return found.map((d) => ({
        box: [d.box.x, d.box.y, d.box.width, d.box.height] as Face["box"],
        score: d.score,
      }));
    } finally {
      input.dispose();
    }
  }

  /** Releases the weights. */
  dispose(): void {
    this.#net.dispose();
  }
}
