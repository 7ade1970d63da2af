"""face-api's SSD-MobileNetV1 and TinyFaceDetector in PyTorch, on face-api's own weight files.

face-api (@vladmandic/face-api 1.7.15) builds its networks in code from a weight map, not from a
graph, so they are re-written here op for op after face-api's sources (ssdMobilenetv1/
mobileNetV1.ts, predictionLayer.ts, boxPredictionLayer.ts; tinyYolov2/TinyYolov2Base.ts
runMobilenet, depthwiseSeparableConv.ts, leaky.ts). Only what the face scores depend on is
computed, as on the TensorFlow.js side (src/detectors/faceapi_ssd.ts): the box regressors are left
out. Inputs are NHWC pixels 0..255 at the network's input size; outputs are face logits [B, N]."""
import json
import numpy as np, torch, torch.nn.functional as F


def load_weight_map(model_dir, name):
    """Decodes `<name>-weights_manifest.json` like tf.io.decodeWeights: uint8-quantised values
    become q * scale + min, computed in double and rounded to float32 as tfjs does."""
    groups = json.load(open(f"{model_dir}/{name}-weights_manifest.json"))
    out = {}
    for group in groups:
        raw = b"".join(open(f"{model_dir}/{p}", "rb").read() for p in group["paths"])
        off = 0
        for w in group["weights"]:
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            q = w.get("quantization")
            if q and q["dtype"] == "uint8":
                a = np.frombuffer(raw, np.uint8, n, off).astype(np.float64) * q["scale"] + q["min"]
                off += n
            elif q and q["dtype"] == "float16":
                a = np.frombuffer(raw, np.float16, n, off); off += 2 * n
            else:
                a = np.frombuffer(raw, np.int32 if w["dtype"] == "int32" else np.float32, n, off); off += 4 * n
            dt = np.int32 if w["dtype"] == "int32" else np.float32
            out[w["name"]] = torch.from_numpy(a.astype(dt).reshape(w["shape"]).copy())
    return out


def move(value, device):
    """The tensors of nested lists and tuples, on `device`."""
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, (list, tuple)):
        return type(value)(move(v, device) for v in value)
    return value


class Net:
    """Weights kept as plain tensors in attributes; `to` moves them all."""

    def __call__(self, x):
        return self.forward(x)

    def to(self, device):
        for k, v in list(vars(self).items()):
            setattr(self, k, move(v, device))
        return self


def conv_filter(f):
    """TF [kh, kw, in, out] -> torch [out, in, kh, kw]."""
    return f.permute(3, 2, 0, 1).contiguous()


def depthwise_filter(f):
    """TF [kh, kw, C, 1] -> torch [C, 1, kh, kw]."""
    return f.permute(2, 3, 0, 1).contiguous()


def same_pad(x, k, s, value=0.0):
    """TF 'SAME' padding of an NCHW tensor (the extra pixel goes after, as in TensorFlow)."""
    h, w = x.shape[2], x.shape[3]
    ph = max((-(-h // s) - 1) * s + k - h, 0); pw = max((-(-w // s) - 1) * s + k - w, 0)
    if ph == 0 and pw == 0:
        return x
    return F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2), value=value)


class FaceApiSsd(Net):
    """MobileNetV1 features and the SSD class head at 512x512; face logits [B, 5118]."""
    size = 512
    BN_EPS = 0.0010000000474974513  # face-api's mobileNetV1.ts
    STRIDE_2 = (2, 4, 6, 12)

    def __init__(self, model_dir):
        w = load_weight_map(model_dir, "ssd_mobilenetv1_model")
        m = "MobilenetV1/"
        self.conv0 = (conv_filter(w[m + "Conv2d_0_pointwise/weights"]), w[m + "Conv2d_0_pointwise/convolution_bn_offset"])
        self.pairs = []
        for i in range(1, 14):
            d = f"{m}Conv2d_{i}_depthwise/"
            p = f"{m}Conv2d_{i}_pointwise/"
            # tf.batchNorm: (x - mean) * scale / sqrt(var + eps) + offset, folded per channel.
            inv = torch.rsqrt(w[d + "BatchNorm/moving_variance"] + self.BN_EPS) * w[d + "BatchNorm/gamma"]
            shift = w[d + "BatchNorm/beta"] - w[d + "BatchNorm/moving_mean"] * inv
            self.pairs.append((depthwise_filter(w[d + "depthwise_weights"]), inv.view(1, -1, 1, 1), shift.view(1, -1, 1, 1),
                               conv_filter(w[p + "weights"]), w[p + "convolution_bn_offset"], 2 if i in self.STRIDE_2 else 1))
        self.extra = [(conv_filter(w[f"Prediction/Conv2d_{i}_pointwise/weights"]),
                       w[f"Prediction/Conv2d_{i}_pointwise/convolution_bn_offset"]) for i in range(8)]
        self.classes = [(conv_filter(w[f"Prediction/BoxPredictor_{i}/ClassPredictor/weights"]),
                         w[f"Prediction/BoxPredictor_{i}/ClassPredictor/biases"]) for i in range(6)]

    @staticmethod
    def pointwise(x, params, stride):
        f, b = params
        return F.conv2d(same_pad(x, f.shape[2], stride), f, b, stride=stride).clamp(0, 6)

    def forward(self, x):
        b = x.shape[0]
        out = (x.permute(0, 3, 1, 2) / 127.5 - 1)
        out = self.pointwise(out, self.conv0, 2)
        conv11 = None
        for i, (df, inv, shift, pf, pb, s) in enumerate(self.pairs, start=1):
            out = F.conv2d(same_pad(out, 3, s), df, stride=s, groups=out.shape[1])
            out = (out * inv + shift).clamp(0, 6)
            out = self.pointwise(out, (pf, pb), 1)
            if i == 11:
                conv11 = out
        maps = [conv11, out]
        y = out
        for i in range(0, 8, 2):
            y = self.pointwise(self.pointwise(y, self.extra[i], 1), self.extra[i + 1], 2)
            maps.append(y)
        logits = [F.conv2d(m, f, bias).permute(0, 2, 3, 1).reshape(b, -1, 3)[:, :, 1]
                  for m, (f, bias) in zip(maps, self.classes)]
        return torch.cat(logits, 1)


class FaceApiTiny(Net):
    """TinyFaceDetector (Tiny-YOLOv2 style, separable convolutions) at 608x608; face logits
    [B, 19 * 19 * 5]: the score channel of each of 5 boxes per cell, in row, column, box order."""
    size = 608
    MEAN_RGB = (117.001, 114.697, 97.404)  # face-api's tinyFaceDetector/const.ts

    def __init__(self, model_dir):
        w = load_weight_map(model_dir, "tiny_face_detector_model")
        self.conv0 = (conv_filter(w["conv0/filters"]), w["conv0/bias"])
        self.separable = [(depthwise_filter(w[f"conv{i}/depthwise_filter"]), conv_filter(w[f"conv{i}/pointwise_filter"]),
                           w[f"conv{i}/bias"]) for i in range(1, 6)]
        self.conv8 = (conv_filter(w["conv8/filters"]), w["conv8/bias"])
        self.mean = torch.tensor(self.MEAN_RGB).view(1, 3, 1, 1)

    @staticmethod
    def max_pool(x, stride):
        # tf.maxPool [2, 2] 'same': padding (after) counts as -inf.
        return F.max_pool2d(same_pad(x, 2, stride, float("-inf")), 2, stride)

    def forward(self, x):
        b = x.shape[0]
        out = (x.permute(0, 3, 1, 2) - self.mean) / 255
        out = F.leaky_relu(F.conv2d(out, *self.conv0), 0.1)
        for i, (df, pf, bias) in enumerate(self.separable):
            out = self.max_pool(out, 2)
            out = F.conv2d(F.pad(out, (1, 1, 1, 1)), df, groups=out.shape[1])
            out = F.leaky_relu(F.conv2d(out, pf, bias), 0.1)
        out = self.max_pool(out, 1)
        out = F.conv2d(out, *self.conv8)  # [B, 25, 19, 19]
        return out.permute(0, 2, 3, 1).reshape(b, -1, 5)[:, :, 4]

