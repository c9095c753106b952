#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Python reference for `uketsuke-face bench`: OpenCV's own path with
the same models on the same frames, frame by frame, the way OpenCV's
samples do it (Debian `python3-opencv`).

Per frame: greyscale (as the kiosk does, so both see the same pixels),
YuNet through cv2.dnn on the whole frame, its outputs decoded with numpy
and cv2.dnn.NMSBoxes (OpenCV 4.6's FaceDetectorYN cannot run YuNet
2023mar), then FaceRecognizerSF alignCrop + feature on the strongest face
and the cosine against the reference feature.

Reads from stdin one JSON line {"width", "height", "count", "threads",
"yunet", "sface", "photo_width", "photo_height"}, the decoded chip photo
(raw greyscale BGR; its reference feature is made as the kiosk makes it:
upscaled 3x, detected, aligned, embedded) and then `count` raw BGR
frames; analyses every frame once (the warm-up) and writes one JSON line
{"scores"} (each frame's cosine, or null when no face was found). Then,
for every line "pass" on stdin, times one pass over the frames and writes
one JSON line {"ms_per_frame", "frame_ms"}, so the caller can alternate
its own passes with these (the machine's speed drifts). Ends at the end
of stdin. Nothing is written to disk.
"""
import json
import sys
import time

import cv2
import numpy as np

STRIDES = (8, 16, 32)
SCORE_THRESHOLD = 0.6
NMS_THRESHOLD = 0.3


def detect(net, names, bgr):
    h, w = bgr.shape[:2]
    pw, ph = (w + 31) // 32 * 32, (h + 31) // 32 * 32
    padded = cv2.copyMakeBorder(bgr, 0, ph - h, 0, pw - w, cv2.BORDER_CONSTANT, value=0)
    net.setInput(cv2.dnn.blobFromImage(padded))
    outs = dict(zip(names, net.forward(names)))
    rows = []
    for s in STRIDES:
        cols_n, rows_n = pw // s, ph // s
        cls = np.clip(outs[f"cls_{s}"].reshape(-1), 0, 1)
        obj = np.clip(outs[f"obj_{s}"].reshape(-1), 0, 1)
        score = np.sqrt(cls * obj)
        keep = np.nonzero(score >= SCORE_THRESHOLD)[0]
        if keep.size == 0:
            continue
        bbox = outs[f"bbox_{s}"].reshape(-1, 4)[keep]
        kps = outs[f"kps_{s}"].reshape(-1, 10)[keep]
        c = (keep % cols_n).astype(np.float32)
        r = (keep // cols_n).astype(np.float32)
        cx, cy = (c + bbox[:, 0]) * s, (r + bbox[:, 1]) * s
        bw, bh = np.exp(bbox[:, 2]) * s, np.exp(bbox[:, 3]) * s
        lm = np.empty((keep.size, 10), np.float32)
        lm[:, 0::2] = (kps[:, 0::2] + c[:, None]) * s
        lm[:, 1::2] = (kps[:, 1::2] + r[:, None]) * s
        rows.append(np.column_stack([cx - bw / 2, cy - bh / 2, bw, bh, lm, score[keep]]))
    if not rows:
        return None
    faces = np.vstack(rows).astype(np.float32)
    kept = cv2.dnn.NMSBoxes(faces[:, :4].tolist(), faces[:, 14].tolist(), SCORE_THRESHOLD, NMS_THRESHOLD)
    if len(kept) == 0:
        return None
    best = max(np.array(kept).reshape(-1), key=lambda i: faces[i, 14])
    return faces[best]


def main():
    header = json.loads(sys.stdin.buffer.readline())
    w, h, n = header["width"], header["height"], header["count"]
    cv2.setNumThreads(header["threads"])
    pw, ph = header["photo_width"], header["photo_height"]
    raw = sys.stdin.buffer.read(pw * ph * 3)
    if len(raw) != pw * ph * 3:
        sys.exit("face_reference: short photo on stdin")
    photo = np.frombuffer(raw, np.uint8).reshape(ph, pw, 3)
    size = w * h * 3
    frames = []
    for _ in range(n):
        raw = sys.stdin.buffer.read(size)
        if len(raw) != size:
            sys.exit("face_reference: short frame on stdin")
        frames.append(np.frombuffer(raw, np.uint8).reshape(h, w, 3))
    net = cv2.dnn.readNetFromONNX(header["yunet"])
    names = [f"{k}_{s}" for k in ("cls", "obj", "bbox", "kps") for s in STRIDES]
    rec = cv2.FaceRecognizerSF.create(header["sface"], "")
    big = cv2.resize(photo, None, fx=3.0, fy=3.0, interpolation=cv2.INTER_CUBIC)
    card_face = detect(net, names, big)
    if card_face is None:
        sys.exit("face_reference: no face in the chip photo")
    ref = rec.feature(rec.alignCrop(big, card_face))

    def analyse(frame):
        grey = cv2.cvtColor(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
        face = detect(net, names, grey)
        if face is None:
            return None
        feature = rec.feature(rec.alignCrop(grey, face))
        return float(rec.match(ref, feature, cv2.FaceRecognizerSF_FR_COSINE))

    scores = [analyse(f) for f in frames]  # warm-up, and the scores
    print(json.dumps({"scores": scores}), flush=True)
    while line := sys.stdin.buffer.readline():
        if line.strip() != b"pass":
            sys.exit("face_reference: expected 'pass'")
        frame_ms = []
        start = time.perf_counter()
        for f in frames:
            t = time.perf_counter()
            analyse(f)
            frame_ms.append((time.perf_counter() - t) * 1e3)
        ms = (time.perf_counter() - start) * 1e3 / n
        print(json.dumps({"ms_per_frame": ms, "frame_ms": frame_ms}), flush=True)

if __name__ == "__main__":
    main()
