//! One icon per state, drawn with embedded-graphics primitives on a
//! 48-unit grid scaled to the layout's box, so the same icon is crisp on a
//! 40-pixel OLED box and a 96-pixel TFT box. Shapes, not colours, carry the
//! meaning (a monochrome panel has none).

use embedded_graphics::prelude::*;
use embedded_graphics::primitives::{
    Arc, Circle, Line, Polyline, PrimitiveStyle, PrimitiveStyleBuilder, Rectangle, RoundedRectangle, Triangle,
};

use crate::state::PanelState;

/// Draws the state's icon in the square at `at` with side `size`.
pub fn draw<D: DrawTarget<Color = C>, C: PixelColor>(
    target: &mut D,
    state: &PanelState,
    at: Point,
    size: u32,
    fg: C,
    bg: C,
) -> Result<(), D::Error> {
    let g = Grid { at, size: size as i32 };
    let stroke = PrimitiveStyle::with_stroke(fg, (size / 12).max(2));
    let thin = PrimitiveStyle::with_stroke(fg, (size / 20).max(1));
    let fill = PrimitiveStyle::with_fill(fg);
    let knock = PrimitiveStyle::with_fill(bg);
    match state {
        PanelState::Idle | PanelState::Reading => {
            // A card, its chip, and a downward arrow (place it) or waves (reading).
            RoundedRectangle::with_equal_corners(g.rect(4, 20, 40, 26), g.size2(4)).into_styled(stroke).draw(target)?;
            g.rect(10, 28, 9, 8).into_styled(fill).draw(target)?;
            if matches!(state, PanelState::Idle) {
                Line::new(g.p(24, 2), g.p(24, 14)).into_styled(stroke).draw(target)?;
                Triangle::new(g.p(17, 11), g.p(31, 11), g.p(24, 18)).into_styled(fill).draw(target)?;
            } else {
                for r in [10, 18, 26] {
                    Arc::with_center(g.p(36, 18), g.len(r), Angle::from_degrees(-150.0), Angle::from_degrees(120.0))
                        .into_styled(thin)
                        .draw(target)?;
                }
            }
        }
        PanelState::Select => {
            RoundedRectangle::with_equal_corners(g.rect(4, 6, 40, 15), g.size2(4)).into_styled(stroke).draw(target)?;
            RoundedRectangle::with_equal_corners(g.rect(4, 27, 40, 15), g.size2(4)).into_styled(fill).draw(target)?;
        }
        PanelState::Face => {
            Circle::with_center(g.p(24, 24), g.len(40)).into_styled(stroke).draw(target)?;
            Circle::with_center(g.p(17, 20), g.len(6)).into_styled(fill).draw(target)?;
            Circle::with_center(g.p(31, 20), g.len(6)).into_styled(fill).draw(target)?;
            Arc::with_center(g.p(24, 26), g.len(20), Angle::from_degrees(30.0), Angle::from_degrees(120.0))
                .into_styled(stroke)
                .draw(target)?;
        }
        PanelState::Pin => {
            for row in 0..3 {
                for col in 0..3 {
                    Circle::with_center(g.p(10 + col * 14, 8 + row * 12), g.len(8)).into_styled(fill).draw(target)?;
                }
            }
            Circle::with_center(g.p(24, 44), g.len(8)).into_styled(fill).draw(target)?;
        }
        PanelState::Staff => {
            Circle::with_center(g.p(24, 14), g.len(18)).into_styled(fill).draw(target)?;
            RoundedRectangle::with_equal_corners(g.rect(8, 28, 32, 20), g.size2(10)).into_styled(fill).draw(target)?;
        }
        PanelState::Consent => {
            Rectangle::new(g.p(4, 8), g.size2(32)).into_styled(stroke).draw(target)?;
            Polyline::new(&[g.p(10, 22), g.p(20, 34), g.p(44, 4)]).into_styled(stroke).draw(target)?;
        }
        PanelState::Sending => {
            for (y, from, to, tip) in [(16, 6, 38, 44), (32, 42, 10, 4)] {
                Line::new(g.p(from, y), g.p(to, y)).into_styled(stroke).draw(target)?;
                let back = if tip > to { to - 2 } else { to + 2 };
                Triangle::new(g.p(tip, y), g.p(back, y - 7), g.p(back, y + 7)).into_styled(fill).draw(target)?;
            }
        }
        PanelState::Done => {
            Circle::with_center(g.p(24, 24), g.len(44)).into_styled(fill).draw(target)?;
            let check = PrimitiveStyleBuilder::new().stroke_color(bg).stroke_width((size / 9).max(2)).build();
            Polyline::new(&[g.p(12, 24), g.p(21, 33), g.p(36, 15)]).into_styled(check).draw(target)?;
        }
        PanelState::Ended => {
            Circle::with_center(g.p(24, 24), g.len(40)).into_styled(stroke).draw(target)?;
            Rectangle::new(g.p(16, 16), g.size2(16)).into_styled(fill).draw(target)?;
        }
        PanelState::Error(_) => {
            Triangle::new(g.p(24, 2), g.p(46, 44), g.p(2, 44)).into_styled(fill).draw(target)?;
            g.rect(21, 15, 6, 17).into_styled(knock).draw(target)?;
            Circle::with_center(g.p(24, 38), g.len(6)).into_styled(knock).draw(target)?;
        }
        PanelState::OutOfService(_) => {
            Circle::with_center(g.p(24, 24), g.len(42)).into_styled(stroke).draw(target)?;
            Line::new(g.p(10, 10), g.p(38, 38)).into_styled(stroke).draw(target)?;
        }
    }
    Ok(())
}

/// The 48-unit design grid placed at `at`, `size` pixels wide.
struct Grid {
    at: Point,
    size: i32,
}

impl Grid {
    fn len(&self, units: i32) -> u32 {
        (units * self.size / 48).max(1) as u32
    }

    fn p(&self, x: i32, y: i32) -> Point {
        self.at + Point::new(x * self.size / 48, y * self.size / 48)
    }

    fn size2(&self, units: i32) -> Size {
        Size::new(self.len(units), self.len(units))
    }

    fn rect(&self, x: i32, y: i32, w: i32, h: i32) -> Rectangle {
        Rectangle::new(self.p(x, y), Size::new(self.len(w), self.len(h)))
    }
}
