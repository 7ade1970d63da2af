#!/usr/bin/python3
"""Writes ciede2000_reference.json: CIEDE2000 colour differences from scikit-image.

For each image pair in this folder: per-pixel
``deltaE_ciede2000(rgb2lab(reference), rgb2lab(test))`` (D65, 2 degree observer,
kL = kC = kH = 1), its mean and ``np.percentile(..., 99)`` (numpy's default linear
interpolation). Also skimage's ``rgb2lab`` of a few 8-bit colours, and
``deltaE_ciede2000`` of selected Lab pairs from Sharma, Wu and Dalal (2005), Table 1,
next to the published value. src/metrics/ciede2000_test.ts checks our implementation
against this file; no Python is needed at test time.

Run from anywhere with Debian's packages (apt-get install python3-skimage):
    /usr/bin/python3 data/reference/make_ciede2000_reference.py
"""
import json
import os

import numpy as np
import PIL
import skimage
from PIL import Image
from skimage.color import deltaE_ciede2000, rgb2lab

HERE = os.path.dirname(os.path.abspath(__file__))

PAIRS = [
    ("clean_256.png", "jpeg30_256.png"),
    ("clean_256.png", "noise8_256.png"),
    ("clean_256.png", "shift1_256.png"),
    ("clean_320x240.png", "bright6_320x240.png"),
    # Identical images: skimage gives ~1e-15, not 0 (its hues for equal inputs can differ
    # in the last bit); the exact value may change from run to run.
    ("clean_256.png", "clean_256.png"),
]

COLOURS = [
    [0, 0, 0],
    [255, 255, 255],
    [10, 10, 10],  # on the linear segment of the sRGB curve (10 / 255 <= 0.04045)
    [11, 11, 11],  # first grey level on the power segment
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [128, 64, 32],
    [3, 200, 97],
]

# Sharma, Wu and Dalal, "The CIEDE2000 Color-Difference Formula: Implementation Notes,
# Supplementary Test Data, and Mathematical Observations", Color Res. Appl. 30 (2005),
# Table 1: (pair number, Lab 1, Lab 2, published dE00 to 4 decimals).
SHARMA_ROWS = [
    (1, (50.0000, 2.6772, -79.7751), (50.0000, 0.0000, -82.7485), 2.0425),
    (4, (50.0000, -1.3802, -84.2814), (50.0000, 0.0000, -82.7485), 1.0000),
    (7, (50.0000, 0.0000, 0.0000), (50.0000, -1.0000, 2.0000), 2.3669),  # C1' = 0
    (8, (50.0000, -1.0000, 2.0000), (50.0000, 0.0000, 0.0000), 2.3669),  # C2' = 0
    # 9-16: hue differences around 180 degrees, the mean-hue wraparound cases.
    (9, (50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0009), 7.1792),
    # Row 10 puts the two hues exactly 180 degrees apart, where the formula jumps. In float64
    # skimage's hue difference comes out 1 ulp past -pi, so it takes the wraparound branch
    # and gives 7.2195 (row 11's value) instead of the published 7.1792.
    (10, (50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0010), 7.1792),
    (11, (50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0011), 7.2195),
    (12, (50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0012), 7.2195),
    (13, (50.0000, -0.0010, 2.4900), (50.0000, 0.0009, -2.4900), 4.8045),
    (14, (50.0000, -0.0010, 2.4900), (50.0000, 0.0010, -2.4900), 4.8045),
    (15, (50.0000, -0.0010, 2.4900), (50.0000, 0.0011, -2.4900), 4.7461),
    (16, (50.0000, 2.5000, 0.0000), (50.0000, 0.0000, -2.5000), 4.3065),
    (17, (50.0000, 2.5000, 0.0000), (73.0000, 25.0000, -18.0000), 27.1492),
    (19, (50.0000, 2.5000, 0.0000), (56.0000, -27.0000, -3.0000), 31.9030),
    (25, (60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    (29, (22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
    (34, (2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]


def load(name):
    image = Image.open(os.path.join(HERE, name))
    assert image.mode == "RGB", f"{name}: mode {image.mode}, expected RGB"
    array = np.asarray(image)
    assert array.dtype == np.uint8
    return array


def main():
    pairs = []
    for reference, test in PAIRS:
        a, b = load(reference), load(test)
        de = deltaE_ciede2000(rgb2lab(a), rgb2lab(b))
        assert de.dtype == np.float64 and de.shape == a.shape[:2]
        pairs.append({
            "reference": reference,
            "test": test,
            "mean": float(np.mean(de)),
            "p99": float(np.percentile(de, 99)),
            "max": float(np.max(de)),
        })

    colours = []
    for rgb in COLOURS:
        lab = rgb2lab(np.array([[rgb]], dtype=np.uint8))[0, 0]
        colours.append({"rgb": rgb, "lab": [float(v) for v in lab]})

    sharma = []
    for row, lab1, lab2, published in SHARMA_ROWS:
        value = deltaE_ciede2000(np.array(lab1, dtype=np.float64), np.array(lab2, dtype=np.float64))
        matches = bool(abs(value - published) <= 5.1e-5)
        assert matches or row == 10, (row, value, published)
        sharma.append({
            "row": row,
            "lab1": list(lab1),
            "lab2": list(lab2),
            "published": published,
            "skimage": float(value),
            "skimage_matches_published": matches,
        })

    out = {
        "tool": f"scikit-image {skimage.__version__}, numpy {np.__version__}, "
        f"Pillow {PIL.__version__} (Debian python3-skimage)",
        "made_by": "data/reference/make_ciede2000_reference.py",
        "settings": {
            "lab": "skimage.color.rgb2lab(uint8 RGB): v * (1/255), sRGB curve (linear below "
            "0.04045, else ((v + 0.055) / 1.055) ** 2.4), xyz_from_rgb matrix, "
            "illuminant D65 observer 2 (0.95047, 1, 1.08883), cbrt above 0.008856 else "
            "7.787 t + 16/116",
            "delta_e": "skimage.color.deltaE_ciede2000(lab1, lab2) with kL = kC = kH = 1 "
            "(Sharma, Wu and Dalal 2005)",
            "mean": "np.mean of the per-pixel map",
            "p99": "np.percentile(map, 99): linear interpolation between sorted values at "
            "index 0.99 * (n - 1)",
        },
        "pairs": pairs,
        "colours": colours,
        "sharma_2005": sharma,
    }
    path = os.path.join(HERE, "ciede2000_reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
