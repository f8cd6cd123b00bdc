//! Snapshots: stills of a customer's video an agent saves to an escalation
//! (annotated in the browser, flattened into one picture). They are
//! customers' pictures: the service keeps them sealed with the tenant's
//! data key, bounded in size and number, and only for the contact center's
//! retention period. What is accepted is decided here.

use std::fmt;

/// The largest picture accepted: a 4K frame as a good JPEG is 1-2 MB.
pub const MAX_BYTES: usize = 4 * 1024 * 1024;
/// Snapshots one escalation may hold.
pub const MAX_PER_ESCALATION: u64 = 20;
/// The largest side accepted, in pixels (cameras send at most 4K).
pub const MAX_SIDE: u32 = 4096;
/// How many days a contact center may keep them.
pub const RETENTION_DAYS: std::ops::RangeInclusive<i32> = 1..=365;

/// The picture formats a browser's canvas writes and every browser shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "db", derive(sea_orm::DeriveValueType), sea_orm(value_type = "String"))]
pub enum ImageType {
    Jpeg,
    Png,
}

impl ImageType {
    pub fn mime(self) -> &'static str {
        match self {
            ImageType::Jpeg => "image/jpeg",
            ImageType::Png => "image/png",
        }
    }

    pub fn as_str(self) -> &'static str {
        self.mime()
    }

    pub const ALL: [ImageType; 2] = [ImageType::Jpeg, ImageType::Png];
}

crate::names::named!(ImageType, "image type");

/// A picture that passed the checks: its format and size, read from its
/// own header (what the sender said it is counts for nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Picture {
    pub image_type: ImageType,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Empty,
    TooLarge,
    NotAnImage,
    /// An image, but wider or taller than [`MAX_SIDE`] (or of no size).
    BadDimensions,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refused::Empty => "the snapshot is empty",
            Refused::TooLarge => "the snapshot is larger than 4 MiB",
            Refused::NotAnImage => "the snapshot is not a JPEG or PNG image",
            Refused::BadDimensions => "the snapshot must be between 1 and 4096 pixels wide and high",
        })
    }
}

/// Checks a picture's bytes: JPEG or PNG by its own signature, a header
/// that parses, and a size within bounds. Only the header is read, so the
/// check costs the same whatever the picture holds.
pub fn inspect(bytes: &[u8]) -> Result<Picture, Refused> {
    if bytes.is_empty() {
        return Err(Refused::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(Refused::TooLarge);
    }
    let image_type = match imagesize::image_type(bytes) {
        Ok(imagesize::ImageType::Jpeg) => ImageType::Jpeg,
        Ok(imagesize::ImageType::Png) => ImageType::Png,
        _ => return Err(Refused::NotAnImage),
    };
    let size = imagesize::blob_size(bytes).map_err(|_| Refused::NotAnImage)?;
    let side = |n: usize| u32::try_from(n).ok().filter(|n| (1..=MAX_SIDE).contains(n));
    match (side(size.width), side(size.height)) {
        (Some(width), Some(height)) => Ok(Picture { image_type, width, height }),
        _ => Err(Refused::BadDimensions),
    }
}

/// The additional data a snapshot is sealed with: a sealed picture opens
/// only as the snapshot it was saved as, in its tenant.
pub fn seal_context(snapshot_id: uuid::Uuid) -> String {
    format!("snapshot:{snapshot_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3×2 PNG: signature, then an IHDR chunk (the rest is not read).
    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend(width.to_be_bytes());
        b.extend(height.to_be_bytes());
        b.extend([8, 2, 0, 0, 0, 0, 0, 0, 0]);
        b
    }

    #[test]
    fn pictures_are_read_from_their_own_header() {
        assert_eq!(inspect(&png(3, 2)), Ok(Picture { image_type: ImageType::Png, width: 3, height: 2 }));
        // A baseline JPEG: SOI, then SOF0 with 16 high and 32 wide.
        let jpeg = [0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8, 0, 16, 0, 32, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9];
        assert_eq!(inspect(&jpeg), Ok(Picture { image_type: ImageType::Jpeg, width: 32, height: 16 }));
    }

    #[test]
    fn what_is_not_a_bounded_picture_is_refused() {
        assert_eq!(inspect(b""), Err(Refused::Empty));
        assert_eq!(inspect(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), Err(Refused::NotAnImage));
        assert_eq!(inspect(b"GIF89a\x01\0\x01\0"), Err(Refused::NotAnImage));
        assert_eq!(inspect(&png(5000, 10)), Err(Refused::BadDimensions));
        assert_eq!(inspect(&png(0, 10)), Err(Refused::BadDimensions));
        let mut big = png(10, 10);
        big.resize(MAX_BYTES + 1, 0);
        assert_eq!(inspect(&big), Err(Refused::TooLarge));
        assert_eq!(inspect(&png(10, 10)[..12]), Err(Refused::NotAnImage), "a cut header");
    }
}
