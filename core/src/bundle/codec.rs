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
//! The first failure is kept in the [`Reader`], which reads nothing more
//! from then on (every byte reads as 0, every length as 0, so what is left
//! to build is built at once from placeholders and thrown away):
//! [`decode`] gives the value or that first failure. A decoder is then a
//! straight sequence of reads, with no early return and no half-built value
//! to drop at each field, which keeps the browser's module small.

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
    failed: Option<DecodeError>,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader {
            bytes,
            pos: 0,
            depth: 0,
            failed: None,
        }
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    /// Whether a read has failed.
    pub fn failed(&self) -> bool {
        self.failed.is_some()
    }

    /// Records a failure at `offset`, unless one is recorded already (the
    /// first failure is the one reported).
    pub fn fail_at(&mut self, offset: usize, message: impl Into<String>) {
        if self.failed.is_none() {
            self.failed = Some(DecodeError {
                offset,
                message: message.into(),
            });
        }
    }

    /// Records a failure at the current offset.
    pub fn fail(&mut self, message: impl Into<String>) {
        self.fail_at(self.pos, message);
    }

    /// The first failure, taken out of the reader.
    pub fn take_failure(&mut self) -> Option<DecodeError> {
        self.failed.take()
    }

    /// One byte (0 once a read has failed).
    pub fn byte(&mut self) -> u8 {
        if self.failed.is_some() {
            return 0;
        }
        match self.bytes.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                b
            }
            None => {
                self.fail("the data ends too early");
                0
            }
        }
    }

    /// An unsigned varint of at most 128 bits.
    pub fn uint(&mut self) -> u128 {
        let mut v: u128 = 0;
        let mut shift = 0u32;
        loop {
            let b = self.byte();
            let part = u128::from(b & 0x7f);
            if shift >= 128 || (shift > 121 && part >> (128 - shift) != 0) {
                self.fail("a number is too large");
                return 0;
            }
            v |= part << shift;
            if b & 0x80 == 0 {
                return v;
            }
            shift += 7;
        }
    }

    /// A signed varint (zigzag).
    pub fn int(&mut self) -> i128 {
        let z = self.uint();
        let magnitude = (z >> 1) as i128;
        if z & 1 == 1 {
            !magnitude
        } else {
            magnitude
        }
    }

    /// A length: at most the bytes that remain, since every item takes at
    /// least one byte.
    pub fn len(&mut self) -> usize {
        let n = self.uint();
        match usize::try_from(n) {
            Ok(n) if n <= self.remaining() => n,
            _ => {
                let message = format!(
                    "a length of {n} is more than the {} bytes that remain",
                    self.remaining()
                );
                self.fail(message);
                0
            }
        }
    }

    /// Length-prefixed bytes.
    pub fn slice(&mut self) -> &'a [u8] {
        let n = self.len();
        let end = self.pos.saturating_add(n);
        match self.bytes.get(self.pos..end) {
            Some(s) => {
                self.pos = end;
                s
            }
            None => {
                self.fail("the data ends too early");
                &[]
            }
        }
    }

    /// Enters a nested enum: false (and a failure) when nesting is too
    /// deep, or a read has already failed.
    pub fn enter(&mut self) -> bool {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.fail(format!("values nest more than {MAX_DEPTH} deep"));
        }
        self.failed.is_none()
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
    /// Reads one value. When the bytes are not an encoding of it, the
    /// failure is recorded in the reader and a placeholder is returned
    /// (see [`decode`]).
    fn decode(r: &mut Reader<'_>) -> Self;
}

/// Reads one value, or gives the first failure.
///
/// # Errors
/// When the bytes are not an encoding of the value.
pub fn decode<T: Decode>(r: &mut Reader<'_>) -> Result<T, DecodeError> {
    let value = T::decode(r);
    match r.take_failure() {
        Some(e) => Err(e),
        None => Ok(value),
    }
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
            fn decode(r: &mut $crate::bundle::codec::Reader<'_>) -> Self {
                $ty { $($f: $crate::bundle::codec::Decode::decode(r)),* }
            }
        }
    };
}

/// Encodes an enum as a tag byte and the variant's fields. Encoding
/// matches every variant, so a variant missing from the list does not
/// compile; an unknown tag is a decoding error. The first variant listed is
/// the placeholder once a read has failed (every byte then reads as 0), so
/// it must not hold a value of its own type.
macro_rules! variants {
    ($ty:ident {
        $tag0:literal => $v0:ident $(( $($a0:ident),* ))?
        $(, $tag:literal => $v:ident $(( $($a:ident),* ))? )* $(,)?
    }) => {
        impl $crate::bundle::codec::Encode for $ty {
            fn encode(&self, w: &mut $crate::bundle::codec::Writer) {
                match self {
                    $ty::$v0 $(( $($a0),* ))? => {
                        w.byte($tag0);
                        $($( $crate::bundle::codec::Encode::encode($a0, w); )*)?
                    }
                    $( $ty::$v $(( $($a),* ))? => {
                        w.byte($tag);
                        $($( $crate::bundle::codec::Encode::encode($a, w); )*)?
                    } )*
                }
            }
        }
        impl $crate::bundle::codec::Decode for $ty {
            fn decode(r: &mut $crate::bundle::codec::Reader<'_>) -> Self {
                let tag = if r.enter() { Some(r.byte()) } else { None };
                let value = match tag {
                    $( Some($tag) => $ty::$v $(( $( {
                        let $a = $crate::bundle::codec::Decode::decode(r);
                        $a
                    } ),* ))?, )*
                    // The first variant, and the placeholder when the tag is
                    // unknown, nesting too deep or a read failed before.
                    other => {
                        if let Some(t) = other.filter(|&t| t != $tag0) {
                            r.fail(format!("{t} is not a kind of {}", stringify!($ty)));
                        }
                        $ty::$v0 $(( $( {
                            let $a0 = $crate::bundle::codec::Decode::decode(r);
                            $a0
                        } ),* ))?
                    }
                };
                r.leave();
                value
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
    fn decode(r: &mut Reader<'_>) -> Self {
        match r.byte() {
            0 => false,
            1 => true,
            b => {
                r.fail(format!("{b} is not a boolean"));
                false
            }
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
            fn decode(r: &mut Reader<'_>) -> Self {
                let v = r.uint();
                <$t>::try_from(v).unwrap_or_else(|_| {
                    r.fail(format!("{v} is out of range"));
                    0
                })
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
            fn decode(r: &mut Reader<'_>) -> Self {
                let v = r.int();
                <$t>::try_from(v).unwrap_or_else(|_| {
                    r.fail(format!("{v} is out of range"));
                    0
                })
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
    fn decode(r: &mut Reader<'_>) -> Self {
        let at = r.pos;
        let bytes = r.slice();
        match std::str::from_utf8(bytes) {
            Ok(text) => text.to_string(),
            Err(_) => {
                r.fail_at(at, "a text is not UTF-8");
                String::new()
            }
        }
    }
}

impl Encode for Arc<str> {
    fn encode(&self, w: &mut Writer) {
        w.slice(self.as_bytes());
    }
}

impl Decode for Arc<str> {
    fn decode(r: &mut Reader<'_>) -> Self {
        Arc::from(String::decode(r))
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
    fn decode(r: &mut Reader<'_>) -> Self {
        let head = r.byte();
        let magnitude = r.uint();
        if head & 0x60 != 0 {
            r.fail(format!("{head:#x} is not a decimal's scale and sign"));
            return Decimal::ZERO;
        }
        match i128::try_from(magnitude)
            .ok()
            .and_then(|m| Decimal::try_from_i128_with_scale(m, u32::from(head & 0x1f)).ok())
        {
            Some(mut d) => {
                d.set_sign_negative(head & 0x80 != 0);
                d
            }
            None => {
                r.fail("a decimal is out of range");
                Decimal::ZERO
            }
        }
    }
}

impl Encode for Date {
    fn encode(&self, w: &mut Writer) {
        self.days().encode(w);
    }
}

impl Decode for Date {
    fn decode(r: &mut Reader<'_>) -> Self {
        let days = i32::decode(r);
        match Date::from_days(days) {
            Some(date) => date,
            None => {
                r.fail(format!("day {days} is out of range"));
                Date::from_days_in_range(0)
            }
        }
    }
}

impl<T: Encode> Encode for Box<T> {
    fn encode(&self, w: &mut Writer) {
        (**self).encode(w);
    }
}

impl<T: Decode> Decode for Box<T> {
    fn decode(r: &mut Reader<'_>) -> Self {
        Box::new(T::decode(r))
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
    fn decode(r: &mut Reader<'_>) -> Self {
        let n = r.len();
        // Capacity grows with what is actually read, not with what a
        // length claims.
        let mut items = Vec::with_capacity(n.min(256));
        for _ in 0..n {
            if r.failed() {
                break;
            }
            items.push(T::decode(r));
        }
        items
    }
}

impl<T: Encode> Encode for Arc<[T]> {
    fn encode(&self, w: &mut Writer) {
        (**self).encode(w);
    }
}

impl<T: Decode> Decode for Arc<[T]> {
    fn decode(r: &mut Reader<'_>) -> Self {
        Arc::from(Vec::<T>::decode(r))
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
    fn decode(r: &mut Reader<'_>) -> Self {
        [T::decode(r), T::decode(r)]
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
    fn decode(r: &mut Reader<'_>) -> Self {
        match r.byte() {
            0 => None,
            1 => Some(T::decode(r)),
            b => {
                r.fail(format!("{b} is not an optional value's tag"));
                None
            }
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
    fn decode(r: &mut Reader<'_>) -> Self {
        match r.byte() {
            0 => Ok(()),
            1 => Err(E::decode(r)),
            b => {
                r.fail(format!("{b} is not a status tag"));
                Ok(())
            }
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
    fn decode(r: &mut Reader<'_>) -> Self {
        (A::decode(r), B::decode(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Encode + Decode + PartialEq + std::fmt::Debug>(v: T) {
        let mut w = Writer::default();
        v.encode(&mut w);
        let mut r = Reader::new(&w.bytes);
        assert_eq!(decode::<T>(&mut r).unwrap(), v);
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
            let back = decode::<Decimal>(&mut Reader::new(&w.bytes)).unwrap();
            assert_eq!(back.to_string(), d.to_string());
        }
    }

    #[test]
    fn lengths_are_bounded_by_the_bytes_left() {
        let mut w = Writer::default();
        w.uint(1 << 40);
        w.byte(0);
        let err = decode::<Vec<u8>>(&mut Reader::new(&w.bytes)).unwrap_err();
        assert!(err.message.contains("more than the 1 bytes"), "{err:?}");
        assert!(decode::<String>(&mut Reader::new(&[5, b'a'])).is_err());
        assert!(decode::<u8>(&mut Reader::new(&[0x80, 0x02])).is_err());
        assert!(u128_overflow());
        assert!(decode::<bool>(&mut Reader::new(&[2])).is_err());
        assert!(decode::<Decimal>(&mut Reader::new(&[29, 1])).is_err());
        assert!(decode::<Date>(&mut Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x0f])).is_err());
        // The first failure is the one reported; nothing is read after it.
        let mut r = Reader::new(&[2, 1, 7]);
        let err = decode::<(bool, Option<u8>)>(&mut r).unwrap_err();
        assert_eq!(
            (err.offset, err.message.as_str()),
            (1, "2 is not a boolean")
        );
        assert_eq!(r.remaining(), 2);
    }

    fn u128_overflow() -> bool {
        let bytes = [0xffu8; 20];
        let mut r = Reader::new(&bytes);
        r.uint();
        r.failed()
    }
}
