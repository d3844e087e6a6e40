"""Turning an uploaded file into images we are willing to serve.

The upload is untrusted bytes. Its type is read from the bytes themselves (never from the
file name or the declared type), its size and pixel count are bounded before anything is
decoded, and what we keep is re-encoded from pixels alone: no EXIF (GPS position, camera
serial), no XMP, no comments, no colour profile, and nothing appended after the image
(polyglot files). Orientation from EXIF is applied to the pixels first, so photos stand up.

This is CPU work: call `process_upload` through `asyncio.to_thread` from async code.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageCms, ImageOps

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 1920
PREVIEW_SIDE = 400
JPEG_QUALITY = 85

NOT_AN_IMAGE = "That file is not an image we can use (JPEG, PNG, GIF or WebP)."
TOO_LARGE = "Images must be 10 MB or smaller."
TOO_MANY_PIXELS = "That image is too large: it must be at most 40 megapixels."

_PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF",
                "image/webp": "WEBP"}
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})


class MediaRejected(Exception):
    """An upload we will not keep; `reason` is fit to show the person who sent it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.reason!r})"


def sniff(data: bytes) -> str | None:
    """The image type the bytes start with (JPEG, PNG, GIF or WebP), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


@dataclass(frozen=True)
class ProcessedImage:
    """The image to show (at most MAX_SIDE on its longer side) and its small preview."""

    image: EncodedImage
    preview: EncodedImage
    blurhash: str | None = None


def process_upload(data: bytes) -> ProcessedImage:
    """Check, orient, clean, bound and re-encode an upload; raise MediaRejected if unusable."""
    if len(data) > MAX_BYTES:
        raise MediaRejected(TOO_LARGE)
    kind = sniff(data)
    if kind is None:
        raise MediaRejected(NOT_AN_IMAGE)
    try:
        with Image.open(BytesIO(data), formats=[_PIL_FORMATS[kind]]) as opened:
            width, height = opened.size
            if width < 1 or height < 1 or width * height > MAX_PIXELS:
                raise MediaRejected(TOO_MANY_PIXELS)
            # JPEG can decode at 1/2, 1/4 or 1/8 scale: no need for more pixels than we keep.
            opened.draft(opened.mode, (MAX_SIDE, MAX_SIDE))
            opened.load()  # the first frame of an animation
            oriented = ImageOps.exif_transpose(opened) or opened
            pixels = _to_srgb(oriented)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise MediaRejected(TOO_MANY_PIXELS) from error
    except (OSError, SyntaxError, ValueError, EOFError, KeyError, IndexError,
            UserWarning) as error:
        # Truncated, corrupt or hostile data: Pillow reports it in all of these ways (and
        # warns of corrupt EXIF, which is an error wherever warnings are made errors).
        raise MediaRejected(NOT_AN_IMAGE) from error
    return ProcessedImage(image=_encode(pixels, MAX_SIDE), preview=_encode(pixels, PREVIEW_SIDE))


def _to_srgb(image: Image.Image) -> Image.Image:
    """Plain RGB or RGBA pixels, converted to sRGB from the embedded profile if any,
    in a new image that carries none of the original's metadata."""
    alpha = _has_transparency(image)
    mode = "RGBA" if alpha else "RGB"
    profile = image.info.get("icc_profile")
    converted: Image.Image | None = None
    if profile and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            converted = ImageCms.profileToProfile(
                image.convert("RGBA") if alpha else image,
                ImageCms.ImageCmsProfile(BytesIO(profile)),
                ImageCms.createProfile("sRGB"),
                outputMode=mode,
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            converted = None  # an unreadable profile: keep the pixels as they are
    if converted is None:
        converted = image.convert(mode)
    return Image.frombytes(mode, converted.size, converted.tobytes())


def _has_transparency(image: Image.Image) -> bool:
    if image.mode in _ALPHA_MODES or (image.mode == "P" and "transparency" in image.info):
        low, _high = image.convert("RGBA").getchannel("A").getextrema()
        return isinstance(low, int | float) and low < 255
    return False


def _encode(pixels: Image.Image, side: int) -> EncodedImage:
    """JPEG for opaque images, PNG to keep transparency: what every client shows."""
    image = pixels.copy()
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = BytesIO()
    if image.mode == "RGBA":
        image.save(out, "PNG", optimize=True)
        content_type, extension = "image/png", "png"
    else:
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        content_type, extension = "image/jpeg", "jpg"
    return EncodedImage(out.getvalue(), content_type, extension, image.width, image.height)
