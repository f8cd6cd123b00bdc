//! Room codes: the short, unguessable part of a customer's join URL.
//!
//! 13 characters of Crockford base32 from the thread CSPRNG carry 65 bits of
//! entropy (SPEC: at least 60). The alphabet has no I, L, O or U, so a code read
//! aloud or retyped from a phone is unambiguous; parsing is forgiving in the
//! way Crockford specifies (case, `I`/`L` as 1, `O` as 0, hyphens ignored).

use std::fmt;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const CODE_LEN: usize = 13;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RoomCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a room code")]
pub struct InvalidRoomCode;

impl RoomCode {
    pub fn generate() -> Self {
        let mut bytes = [0u8; CODE_LEN];
        rand::fill(&mut bytes[..]);
        // 256 is a multiple of 32, so masking to 5 bits keeps every symbol uniform.
        let code = bytes.iter().map(|b| ALPHABET[(b & 0x1f) as usize] as char).collect();
        Self(code)
    }

    /// Canonical form of user input; rejects anything that could not be a code.
    pub fn parse(input: &str) -> Result<Self, InvalidRoomCode> {
        let mut out = String::with_capacity(CODE_LEN);
        for c in input.chars() {
            let c = match c.to_ascii_uppercase() {
                '-' => continue,
                'I' | 'L' => '1',
                'O' => '0',
                c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
                _ => return Err(InvalidRoomCode),
            };
            if out.len() == CODE_LEN {
                return Err(InvalidRoomCode);
            }
            out.push(c);
        }
        if out.len() == CODE_LEN { Ok(Self(out)) } else { Err(InvalidRoomCode) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RoomCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RoomCode {
    // A code is a bearer credential for a room: keep it out of debug logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RoomCode({}…)", &self.0[..3])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn generated_codes_are_canonical_and_distinct() {
        let codes: HashSet<String> = (0..10_000).map(|_| RoomCode::generate().0).collect();
        assert_eq!(codes.len(), 10_000);
        for c in codes.iter().take(100) {
            assert_eq!(c.len(), CODE_LEN);
            assert_eq!(RoomCode::parse(c).unwrap().as_str(), c);
        }
    }

    #[test]
    fn every_symbol_appears() {
        let mut seen = HashSet::new();
        for _ in 0..200 {
            seen.extend(RoomCode::generate().0.chars());
        }
        assert_eq!(seen.len(), 32);
        assert!(!seen.contains(&'I') && !seen.contains(&'L') && !seen.contains(&'O') && !seen.contains(&'U'));
    }

    #[test]
    fn parse_is_forgiving_like_crockford() {
        let c = RoomCode::parse("abcd-efgh-jkm01").unwrap();
        assert_eq!(c.as_str(), "ABCDEFGHJKM01");
        assert_eq!(RoomCode::parse("oiL0000000000").unwrap().as_str(), "0110000000000");
    }

    #[test]
    fn parse_rejects_wrong_length_and_symbols() {
        assert!(RoomCode::parse("ABC").is_err());
        assert!(RoomCode::parse("ABCDEFGHJKM012").is_err());
        assert!(RoomCode::parse("ABCDEFGHJKMU1").is_err());
        assert!(RoomCode::parse("ABCDEFGHJKM/1").is_err());
        assert!(RoomCode::parse("ÄBCDEFGHJKM01").is_err());
    }

    #[test]
    fn debug_does_not_print_the_code() {
        let c = RoomCode::generate();
        assert!(!format!("{c:?}").contains(c.as_str()));
    }
}
