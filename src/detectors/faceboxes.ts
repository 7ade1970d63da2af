/**
 * FaceBoxes (Zhang et al. 2017), the TensorFlow port shipped with Human's models: a
 * black-box judge. Its graph holds loops and non-max suppression, so it is run as
 * deployed (full-resolution uint8 input) and never differentiated.
 */
import * as tf from "@tensorflow/tfjs";
import type { Detector, Face } from "./types.ts";
import { imageToTensor, type RgbImage } from "../image/rgb_image.ts";
import { loadGraphModel } from "../models/load_graph_model.ts";

/** A loaded FaceBoxes model. */
export class FaceBoxesDetector implements Detector {
  /** Detector id. */
  readonly id = "faceboxes";
  /** Model family. */
  readonly family = "faceboxes";
  /** Forward only. */
  readonly kind = "blackbox" as const;
  /** Score threshold: the clear gap between faces (>0.9) and clutter (<0.3) on the samples. */
  readonly threshold = 0.5;
  /** One line for listings. */
  readonly description = "FaceBoxes (Zhang et al. 2017), any input size, graph with built-in NMS";
  readonly #model: tf.GraphModel;

  private constructor(model: tf.GraphModel) {
    this.#model = model;
  }

  /** Loads and verifies the model. */
  static async load(): Promise<FaceBoxesDetector> {
    return new FaceBoxesDetector(await loadGraphModel("faceboxes"));
  }

  /** Finds faces: boxes come out normalised as [ymin, xmin, ymax, xmax]. */
  async detect(image: RgbImage): Promise<Face[]> {
    const input = tf.tidy(() => imageToTensor(image).toInt());
    const outputs = await this.#model.executeAsync(input) as tf.Tensor[];
    input.dispose();
    const [scoresT, boxesT, countT] = outputs;
    const scores = await scoresT.data();
    const boxes = await boxesT.data();
    const count = (await countT.data())[0];
    tf.dispose(outputs);
    const faces: Face[] = [];
    for (let i = 0; i < count; i++) {
      if (!(scores[i] > this.threshold)) continue;
      const [ymin, xmin, ymax, xmax] = boxes.subarray(i * 4, i * 4 + 4);
      faces.push({
        box: [
          xmin * image.width,
          ymin * image.height,
          (xmax - xmin) * image.width,
          (ymax - ymin) * image.height,
        ],
        score: scores[i],
      });
    }
    return faces;
  }

  /** Releases the weights. */
  dispose(): void {
    this.#model.dispose();
  }
}
