//! A cty-compatible type and value model, with the msgpack and JSON codecs
//! Terraform uses for `DynamicValue` (see the plugin protocol's
//! `object-wire-format.md`). The behaviour follows zclconf/go-cty's
//! `cty/msgpack` and `cty/json` packages; deliberate differences are noted
//! where they happen.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

mod json;
mod jsontext;
mod msgpack;
mod number;
pub mod path;
mod type_json;
mod unknown;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use number::Number;
pub use path::{AttributePath, PathStep};

/// Types nested deeper than this are rejected when parsed from JSON, so
/// hostile input cannot exhaust the stack.
pub const MAX_TYPE_DEPTH: usize = 64;

/// Values (containers plus dynamic wrappers) nested deeper than this are
/// rejected when decoded.
pub const MAX_VALUE_DEPTH: usize = 128;

/// A cty type. `Dynamic` is cty's `DynamicPseudoType` ("any type").
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    Bool,
    Number,
    String,
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    /// `optional` only matters for type conversion in Terraform; on the wire
    /// optional attributes are present like any other.
    Object {
        attrs: BTreeMap<String, Type>,
        optional: BTreeSet<String>,
    },
    Tuple(Vec<Type>),
}

impl Type {
    /// An object type without optional attributes.
    pub fn object(attrs: impl IntoIterator<Item = (impl Into<String>, Type)>) -> Type {
        Type::Object {
            attrs: attrs.into_iter().map(|(k, t)| (k.into(), t)).collect(),
            optional: BTreeSet::new(),
        }
    }

    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }

    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }

    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }

    /// List, set or map: the types that take collection length refinements.
    pub fn is_collection(&self) -> bool {
        matches!(self, Type::List(_) | Type::Set(_) | Type::Map(_))
    }

    /// cty's JSON type notation, e.g. `["list","string"]`.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = String::new();
        type_json::write_type(self, &mut out);
        out.into_bytes()
    }

    pub fn from_json(bytes: &[u8]) -> Result<Type, ValueError> {
        type_json::parse_type(bytes).map_err(|m| ValueError::new(AttributePath::root(), m))
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        type_json::write_type(self, &mut out);
        f.write_str(&out)
    }
}

/// What is known about an unknown value (cty "refinements").
/// `length_lower: None` means 0 and `length_upper: None` means unbounded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Refinements {
    pub not_null: bool,
    /// Only meaningful for strings.
    pub string_prefix: Option<String>,
    /// Only meaningful for numbers: `(bound, inclusive)`.
    pub number_lower: Option<(Number, bool)>,
    pub number_upper: Option<(Number, bool)>,
    /// Only meaningful for lists, sets and maps.
    pub length_lower: Option<u64>,
    pub length_upper: Option<u64>,
}

impl Refinements {
    pub fn is_empty(&self) -> bool {
        *self == Refinements::default()
    }
}

#[derive(Clone, Debug)]
pub enum Value {
    Null,
    Unknown(Refinements),
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    Set(Vec<Value>),
    Tuple(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    /// A known, non-null value at a `Type::Dynamic` position, with its
    /// concrete type. Decoders only produce it that way; encoders also accept
    /// a `Null` or `Unknown` inside, which then carries the concrete type on
    /// the wire as go-cty does for typed nulls and unknowns.
    ///
    /// cty invariants the encoder does not check: a concrete type has no
    /// optional attributes, and the elements of a list, set or map whose
    /// element type contains `dynamic` all have one concrete type
    /// (go-cty panics decoding anything else).
    Dynamic(Type, Box<Value>),
}

impl Value {
    /// A wholly unknown value (no refinements).
    pub fn unknown() -> Value {
        Value::Unknown(Refinements::default())
    }

    /// cty has a typed null for every type; this model has one `Null`.
    pub fn null_of(_ty: &Type) -> Value {
        Value::Null
    }

    pub fn object(attrs: impl IntoIterator<Item = (impl Into<String>, Value)>) -> Value {
        Value::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub fn is_null(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Dynamic(_, inner) => inner.is_null(),
            _ => false,
        }
    }

    /// False only for an unknown value at the top level.
    pub fn is_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::Dynamic(_, inner) => inner.is_known(),
            _ => true,
        }
    }

    /// True if no unknown value appears anywhere inside.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => true,
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                items.iter().all(Value::is_wholly_known)
            }
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            Value::Dynamic(_, inner) => inner.is_wholly_known(),
        }
    }

    /// An attribute of an object value.
    pub fn attr(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Object(m) => m.get(name),
            Value::Dynamic(_, inner) => inner.attr(name),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            Value::Dynamic(_, inner) => inner.as_str(),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Dynamic(_, inner) => inner.as_bool(),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            Value::Dynamic(_, inner) => inner.as_number(),
            _ => None,
        }
    }

    /// The elements of a list, set or tuple.
    pub fn as_elements(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => Some(v),
            Value::Dynamic(_, inner) => inner.as_elements(),
            _ => None,
        }
    }

    /// The entries of a map or the attributes of an object.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) | Value::Object(m) => Some(m),
            Value::Dynamic(_, inner) => inner.as_map(),
            _ => None,
        }
    }

    /// Short name of the variant, for error messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown(_) => "unknown",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Tuple(_) => "tuple",
            Value::Map(_) => "map",
            Value::Object(_) => "object",
            Value::Dynamic(..) => "dynamic",
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Unknown(a), Value::Unknown(b)) => a == b,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::List(a), Value::List(b)) | (Value::Tuple(a), Value::Tuple(b)) => a == b,
            // Sets ignore order and duplicates, like cty sets.
            (Value::Set(a), Value::Set(b)) => {
                a.iter().all(|x| b.contains(x)) && b.iter().all(|y| a.contains(y))
            }
            (Value::Map(a), Value::Map(b)) | (Value::Object(a), Value::Object(b)) => a == b,
            (Value::Dynamic(ta, a), Value::Dynamic(tb, b)) => ta == tb && a == b,
            _ => false,
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Number(Number::from_i64(n))
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Value {
        Value::Number(n)
    }
}

/// A decoding or encoding failure, with the attribute path where it happened.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueError {
    pub path: AttributePath,
    pub message: String,
}

impl ValueError {
    pub fn new(path: AttributePath, message: impl Into<String>) -> ValueError {
        ValueError {
            path,
            message: message.into(),
        }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.0.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ValueError {}

/// Decode a msgpack `DynamicValue` of the given type.
pub fn decode_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    msgpack::decode(bytes, ty)
}

/// Encode a value as msgpack for the given type.
pub fn encode_msgpack(value: &Value, ty: &Type) -> Result<Vec<u8>, ValueError> {
    msgpack::encode(value, ty)
}

/// Decode JSON; an attribute not in an object type is an error, a missing
/// one becomes null (as go-cty does).
pub fn decode_json(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    json::decode(bytes, ty, false)
}

/// Like [`decode_json`], but attributes not in the object types are dropped,
/// at any depth (state written by an older schema).
pub fn decode_json_ignoring_undefined(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    json::decode(bytes, ty, true)
}

/// Encode a wholly known value as JSON (JSON cannot carry unknowns).
pub fn encode_json(value: &Value, ty: &Type) -> Result<Vec<u8>, ValueError> {
    json::encode(value, ty)
}

/// Wrap a decoded value found at a dynamic position; null, unknown and
/// values of type `dynamic` itself stay as they are.
fn wrap_dynamic(ty: Type, v: Value) -> Value {
    match v {
        Value::Null | Value::Unknown(_) => v,
        _ if ty == Type::Dynamic => v,
        _ => Value::Dynamic(ty, Box::new(v)),
    }
}
