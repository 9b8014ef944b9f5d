//! Core values to Python objects, written by the core's own serializers.
//!
//! Outcomes, values, stamps, diagnostics and input errors implement
//! `serde::Serialize` in the core; [`to_py`] is a serializer whose output is
//! Python objects instead of JSON text, so the dicts have the keys and order
//! of the JSON the CLI prints. The core writes decimals and dates as newtype
//! structs named [`DECIMAL`] and [`DATE`] around their text, which become
//! `decimal.Decimal` (exact, never a float) and `datetime.date` here.

use crate::convert::{date_type, decimal_type};
use bangfu::outcome::{DATE, DECIMAL};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use pyo3::IntoPyObjectExt;
use serde::ser::{self, Impossible, Serialize, Serializer};

/// A value the core serializes, as Python objects: maps and structs as
/// dicts, sequences as lists, the core's decimals as `decimal.Decimal` and
/// its dates as `datetime.date`, integers as `int`. Floats, tuples and enum
/// variants with data (which the core does not write) are refused.
///
/// # Errors
/// `ValueError` for a kind of value refused; otherwise only if a standard
/// module cannot be imported.
pub(crate) fn to_py<'py, T: Serialize + ?Sized>(
    py: Python<'py>,
    v: &T,
) -> PyResult<Bound<'py, PyAny>> {
    v.serialize(ToPy(py)).map_err(|e| e.0)
}

/// The serializer: Python objects out.
struct ToPy<'py>(Python<'py>);

/// A Python error, carried through serde.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
struct SerError(#[from] PyErr);

impl ser::Error for SerError {
    fn custom<T: std::fmt::Display>(msg: T) -> SerError {
        SerError(PyValueError::new_err(msg.to_string()))
    }
}

type Out<'py> = Result<Bound<'py, PyAny>, SerError>;

/// A serializer of a sequence or map (none for the kinds refused).
type Compound<'py, T = Impossible<Bound<'py, PyAny>, SerError>> = Result<T, SerError>;

fn refuse_kind<T>(what: &str) -> Result<T, SerError> {
    Err(ser::Error::custom(format!(
        "{what} are not converted to Python"
    )))
}

/// A list being filled.
struct Seq<'py>(Bound<'py, PyList>);

/// A dict being filled, and the key waiting for its value.
struct Dict<'py>(Bound<'py, PyDict>, Option<Bound<'py, PyAny>>);

/// Methods writing a scalar as the Python object pyo3 makes of it.
macro_rules! scalars {
    ($($method:ident: $ty:ty),*) => {
        $(fn $method(self, v: $ty) -> Out<'py> {
            Ok(v.into_bound_py_any(self.0)?)
        })*
    };
}

/// Methods refusing a kind of value the core does not write.
macro_rules! refused {
    ($($method:ident($($arg:ty),*) -> $ret:ty, $what:literal;)*) => {
        $(fn $method(self, $(_: $arg),*) -> $ret {
            refuse_kind($what)
        })*
    };
}

impl<'py> Serializer for ToPy<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    type SerializeSeq = Seq<'py>;
    type SerializeTuple = Impossible<Self::Ok, SerError>;
    type SerializeTupleStruct = Impossible<Self::Ok, SerError>;
    type SerializeTupleVariant = Impossible<Self::Ok, SerError>;
    type SerializeMap = Dict<'py>;
    type SerializeStruct = Dict<'py>;
    type SerializeStructVariant = Impossible<Self::Ok, SerError>;

    scalars!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_char: char, serialize_str: &str, serialize_bytes: &[u8]);

    refused! {
        serialize_f32(f32) -> Out<'py>, "floats";
        serialize_f64(f64) -> Out<'py>, "floats";
        serialize_tuple(usize) -> Compound<'py>, "tuples";
        serialize_tuple_struct(&'static str, usize) -> Compound<'py>, "tuples";
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Compound<'py>,
            "enum variants with data";
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Compound<'py>,
            "enum variants with data";
    }

    fn serialize_none(self) -> Out<'py> {
        Ok(self.0.None().into_bound(self.0))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Out<'py> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Out<'py> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Out<'py> {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Out<'py> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Out<'py> {
        let py = self.0;
        let inner = v.serialize(self)?;
        Ok(match name {
            DECIMAL => decimal_type(py)?.call1((inner,))?,
            DATE => date_type(py)?.call_method1("fromisoformat", (inner,))?,
            _ => inner,
        })
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Out<'py> {
        refuse_kind("enum variants with data")
    }
    fn serialize_seq(self, _: Option<usize>) -> Compound<'py, Seq<'py>> {
        Ok(Seq(PyList::empty(self.0)))
    }
    fn serialize_map(self, _: Option<usize>) -> Compound<'py, Dict<'py>> {
        Ok(Dict(PyDict::new(self.0), None))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Compound<'py, Dict<'py>> {
        self.serialize_map(None)
    }
}

impl<'py> ser::SerializeSeq for Seq<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        Ok(self.0.append(v.serialize(ToPy(self.0.py()))?)?)
    }
    fn end(self) -> Out<'py> {
        Ok(self.0.into_any())
    }
}

impl<'py> ser::SerializeMap for Dict<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerError> {
        self.1 = Some(key.serialize(ToPy(self.0.py()))?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        let key = self
            .1
            .take()
            .map_or_else(|| refuse_kind("values without keys"), Ok)?;
        Ok(self.0.set_item(key, v.serialize(ToPy(self.0.py()))?)?)
    }
    fn end(self) -> Out<'py> {
        Ok(self.0.into_any())
    }
}

impl<'py> ser::SerializeStruct for Dict<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), SerError> {
        Ok(self.0.set_item(key, v.serialize(ToPy(self.0.py()))?)?)
    }
    fn end(self) -> Out<'py> {
        Ok(self.0.into_any())
    }
}
