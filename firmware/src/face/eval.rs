//! Evaluation over a labelled image set: `DIR/<identity>/<image>` gives
//! every genuine pair (same identity) and every impostor pair. Reports the
//! score distributions, FAR and FRR at a threshold, and the threshold that
//! keeps FAR at or below 0.1 %.

use std::collections::BTreeMap;
use std::path::Path;

use opencv::core::{Mat, Size};
use opencv::imgproc;
use opencv::prelude::*;
use serde::Serialize;

use super::FaceError;
use super::embed::Embedding;
use super::pipeline::Engine;
use super::reference::decode_grey;

/// The false-accept rate the threshold is chosen for: 0.1 %.
pub const FAR_TARGET: f64 = 0.001;
/// Images larger than this (longer side) are scaled down before detection.
const MAX_SIDE: f64 = 1024.0;

/// Summary of a score distribution.
#[derive(Clone, Debug, Serialize)]
pub struct Distribution {
    /// Number of pairs.
    pub count: usize,
    /// Lowest score.
    pub min: f32,
    /// Median score.
    pub median: f32,
    /// Highest score.
    pub max: f32,
    /// Counts per 0.1-wide bin from −0.2 to 1.0 (12 bins; outside values go to the ends).
    pub histogram: Vec<usize>,
}

/// The evaluation's result.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Images read.
    pub images: usize,
    /// Identities.
    pub identities: usize,
    /// Images in which no face was found (left out of the pairs).
    pub no_face: usize,
    /// Genuine-pair scores.
    pub genuine: Distribution,
    /// Impostor-pair scores.
    pub impostor: Distribution,
    /// The threshold FAR and FRR are given at.
    pub threshold: f32,
    /// Impostor pairs at or above the threshold, as a fraction.
    pub far: f64,
    /// Genuine pairs below the threshold, as a fraction.
    pub frr: f64,
    /// The lowest threshold with FAR ≤ 0.1 % on this set.
    pub threshold_far_0_1_percent: f32,
    /// Impostor pairs needed before a 0.1 % FAR is measurable at all (rule of three).
    pub impostor_pairs_needed_for_0_1_percent: usize,
}

fn distribution(scores: &[f32]) -> Distribution {
    let mut v = scores.to_vec();
    v.sort_by(f32::total_cmp);
    let mut histogram = vec![0; 12];
    for s in &v {
        let bin = (((s + 0.2) * 10.0).floor() as i64).clamp(0, 11) as usize;
        histogram[bin] += 1;
    }
    Distribution {
        count: v.len(),
        min: v.first().copied().unwrap_or(f32::NAN),
        median: v.get(v.len() / 2).copied().unwrap_or(f32::NAN),
        max: v.last().copied().unwrap_or(f32::NAN),
        histogram,
    }
}

/// The lowest threshold at which at most `far` of the impostor scores pass.
pub fn threshold_for_far(impostor: &[f32], far: f64) -> f32 {
    let mut v = impostor.to_vec();
    v.sort_by(|a, b| b.total_cmp(a));
    let allowed = (far * v.len() as f64).floor() as usize;
    // Everything above the (allowed+1)-th highest impostor score passes at most `allowed`.
    v.get(allowed).map_or(f32::NEG_INFINITY, |s| s + 1e-4)
}

/// Scores every pair from precomputed embeddings grouped by identity.
pub fn score_pairs(embeddings: &BTreeMap<String, Vec<Embedding>>) -> (Vec<f32>, Vec<f32>) {
    let all: Vec<(&String, &Embedding)> =
        embeddings.iter().flat_map(|(id, es)| es.iter().map(move |e| (id, e))).collect();
    let (mut genuine, mut impostor) = (Vec::new(), Vec::new());
    for (i, (id_a, a)) in all.iter().enumerate() {
        for (id_b, b) in &all[i + 1..] {
            if id_a == id_b { genuine.push(a.cosine(b)) } else { impostor.push(a.cosine(b)) }
        }
    }
    (genuine, impostor)
}

/// Builds the report from pair scores.
pub fn report(
    images: usize,
    identities: usize,
    no_face: usize,
    genuine: &[f32],
    impostor: &[f32],
    threshold: f32,
) -> Report {
    let frac = |n: usize, d: usize| if d == 0 { f64::NAN } else { n as f64 / d as f64 };
    Report {
        images,
        identities,
        no_face,
        genuine: distribution(genuine),
        impostor: distribution(impostor),
        threshold,
        far: frac(impostor.iter().filter(|s| **s >= threshold).count(), impostor.len()),
        frr: frac(genuine.iter().filter(|s| **s < threshold).count(), genuine.len()),
        threshold_far_0_1_percent: threshold_for_far(impostor, FAR_TARGET),
        // Rule of three: with no error in n trials, the 95 % bound is 3/n.
        impostor_pairs_needed_for_0_1_percent: (3.0 / FAR_TARGET).round() as usize,
    }
}

/// The embeddings of a labelled image set.
pub struct EmbeddedSet {
    /// Embeddings per identity.
    pub by_identity: BTreeMap<String, Vec<Embedding>>,
    /// Images decoded.
    pub images: usize,
    /// Images in which no face was found.
    pub no_face: usize,
}

/// Embeds the best face of every image under `dir/<identity>/`.
pub fn embed_dir(engine: &mut Engine, dir: &Path) -> Result<EmbeddedSet, FaceError> {
    let mut out = BTreeMap::new();
    let (mut images, mut no_face) = (0, 0);
    let read_dir =
        |p: &Path| std::fs::read_dir(p).map_err(|_| FaceError::BadImage("cannot read the evaluation directory"));
    let mut identities: Vec<_> = read_dir(dir)?.filter_map(Result::ok).filter(|e| e.path().is_dir()).collect();
    identities.sort_by_key(|e| e.file_name());
    for identity in identities {
        let mut files: Vec<_> = read_dir(&identity.path())?.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        let mut embeddings = Vec::new();
        for file in files {
            let Ok(bytes) = std::fs::read(&file) else { continue };
            let Ok(img) = decode_grey(&bytes) else { continue };
            images += 1;
            let img = limit_size(&img)?;
            match engine.detector.detect(&img)?.first() {
                Some(face) => embeddings.push(engine.embedder.embed(&img, face)?),
                None => no_face += 1,
            }
        }
        out.insert(identity.file_name().to_string_lossy().into_owned(), embeddings);
    }
    Ok(EmbeddedSet { by_identity: out, images, no_face })
}

/// Scales large images down to [`MAX_SIDE`], and small ones (chip photos)
/// up as the card-photo reference does.
fn limit_size(img: &Mat) -> Result<Mat, FaceError> {
    let side = f64::from(img.cols().max(img.rows()));
    let s = if side > MAX_SIDE {
        MAX_SIDE / side
    } else if side < 400.0 {
        super::reference::UPSCALE
    } else {
        return Ok(img.try_clone()?);
    };
    let mut out = Mat::default();
    imgproc::resize(img, &mut out, Size::default(), s, s, imgproc::INTER_AREA)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_far_threshold_lets_through_at_most_the_allowed_share() {
        let impostor: Vec<f32> = (0..2000).map(|i| i as f32 / 2000.0).collect();
        let t = threshold_for_far(&impostor, 0.001);
        let passing = impostor.iter().filter(|s| **s >= t).count();
        assert!(passing <= 2, "{passing}");
        assert!(t > 0.998);
    }

    #[test]
    fn with_few_impostor_pairs_the_far_threshold_is_above_them_all() {
        let t = threshold_for_far(&[0.1, 0.3, 0.2], 0.001);
        assert!(t > 0.3);
    }

    #[test]
    fn far_and_frr_count_the_pairs_on_the_wrong_side() {
        let r = report(4, 2, 0, &[0.6, 0.3], &[0.1, 0.45, 0.2, 0.05], 0.4);
        assert!((r.far - 0.25).abs() < 1e-9 && (r.frr - 0.5).abs() < 1e-9);
        assert_eq!(r.genuine.histogram.iter().sum::<usize>(), 2);
    }
}
