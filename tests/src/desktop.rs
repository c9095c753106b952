//! A desktop of a test's own: Xvfb on a free display, windows found and
//! moved with xdotool, the mouse clicked at a point, and screenshots of the
//! whole screen (xwd, decoded here) saved as PNG.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

/// A running Xvfb. Dropping it stops the server.
pub struct Desktop {
    child: Child,
    display: String,
    /// Screen width and height.
    pub size: (u32, u32),
}

impl Desktop {
    /// Starts Xvfb at `width`×`height` (24-bit) on the first free display from :90.
    pub fn start(width: u32, height: u32) -> Result<Self> {
        for n in 90..190 {
            let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
            if socket.exists() || Path::new(&format!("/tmp/.X{n}-lock")).exists() {
                continue;
            }
            let mut child = Command::new("Xvfb")
                .arg(format!(":{n}"))
                .args(["-screen", "0", &format!("{width}x{height}x24"), "-nolisten", "tcp", "-noreset"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("starting Xvfb (Debian package xvfb; scripts/setup installs it)")?;
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if child.try_wait()?.is_some() {
                    break; // another run took this display first
                }
                if socket.exists() {
                    return Ok(Self { child, display: format!(":{n}"), size: (width, height) });
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        bail!("no free X display in :90..:190")
    }

    /// The `DISPLAY` value.
    pub fn display(&self) -> &str {
        &self.display
    }

    fn xdotool(&self, args: &[&str]) -> Result<String> {
        let out = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.display)
            .output()
            .context("running xdotool (Debian package xdotool)")?;
        ensure!(out.status.success(), "xdotool {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Waits for a window whose title is exactly `title`; its id.
    pub fn window(&self, title: &str, within: Duration) -> Result<String> {
        let deadline = Instant::now() + within;
        let pattern = format!("^{title}$");
        loop {
            if let Ok(out) = self.xdotool(&["search", "--onlyvisible", "--name", &pattern])
                && let Some(id) = out.lines().next()
            {
                return Ok(id.to_owned());
            }
            if Instant::now() >= deadline {
                bail!("no window titled {title:?} within {within:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Moves window `id` so its top-left corner is at (`x`, `y`).
    pub fn move_window(&self, id: &str, x: u32, y: u32) -> Result<()> {
        self.xdotool(&["windowmove", "--sync", id, &x.to_string(), &y.to_string()]).map(drop)
    }

    /// Window `id`'s size in pixels.
    pub fn window_size(&self, id: &str) -> Result<(u32, u32)> {
        let out = self.xdotool(&["getwindowgeometry", "--shell", id])?;
        let get = |key: &str| -> Result<u32> {
            let line = out.lines().find_map(|l| l.strip_prefix(key)).context("no geometry")?;
            Ok(line.trim().parse()?)
        };
        Ok((get("WIDTH=")?, get("HEIGHT=")?))
    }

    /// Clicks the left mouse button at (`x`, `y`) on the screen. (Not
    /// `mousemove --sync … click`: xdotool drops the click when the pointer
    /// is already there, as for two answers in the same place.)
    pub fn click(&self, x: u32, y: u32) -> Result<()> {
        let (xs, ys) = (x.to_string(), y.to_string());
        self.xdotool(&["mousemove", &xs, &ys])?;
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            let at = self.xdotool(&["getmouselocation", "--shell"])?;
            if at.lines().any(|l| l == format!("X={x}")) && at.lines().any(|l| l == format!("Y={y}")) {
                break;
            }
            if Instant::now() >= deadline {
                bail!("the pointer did not reach ({x}, {y}): {at}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.xdotool(&["click", "1"]).map(drop)
    }

    /// The whole screen as an RGB image.
    pub fn screenshot(&self) -> Result<image::RgbImage> {
        let out = Command::new("xwd")
            .args(["-root", "-silent"])
            .env("DISPLAY", &self.display)
            .output()
            .context("running xwd (Debian package x11-apps)")?;
        ensure!(out.status.success(), "xwd: {}", String::from_utf8_lossy(&out.stderr));
        decode_xwd(&out.stdout)
    }

    /// Saves a screenshot as PNG at `path`.
    pub fn save_screenshot(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        self.screenshot()?.save(path).with_context(|| format!("writing {}", path.display()))
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Decodes an XWD dump of a TrueColor screen (ZPixmap, 24 or 32 bits per pixel).
pub fn decode_xwd(data: &[u8]) -> Result<image::RgbImage> {
    let field = |i: usize| -> Result<u32> {
        let b = data.get(i * 4..i * 4 + 4).context("XWD header cut short")?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let header = field(0)? as usize;
    ensure!(field(1)? == 7, "not an XWD version 7 file");
    ensure!(field(2)? == 2, "not a ZPixmap");
    let (width, height) = (field(4)?, field(5)?);
    let lsb_first = field(7)? == 0;
    let bpp = field(11)?;
    let stride = field(12)? as usize;
    let masks = [field(14)?, field(15)?, field(16)?];
    let colours = field(19)? as usize;
    ensure!(bpp == 32 || bpp == 24, "{bpp} bits per pixel is not supported");
    ensure!(masks.iter().all(|m| *m != 0), "not a TrueColor screen");
    let start = header + colours * 12;
    let bytes = (bpp / 8) as usize;
    let mut img = image::RgbImage::new(width, height);
    for y in 0..height as usize {
        let row =
            data.get(start + y * stride..start + y * stride + width as usize * bytes).context("XWD data cut short")?;
        for (x, px) in row.chunks_exact(bytes).enumerate() {
            let mut b = [0u8; 4];
            b[..bytes].copy_from_slice(px);
            let v = if lsb_first { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) >> (32 - bpp) };
            let channel = |m: u32| ((v & m) >> m.trailing_zeros()) as u8;
            img.put_pixel(x as u32, y as u32, image::Rgb([channel(masks[0]), channel(masks[1]), channel(masks[2])]));
        }
    }
    Ok(img)
}
