//! Presentation attacks as the camera sees them: pictures of the card
//! holder printed or shown on a phone (ISO/IEC 30107-3 attack species
//! "printed photo" and "video replay").

use std::time::Duration;

use image::imageops::{self, FilterType};
use image::{GrayImage, Rgb, RgbImage};

/// The card photo as printed: greyscale, the persona's crop, with a white card margin.
pub fn printed_card_photo(source: &RgbImage, crop: Option<[u32; 4]>) -> RgbImage {
    let [x, y, w, h] = crop.unwrap_or_else(|| {
        let (w, h) = (source.width(), source.height());
        let ch = (w * 5 / 4).min(h);
        [0, (h / 25).min(h - ch), w, ch]
    });
    let cut = imageops::crop_imm(source, x, y, w, h).to_image();
    let grey: GrayImage = imageops::grayscale(&cut);
    // Held close to the camera: the photo fills much of the view.
    let photo = imageops::resize(&grey, 320, 400, FilterType::Triangle);
    let mut card = RgbImage::from_pixel(360, 440, Rgb([236, 236, 230]));
    for (px, py, p) in photo.enumerate_pixels() {
        card.put_pixel(px + 20, py + 20, Rgb([p[0], p[0], p[0]]));
    }
    card
}

/// The chip photo on a phone: the greyscale photo lit by a screen with a
/// cool white point (blue up, red down), slightly over-bright, in a black bezel.
pub fn phone_screen_photo(source: &RgbImage, crop: Option<[u32; 4]>) -> RgbImage {
    let card = printed_card_photo(source, crop);
    in_phone(&card, |_, _, p| {
        let v = f32::from(p[0]);
        [(v * 0.95 + 8.0).min(255.0), (v + 10.0).min(255.0), (v * 1.04 + 16.0).min(255.0)]
    })
}

/// A colour photo printed on paper: inks cannot reach the screen's
/// saturation or black (gamut and contrast compressed), the paper is
/// slightly warm, and a white margin frames it.
pub fn colour_print(photo: &RgbImage) -> RgbImage {
    let margin = (photo.width() / 18).max(6);
    let mut print = RgbImage::from_pixel(photo.width() + 2 * margin, photo.height() + 2 * margin, Rgb([240, 238, 230]));
    for (x, y, p) in photo.enumerate_pixels() {
        let c = p.0.map(f32::from);
        let grey = (c[0] + c[1] + c[2]) / 3.0;
        let ink = c.map(|v| {
            let desaturated = grey + 0.8 * (v - grey);
            (18.0 + 0.86 * desaturated).clamp(0.0, 255.0)
        });
        let warm = [ink[0] * 1.01, ink[1], ink[2] * 0.96];
        print.put_pixel(x + margin, y + margin, Rgb(warm.map(|v| v.min(255.0) as u8)));
    }
    print
}

/// A picture on a phone's screen: gamma and white point of the screen
/// (`tone`), the fine moiré a camera makes of a pixel grid, and the black
/// bezel around it.
fn in_phone(picture: &RgbImage, tone: impl Fn(u32, u32, &Rgb<u8>) -> [f32; 3]) -> RgbImage {
    let mut phone = RgbImage::from_pixel(picture.width() + 30, picture.height() + 60, Rgb([12, 12, 14]));
    for (x, y, p) in picture.enumerate_pixels() {
        phone.put_pixel(x + 15, y + 30, Rgb(tone(x, y, p).map(|c| c.clamp(0.0, 255.0) as u8)));
    }
    phone
}

/// The moiré of a screen's pixel grid seen by a camera: two faint beat
/// patterns at slightly different angles and periods.
fn moire(x: u32, y: u32) -> f32 {
    let (x, y) = (x as f32, y as f32);
    let a = (std::f32::consts::TAU * (x * 0.97 + y * 0.24) / 4.3).sin();
    let b = (std::f32::consts::TAU * (x * -0.21 + y * 0.98) / 5.1).sin();
    5.0 * a + 3.5 * b
}

/// A video of the card holder made of their photos (each shown for
/// `per_photo`, slowly zooming as video editors do), replayed on a phone:
/// screen gamma, a cool white point, moiré.
pub struct PhoneVideo {
    photos: Vec<RgbImage>,
    per_photo: Duration,
}

impl PhoneVideo {
    /// The video of `photos` (each already scaled to the phone's screen).
    pub fn new(photos: Vec<RgbImage>, per_photo: Duration) -> Self {
        Self { photos, per_photo }
    }

    /// What the phone shows at `t` into the replay.
    pub fn at(&self, t: Duration) -> Option<RgbImage> {
        let n = self.photos.len();
        if n == 0 {
            return None;
        }
        let slot = self.per_photo.as_secs_f64().max(0.1);
        let index = (t.as_secs_f64() / slot) as usize % n;
        let within = ((t.as_secs_f64() % slot) / slot) as f32;
        let photo = &self.photos[index];
        // Ken Burns: zoom from 100 % to 106 % over the photo's slot.
        let zoom = 1.0 + 0.06 * within;
        let (w, h) = (photo.width(), photo.height());
        let (cw, ch) = ((w as f32 / zoom) as u32, (h as f32 / zoom) as u32);
        let cut = imageops::crop_imm(photo, (w - cw) / 2, (h - ch) / 2, cw, ch).to_image();
        let frame = imageops::resize(&cut, w, h, FilterType::Triangle);
        Some(in_phone(&frame, |x, y, p| {
            let c = p.0.map(|v| 255.0 * (f32::from(v) / 255.0).powf(0.85));
            let m = moire(x, y);
            [c[0] * 0.93 + m, c[1] * 0.99 + 6.0 + m, c[2] * 1.05 + 14.0 + m]
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_colour_print_keeps_colour_but_loses_contrast() {
        let photo = RgbImage::from_fn(40, 50, |x, _| if x < 20 { Rgb([0, 0, 0]) } else { Rgb([220, 120, 90]) });
        let print = colour_print(&photo);
        let m = print.width() - 40;
        let dark = print.get_pixel(m / 2 + 2, 10);
        let skin = print.get_pixel(m / 2 + 30, 10);
        assert!(dark[0] >= 15, "no true black on paper: {dark:?}");
        assert!(skin[0] > skin[2] + 60, "still coloured: {skin:?}");
    }

    #[test]
    fn the_phone_video_moves_through_its_photos_and_loops() {
        let photos =
            vec![RgbImage::from_pixel(60, 80, Rgb([200, 0, 0])), RgbImage::from_pixel(60, 80, Rgb([0, 0, 200]))];
        let video = PhoneVideo::new(photos, Duration::from_secs(1));
        let red = |t| video.at(Duration::from_millis(t)).map(|f| f.get_pixel(45, 70)[0]).unwrap_or(0);
        assert!(red(100) > 150);
        assert!(red(1100) < 60);
        assert!(red(2100) > 150);
        assert!(PhoneVideo::new(Vec::new(), Duration::from_secs(1)).at(Duration::ZERO).is_none());
    }
}
