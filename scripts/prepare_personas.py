#!/usr/bin/python3
"""Builds each persona's card images for the virtual My Number Card.

For every hw-sim/personas/*.toml this writes, under OUT/<id>/:
  photo.jp2          the chip photo: greyscale JPEG 2000, 4:5 portrait crop
  name.jp2           the name rendered as an image (as the card-face AP holds it)
  address.jp2        the address rendered as an image
  security-code.jp2  the 4-digit security code rendered as an image

Inputs are the face images fetched by scripts/setup; outputs are rewritten
only when the persona file or this script changed (a stamp records both).
"""
import argparse
import hashlib
import pathlib
import sys
import tomllib

from PIL import Image, ImageDraw, ImageFont

PHOTO_SIZE = (180, 225)  # width, height; a small portrait like the chip's
FONT = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"


def crop_portrait(img: Image.Image, box):
    if box:
        x, y, w, h = box
        return img.crop((x, y, x + w, y + h))
    w, h = img.size
    want = PHOTO_SIZE[0] / PHOTO_SIZE[1]
    if w / h > want:  # too wide: keep the centre
        cw = int(h * want)
        x0 = (w - cw) // 2
        return img.crop((x0, 0, x0 + cw, h))
    ch = int(w / want)  # too tall: head-and-shoulders portraits keep the top
    y0 = min(int(h * 0.04), h - ch)
    return img.crop((0, y0, w, y0 + ch))


def save_jp2(img: Image.Image, path: pathlib.Path, rate: float):
    img.save(path, "JPEG2000", irreversible=True, quality_mode="rates", quality_layers=[rate])


def render_text(text: str, size, font_px: int) -> Image.Image:
    img = Image.new("L", size, 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, font_px)
    draw.text((8, (size[1] - font_px) // 2), text, fill=0, font=font)
    return img


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--personas", required=True, type=pathlib.Path)
    ap.add_argument("--faces", required=True, type=pathlib.Path)
    ap.add_argument("--out", required=True, type=pathlib.Path)
    args = ap.parse_args()
    me = pathlib.Path(__file__).read_bytes()
    made = kept = 0
    for toml in sorted(args.personas.glob("*.toml")):
        persona = tomllib.loads(toml.read_text(encoding="utf-8"))
        out = args.out / persona["id"]
        stamp = hashlib.sha256(toml.read_bytes() + me).hexdigest()
        if (out / ".stamp").exists() and (out / ".stamp").read_text() == stamp:
            kept += 1
            continue
        out.mkdir(parents=True, exist_ok=True)
        src = args.faces / persona["photo"]["card"]
        if not src.exists():
            print(f"prepare_personas: {src} is missing; run scripts/setup", file=sys.stderr)
            return 1
        with Image.open(src) as img:
            grey = crop_portrait(img.convert("L"), persona["photo"].get("crop"))
            save_jp2(grey.resize(PHOTO_SIZE, Image.LANCZOS), out / "photo.jp2", 12)
        save_jp2(render_text(persona["name"], (320, 48), 28), out / "name.jp2", 20)
        save_jp2(render_text(persona["address"], (640, 48), 24), out / "address.jp2", 20)
        save_jp2(render_text(persona["security_code"], (120, 40), 24), out / "security-code.jp2", 20)
        (out / ".stamp").write_text(stamp)
        made += 1
    print(f"setup: persona card images: {made} built, {kept} already up to date ({args.out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
