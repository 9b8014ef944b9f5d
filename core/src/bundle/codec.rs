//! The bundle's value encoding: a small, hand-written binary codec.
//!
//! Unsigned integers are LEB128 varints, signed ones zigzag varints,
//! strings and sequences a varint length then their items, an enum a tag
//! byte then its fields. There is no field name and no padding: a record is
//! its fields in declaration order.
//!
//! The plan's types are encoded by two macros, [`record!`] and
//! [`variants!`], that list a type's fields or variants once. Both sides are
//! checked by the compiler: encoding destructures the record and matches
//! the enum exhaustively, decoding builds the record with a struct literal,
//! so a field or a variant added to the plan fails to compile until it is
//! listed (one line, and a new tag).
//!
//! Decoding reads untrusted bytes: every length is bounded by the bytes
//! that remain (each item takes at least one byte, so no count can ask for
//! more than the input holds), nesting is bounded ([`MAX_DEPTH`]), and every
//! failure is a [`DecodeError`] naming what was being read — never a panic.

use crate::date::Date;
use rust_decimal::Decimal;
use std::sync::Arc;

/// How deeply enums may nest (formula trees are at most 48 deep; the plan's
/// records add a few levels).
pub const MAX_DEPTH: u32 = 160;

/// Why bytes do not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset in the payload.
    pub offset: usize,
    /// What was wrong.
    pub message: String,
}

/// Writes values into a byte vector.
#[derive(Debug, Default)]
pub struct Writer {
    /// The bytes written so far.
    pub bytes: Vec<u8>,
}

impl Writer {
    /// One byte.
    pub fn byte(&mut self, b: u8) {
        self.bytes.push(b);
    }

    /// An unsigned varint.
    pub fn uint(&mut self, mut v: u128) {
        loop {
            let low = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.bytes.push(low);
                return;
            }
            self.bytes.push(low | 0x80);
        }
    }

    /// A signed varint (zigzag).
    pub fn int(&mut self, v: i128) {
        let z = if v < 0 {
            (!(v as u128)) << 1 | 1
        } else {
            (v as u128) << 1
        };
        self.uint(z);
    }

    /// Length-prefixed bytes.
    pub fn slice(&mut self, b: &[u8]) {
        self.uint(b.len() as u128);
        self.bytes.extend_from_slice(b);
    }
}

/// Reads values from untrusted bytes.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: u32,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader {
            bytes,
            pos: 0,
            depth: 0,
        }
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    /// An error at the current offset.
    pub fn error(&self, message: impl Into<String>) -> DecodeError {
        DecodeError {
            offset: self.pos,
            message: message.into(),
        }
    }

    /// One byte.
    pub fn byte(&mut self) -> Result<u8, DecodeError> {
        let b = self
            .bytes
            .get(self.pos)
            .copied()
            .ok_or_else(|| self.error("the data ends too early"))?;
        self.pos += 1;
        Ok(b)
    }

    /// An unsigned varint of at most 128 bits.
    pub fn uint(&mut self) -> Result<u128, DecodeError> {
        let mut v: u128 = 0;
        let mut shift = 0u32;
        loop {
            let b = self.byte()?;
            let part = u128::from(b & 0x7f);
            if shift >= 128 || (shift > 121 && part >> (128 - shift) != 0) {
                return Err(self.error("a number is too large"));
            }
            v |= part << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
            shift += 7;
        }
    }

    /// A signed varint (zigzag).
    pub fn int(&mut self) -> Result<i128, DecodeError> {
        let z = self.uint()?;
        let magnitude = (z >> 1) as i128;
        Ok(if z & 1 == 1 { !magnitude } else { magnitude })
    }

    /// A length: at most the bytes that remain, since every item takes at
    /// least one byte.
    pub fn len(&mut self) -> Result<usize, DecodeError> {
        let n = self.uint()?;
        match usize::try_from(n) {
            Ok(n) if n <= self.remaining() => Ok(n),
            _ => Err(self.error(format!(
                "a length of {n} is more than the {} bytes that remain",
                self.remaining()
            ))),
        }
    }

    /// Length-prefixed bytes.
    pub fn slice(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.len()?;
        let end = self.pos.saturating_add(n);
        let s = self
            .bytes
            .get(self.pos..end)
            .ok_or_else(|| self.error("the data ends too early"))?;
        self.pos = end;
        Ok(s)
    }

    /// Enters a nested enum.
    pub fn enter(&mut self) -> Result<(), DecodeError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("values nest more than {MAX_DEPTH} deep")));
        }
        Ok(())
    }

    /// Leaves a nested enum.
    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
}

/// A value that can be written to a bundle.
pub trait Encode {
    /// Appends the value's bytes.
    fn encode(&self, w: &mut Writer);
}

/// A value that can be read from a bundle.
pub trait Decode: Sized {
    /// Reads one value.
    ///
    /// # Errors
    /// When the bytes are not an encoding of the value.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError>;
}

/// Encodes a struct as its fields in order. Encoding destructures the
/// struct and decoding builds it with a literal, so a field missing from
/// the list does not compile.
macro_rules! record {
    ($ty:ident { $($f:ident),* $(,)? }) => {
        impl $crate::bundle::codec::Encode for $ty {
            fn encode(&self, w: &mut $crate::bundle::codec::Writer) {
                let $ty { $($f),* } = self;
                $( $crate::bundle::codec::Encode::encode($f, w); )*
            }
        }
        impl $crate::bundle::codec::Decode for $ty {
            fn decode(
                r: &mut $crate::bundle::codec::Reader<'_>,
            ) -> Result<Self, $crate::bundle::codec::DecodeError> {
                Ok($ty { $($f: $crate::bundle::codec::Decode::decode(r)?),* })
            }
        }
    };
}

/// Encodes an enum as a tag byte and the variant's fields. Encoding
/// matches every variant, so a variant missing from the list does not
/// compile; an unknown tag is a decoding error.
macro_rules! variants {
    ($ty:ident { $($tag:literal => $v:ident $(( $($a:ident),* ))? ),* $(,)? }) => {
        impl $crate::bundle::codec::Encode for $ty {
            fn encode(&self, w: &mut $crate::bundle::codec::Writer) {
                match self {
                    $( $ty::$v $(( $($a),* ))? => {
                        w.byte($tag);
                        $($( $crate::bundle::codec::Encode::encode($a, w); )*)?
                    } )*
                }
            }
        }
        impl $crate::bundle::codec::Decode for $ty {
            fn decode(
                r: &mut $crate::bundle::codec::Reader<'_>,
            ) -> Result<Self, $crate::bundle::codec::DecodeError> {
                r.enter()?;
                let value = match r.byte()? {
                    $( $tag => $ty::$v $(( $( {
                        let $a = $crate::bundle::codec::Decode::decode(r)?;
                        $a
                    } ),* ))?, )*
                    t => {
                        return Err(r.error(format!(
                            "{t} is not a kind of {}",
                            stringify!($ty)
                        )))
                    }
                };
                r.leave();
                Ok(value)
            }
        }
    };
}

pub(crate) use {record, variants};

impl Encode for bool {
    fn encode(&self, w: &mut Writer) {
        w.byte(u8::from(*self));
    }
}

impl Decode for bool {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match r.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(r.error(format!("{b} is not a boolean"))),
        }
    }
}

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn encode(&self, w: &mut Writer) {
                w.uint(*self as u128);
            }
        }
        impl Decode for $t {
            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                let v = r.uint()?;
                <$t>::try_from(v).map_err(|_| r.error(format!("{v} is out of range")))
            }
        }
    )*};
}

macro_rules! signed {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn encode(&self, w: &mut Writer) {
                w.int(i128::from(*self));
            }
        }
        impl Decode for $t {
            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                let v = r.int()?;
                <$t>::try_from(v).map_err(|_| r.error(format!("{v} is out of range")))
            }
        }
    )*};
}

unsigned!(u8, u32, u64, usize);
signed!(i32, i64);

impl Encode for str {
    fn encode(&self, w: &mut Writer) {
        w.slice(self.as_bytes());
    }
}

impl Encode for String {
    fn encode(&self, w: &mut Writer) {
        w.slice(self.as_bytes());
    }
}

impl Decode for String {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let at = r.pos;
        let bytes = r.slice()?;
        std::str::from_utf8(bytes)
            .map(str::to_string)
            .map_err(|_| DecodeError {
                offset: at,
                message: "a text is not UTF-8".into(),
            })
    }
}

impl Encode for Arc<str> {
    fn encode(&self, w: &mut Writer) {
        w.slice(self.as_bytes());
    }
}

impl Decode for Arc<str> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        String::decode(r).map(Arc::from)
    }
}

/// A decimal: one byte with the scale (bits 0–4) and the sign (bit 7),
/// then the magnitude of the mantissa as a varint.
impl Encode for Decimal {
    fn encode(&self, w: &mut Writer) {
        let sign = if self.is_sign_negative() { 0x80 } else { 0 };
        w.byte(sign | (self.scale() as u8));
        w.uint(self.mantissa().unsigned_abs());
    }
}

impl Decode for Decimal {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let head = r.byte()?;
        let magnitude = r.uint()?;
        if head & 0x60 != 0 {
            return Err(r.error(format!("{head:#x} is not a decimal's scale and sign")));
        }
        let mut d = i128::try_from(magnitude)
            .ok()
            .and_then(|m| Decimal::try_from_i128_with_scale(m, u32::from(head & 0x1f)).ok())
            .ok_or_else(|| r.error("a decimal is out of range"))?;
        d.set_sign_negative(head & 0x80 != 0);
        Ok(d)
    }
}

impl Encode for Date {
    fn encode(&self, w: &mut Writer) {
        self.days().encode(w);
    }
}

impl Decode for Date {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let days = i32::decode(r)?;
        Date::from_days(days).ok_or_else(|| r.error(format!("day {days} is out of range")))
    }
}

impl<T: Encode> Encode for Box<T> {
    fn encode(&self, w: &mut Writer) {
        (**self).encode(w);
    }
}

impl<T: Decode> Decode for Box<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        T::decode(r).map(Box::new)
    }
}

impl<T: Encode> Encode for [T] {
    fn encode(&self, w: &mut Writer) {
        w.uint(self.len() as u128);
        for item in self {
            item.encode(w);
        }
    }
}

impl<T: Encode> Encode for Vec<T> {
    fn encode(&self, w: &mut Writer) {
        self.as_slice().encode(w);
    }
}

impl<T: Decode> Decode for Vec<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.len()?;
        // Capacity grows with what is actually read, not with what a
        // length claims.
        let mut items = Vec::with_capacity(n.min(256));
        for _ in 0..n {
            items.push(T::decode(r)?);
        }
        Ok(items)
    }
}

impl<T: Encode> Encode for Arc<[T]> {
    fn encode(&self, w: &mut Writer) {
        (**self).encode(w);
    }
}

impl<T: Decode> Decode for Arc<[T]> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Vec::<T>::decode(r).map(Arc::from)
    }
}

impl<T: Encode, const N: usize> Encode for [T; N] {
    fn encode(&self, w: &mut Writer) {
        for item in self {
            item.encode(w);
        }
    }
}

impl<T: Decode> Decode for [T; 2] {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok([T::decode(r)?, T::decode(r)?])
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode(&self, w: &mut Writer) {
        match self {
            None => w.byte(0),
            Some(v) => {
                w.byte(1);
                v.encode(w);
            }
        }
    }
}

impl<T: Decode> Decode for Option<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match r.byte()? {
            0 => Ok(None),
            1 => T::decode(r).map(Some),
            b => Err(r.error(format!("{b} is not an optional value's tag"))),
        }
    }
}

impl<E: Encode> Encode for Result<(), E> {
    fn encode(&self, w: &mut Writer) {
        match self {
            Ok(()) => w.byte(0),
            Err(e) => {
                w.byte(1);
                e.encode(w);
            }
        }
    }
}

impl<E: Decode> Decode for Result<(), E> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match r.byte()? {
            0 => Ok(Ok(())),
            1 => E::decode(r).map(Err),
            b => Err(r.error(format!("{b} is not a status tag"))),
        }
    }
}

impl<A: Encode, B: Encode> Encode for (A, B) {
    fn encode(&self, w: &mut Writer) {
        self.0.encode(w);
        self.1.encode(w);
    }
}

impl<A: Decode, B: Decode> Decode for (A, B) {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok((A::decode(r)?, B::decode(r)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Encode + Decode + PartialEq + std::fmt::Debug>(v: T) {
        let mut w = Writer::default();
        v.encode(&mut w);
        let mut r = Reader::new(&w.bytes);
        assert_eq!(T::decode(&mut r).unwrap(), v);
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn primitives_round_trip() {
        round_trip(0usize);
        round_trip(u64::MAX);
        round_trip(i64::MIN);
        round_trip(-1i32);
        round_trip("城阳 ok".to_string());
        round_trip(vec![Some(3u32), None]);
        round_trip((true, Date::parse("2023-09-06").unwrap()));
        for d in [
            "0",
            "-0.00",
            "1045",
            "-12.345",
            "79228162514264337593543950335",
            "0.0000000000000000000000000001",
        ] {
            let d: Decimal = d.parse().unwrap();
            let mut w = Writer::default();
            d.encode(&mut w);
            let back = Decimal::decode(&mut Reader::new(&w.bytes)).unwrap();
            assert_eq!(back.to_string(), d.to_string());
        }
    }

    #[test]
    fn lengths_are_bounded_by_the_bytes_left() {
        let mut w = Writer::default();
        w.uint(1 << 40);
        w.byte(0);
        let err = Vec::<u8>::decode(&mut Reader::new(&w.bytes)).unwrap_err();
        assert!(err.message.contains("more than the 1 bytes"), "{err:?}");
        assert!(String::decode(&mut Reader::new(&[5, b'a'])).is_err());
        assert!(u8::decode(&mut Reader::new(&[0x80, 0x02])).is_err());
        assert!(u128_overflow());
        assert!(bool::decode(&mut Reader::new(&[2])).is_err());
        assert!(Decimal::decode(&mut Reader::new(&[29, 1])).is_err());
        assert!(Date::decode(&mut Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x0f])).is_err());
    }

    fn u128_overflow() -> bool {
        let bytes = [0xffu8; 20];
        Reader::new(&bytes).uint().is_err()
    }
}
