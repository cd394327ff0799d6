//! The msgpack codec (go-cty `cty/msgpack`).
//!
//! Decoding uses our own bounds-checked reader over the byte slice rather
//! than rmp's readers, so nothing can panic and lengths read from the input
//! never drive allocations beyond the input's size. Encoding uses rmp.

use std::collections::BTreeMap;

use rmp::Marker;

use super::path::PathStep;
use super::unknown::{decode_refinements, encode_unknown, MAX_PAYLOAD, REFINED_EXT};
use super::MAX_VALUE_DEPTH;
use super::{wrap_dynamic, AttributePath, Number, Refinements, Type, Value, ValueError};

pub(super) struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(b: &'a [u8]) -> Reader<'a> {
        Reader { b, i: 0 }
    }

    fn remaining(&self) -> usize {
        self.b.len() - self.i
    }

    fn peek(&self) -> Option<Marker> {
        self.b.get(self.i).map(|&c| Marker::from_u8(c))
    }

    fn marker(&mut self) -> Option<Marker> {
        let m = self.peek()?;
        self.i += 1;
        Some(m)
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.i.checked_add(n)?;
        let s = self.b.get(self.i..end)?;
        self.i = end;
        Some(s)
    }

    fn be<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.be::<1>()?[0])
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.be()?))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.be()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_be_bytes(self.be()?))
    }

    /// Payload length for a str/bin marker.
    fn blob_len(&mut self, m: Marker) -> Option<usize> {
        Some(match m {
            Marker::FixStr(n) => usize::from(n),
            Marker::Str8 | Marker::Bin8 => usize::from(self.u8()?),
            Marker::Str16 | Marker::Bin16 => usize::from(self.u16()?),
            Marker::Str32 | Marker::Bin32 => self.u32()? as usize,
            _ => return None,
        })
    }

    /// A str or bin (Go's msgpack decoder accepts either for strings).
    pub(super) fn str_or_bin(&mut self) -> Option<&'a [u8]> {
        let m = self.marker()?;
        let n = self.blob_len(m)?;
        self.take(n)
    }

    pub(super) fn array_len(&mut self) -> Option<u32> {
        match self.marker()? {
            Marker::FixArray(n) => Some(u32::from(n)),
            Marker::Array16 => self.u16().map(u32::from),
            Marker::Array32 => self.u32(),
            _ => None,
        }
    }

    fn map_len(&mut self) -> Option<u32> {
        match self.marker()? {
            Marker::FixMap(n) => Some(u32::from(n)),
            Marker::Map16 => self.u16().map(u32::from),
            Marker::Map32 => self.u32(),
            _ => None,
        }
    }

    /// `Some(None)` for nil, which Go's `DecodeMapLen` accepts.
    pub(super) fn map_len_or_nil(&mut self) -> Option<Option<u32>> {
        if self.peek()? == Marker::Null {
            self.i += 1;
            return Some(None);
        }
        self.map_len().map(Some)
    }

    pub(super) fn bool(&mut self) -> Option<bool> {
        match self.marker()? {
            Marker::True => Some(true),
            Marker::False => Some(false),
            _ => None,
        }
    }

    /// Any msgpack integer, signed or unsigned.
    pub(super) fn int(&mut self) -> Option<i128> {
        Some(match self.marker()? {
            Marker::FixPos(n) => i128::from(n),
            Marker::FixNeg(n) => i128::from(n),
            Marker::U8 => i128::from(self.u8()?),
            Marker::U16 => i128::from(self.u16()?),
            Marker::U32 => i128::from(self.u32()?),
            Marker::U64 => i128::from(self.u64()?),
            Marker::I8 => i128::from(self.u8()? as i8),
            Marker::I16 => i128::from(self.u16()? as i16),
            Marker::I32 => i128::from(self.u32()? as i32),
            Marker::I64 => i128::from(self.u64()? as i64),
            _ => return None,
        })
    }

    /// Extension header: (type, payload length).
    fn ext_header(&mut self, m: Marker) -> Option<(i8, usize)> {
        let len = match m {
            Marker::FixExt1 => 1,
            Marker::FixExt2 => 2,
            Marker::FixExt4 => 4,
            Marker::FixExt8 => 8,
            Marker::FixExt16 => 16,
            Marker::Ext8 => usize::from(self.u8()?),
            Marker::Ext16 => usize::from(self.u16()?),
            Marker::Ext32 => self.u32()? as usize,
            _ => return None,
        };
        Some((self.u8()? as i8, len))
    }

    /// Skip one complete value without recursion: every header consumes at
    /// least one byte, so the loop ends at the latest at end of input.
    pub(super) fn skip(&mut self) -> Option<()> {
        let mut pending: u64 = 1;
        while pending > 0 {
            pending -= 1;
            let m = self.marker()?;
            match m {
                Marker::FixPos(_)
                | Marker::FixNeg(_)
                | Marker::Null
                | Marker::True
                | Marker::False => {}
                Marker::U8 | Marker::I8 => drop(self.take(1)?),
                Marker::U16 | Marker::I16 => drop(self.take(2)?),
                Marker::U32 | Marker::I32 | Marker::F32 => drop(self.take(4)?),
                Marker::U64 | Marker::I64 | Marker::F64 => drop(self.take(8)?),
                Marker::FixStr(_)
                | Marker::Str8
                | Marker::Str16
                | Marker::Str32
                | Marker::Bin8
                | Marker::Bin16
                | Marker::Bin32 => {
                    let n = self.blob_len(m)?;
                    self.take(n)?;
                }
                Marker::FixArray(n) => pending += u64::from(n),
                Marker::Array16 => pending += u64::from(self.u16()?),
                Marker::Array32 => pending += u64::from(self.u32()?),
                Marker::FixMap(n) => pending += 2 * u64::from(n),
                Marker::Map16 => pending += 2 * u64::from(self.u16()?),
                Marker::Map32 => pending += 2 * u64::from(self.u32()?),
                Marker::FixExt1
                | Marker::FixExt2
                | Marker::FixExt4
                | Marker::FixExt8
                | Marker::FixExt16
                | Marker::Ext8
                | Marker::Ext16
                | Marker::Ext32 => {
                    let (_, n) = self.ext_header(m)?;
                    self.take(n)?;
                }
                Marker::Reserved => return None,
            }
        }
        Some(())
    }
}

fn is_ext(m: Marker) -> bool {
    matches!(
        m,
        Marker::FixExt1
            | Marker::FixExt2
            | Marker::FixExt4
            | Marker::FixExt8
            | Marker::FixExt16
            | Marker::Ext8
            | Marker::Ext16
            | Marker::Ext32
    )
}

pub(super) enum NumRead {
    Finite(Number),
    PosInf,
    NegInf,
}

/// A number as go-cty accepts it: int, uint, float32/64, or a decimal
/// string (str or bin).
pub(super) fn read_number(r: &mut Reader) -> Result<NumRead, &'static str> {
    const REQUIRED: &str = "number is required";
    let m = r.peek().ok_or(REQUIRED)?;
    let float = |f: f64| {
        if f.is_nan() {
            Err("NaN is not a valid number")
        } else if f == f64::INFINITY {
            Ok(NumRead::PosInf)
        } else if f == f64::NEG_INFINITY {
            Ok(NumRead::NegInf)
        } else {
            Number::from_f64(f).map(NumRead::Finite).ok_or(REQUIRED)
        }
    };
    match m {
        Marker::F32 => {
            r.i += 1;
            float(f64::from(f32::from_bits(r.u32().ok_or(REQUIRED)?)))
        }
        Marker::F64 => {
            r.i += 1;
            float(f64::from_bits(r.u64().ok_or(REQUIRED)?))
        }
        Marker::FixStr(_)
        | Marker::Str8
        | Marker::Str16
        | Marker::Str32
        | Marker::Bin8
        | Marker::Bin16
        | Marker::Bin32 => {
            let raw = r.str_or_bin().ok_or(REQUIRED)?;
            let s = std::str::from_utf8(raw).map_err(|_| REQUIRED)?;
            Number::parse(s).map(NumRead::Finite).ok_or(REQUIRED)
        }
        _ => {
            let v = r.int().ok_or(REQUIRED)?;
            Ok(NumRead::Finite(
                match (i64::try_from(v), u64::try_from(v)) {
                    (Ok(i), _) => Number::from_i64(i),
                    (_, Ok(u)) => Number::from_u64(u),
                    _ => return Err(REQUIRED),
                },
            ))
        }
    }
}

/// Like go-cty: an integer if it fits i64, else float64 if exact, else the
/// decimal string.
pub(super) fn write_number(out: &mut Vec<u8>, n: &Number) {
    if let Some(i) = n.as_i64() {
        let _ = rmp::encode::write_sint(out, i);
    } else if let Some(f) = n.exact_f64() {
        let _ = rmp::encode::write_f64(out, f);
    } else {
        let _ = rmp::encode::write_str(out, &n.to_string());
    }
}

pub(super) fn decode(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    let mut d = Decoder {
        r: Reader::new(bytes),
        path: Vec::new(),
    };
    let v = d.value(ty, 0)?;
    // go-cty ignores trailing bytes; they can only mean corruption.
    if d.r.remaining() != 0 {
        return Err(d.err("unexpected data after the msgpack value"));
    }
    Ok(v)
}

struct Decoder<'a> {
    r: Reader<'a>,
    path: Vec<PathStep>,
}

impl Decoder<'_> {
    fn err(&self, msg: impl Into<String>) -> ValueError {
        ValueError::new(AttributePath(self.path.clone()), msg)
    }

    /// Kept small, with each case in its own function: debug builds give
    /// every local of a function its own stack slot, and this recursion
    /// must fit in a thread's stack at the maximum depth.
    fn value(&mut self, ty: &Type, depth: usize) -> Result<Value, ValueError> {
        if depth > MAX_VALUE_DEPTH {
            return Err(self.err("value nesting too deep"));
        }
        let Some(m) = self.r.peek() else {
            return Err(self.err("unexpected end of msgpack data"));
        };
        // Unknown is checked first, so it works at dynamic positions too.
        if is_ext(m) {
            return self.unknown(ty);
        }
        match ty {
            Type::Dynamic => self.dynamic(depth),
            _ if m == Marker::Null => {
                self.r.i += 1;
                Ok(Value::Null)
            }
            Type::Bool | Type::Number | Type::String => self.primitive(ty),
            Type::List(ety) => Ok(Value::List(self.list(ety, depth, "a list is required")?)),
            Type::Set(ety) => Ok(Value::Set(self.list(ety, depth, "a set is required")?)),
            Type::Tuple(etys) => self.tuple(etys, depth),
            Type::Map(ety) => self.map(ety, depth),
            Type::Object { attrs, .. } => self.object(attrs, depth),
        }
    }

    fn primitive(&mut self, ty: &Type) -> Result<Value, ValueError> {
        match ty {
            Type::Bool => self
                .r
                .bool()
                .map(Value::Bool)
                .ok_or_else(|| self.err("bool is required")),
            Type::Number => match read_number(&mut self.r) {
                Ok(NumRead::Finite(n)) => Ok(Value::Number(n)),
                Ok(_) => Err(self.err("infinity is not a supported number")),
                Err(msg) => Err(self.err(msg)),
            },
            _ => {
                let raw = self
                    .r
                    .str_or_bin()
                    .ok_or_else(|| self.err("string is required"))?;
                let s =
                    std::str::from_utf8(raw).map_err(|_| self.err("string is not valid UTF-8"))?;
                Ok(Value::String(s.to_owned()))
            }
        }
    }

    fn list(&mut self, ety: &Type, depth: usize, what: &str) -> Result<Vec<Value>, ValueError> {
        let n = self.r.array_len().ok_or_else(|| self.err(what))?;
        self.elements(n, |_| ety, depth)
    }

    fn tuple(&mut self, etys: &[Type], depth: usize) -> Result<Value, ValueError> {
        let n = self
            .r
            .array_len()
            .ok_or_else(|| self.err("a tuple is required"))?;
        // go-cty accepts an empty array for any tuple type; we do not.
        if n as usize != etys.len() {
            return Err(self.err(format!("a tuple of length {} is required", etys.len())));
        }
        Ok(Value::Tuple(self.elements(n, |i| &etys[i], depth)?))
    }

    fn map(&mut self, ety: &Type, depth: usize) -> Result<Value, ValueError> {
        let n = self
            .r
            .map_len()
            .ok_or_else(|| self.err("a map is required"))?;
        let mut m = BTreeMap::new();
        for _ in 0..n {
            let key = self.key("map keys must be strings")?;
            self.path.push(PathStep::ElementKeyString(key));
            let v = self.value(ety, depth + 1)?;
            if let Some(PathStep::ElementKeyString(key)) = self.path.pop() {
                m.insert(key, v); // last duplicate wins, as in go-cty
            }
        }
        Ok(Value::Map(m))
    }

    fn object(
        &mut self,
        attrs: &BTreeMap<String, Type>,
        depth: usize,
    ) -> Result<Value, ValueError> {
        let n = self
            .r
            .map_len()
            .ok_or_else(|| self.err("an object is required"))?;
        // go-cty accepts an empty map for any object type; we do not.
        if n as usize != attrs.len() {
            return Err(self.err(format!(
                "an object with {} attributes is required ({} given)",
                attrs.len(),
                n
            )));
        }
        let mut m = BTreeMap::new();
        for _ in 0..n {
            let key = self.key("all keys must be strings")?;
            let aty = attrs.get(&key);
            let dup = m.contains_key(&key);
            self.path.push(PathStep::Attribute(key));
            let Some(aty) = aty else {
                return Err(self.err("unsupported attribute"));
            };
            if dup {
                return Err(self.err("duplicate attribute"));
            }
            let v = self.value(aty, depth + 1)?;
            if let Some(PathStep::Attribute(key)) = self.path.pop() {
                m.insert(key, v);
            }
        }
        Ok(Value::Object(m))
    }

    fn elements<'t>(
        &mut self,
        n: u32,
        ety: impl Fn(usize) -> &'t Type,
        depth: usize,
    ) -> Result<Vec<Value>, ValueError> {
        // Every element takes at least one byte: never trust `n` further.
        let mut items = Vec::with_capacity((n as usize).min(self.r.remaining()));
        for i in 0..n as usize {
            self.path.push(PathStep::ElementKeyInt(i as i64));
            let v = self.value(ety(i), depth + 1)?;
            self.path.pop();
            items.push(v);
        }
        Ok(items)
    }

    fn key(&mut self, what: &str) -> Result<String, ValueError> {
        let raw = self.r.str_or_bin().ok_or_else(|| self.err(what))?;
        std::str::from_utf8(raw)
            .map(str::to_owned)
            .map_err(|_| self.err("key is not valid UTF-8"))
    }

    /// `[type JSON, value]`, or nil.
    fn dynamic(&mut self, depth: usize) -> Result<Value, ValueError> {
        if self.r.peek() == Some(Marker::Null) {
            self.r.i += 1;
            return Ok(Value::Null);
        }
        if self.r.array_len() != Some(2) {
            return Err(self.err("dynamic value array must have exactly two elements"));
        }
        // go-cty writes bin but its reader also takes str.
        let tj = self
            .r
            .str_or_bin()
            .ok_or_else(|| self.err("dynamic value type must be JSON in a msgpack binary"))?;
        let ty = Type::from_json(tj)
            .map_err(|e| self.err(format!("invalid dynamic value type: {}", e.message)))?;
        let v = self.value(&ty, depth + 1)?;
        Ok(wrap_dynamic(ty, v))
    }

    fn unknown(&mut self, ty: &Type) -> Result<Value, ValueError> {
        let m = self
            .r
            .marker()
            .ok_or_else(|| self.err("unexpected end of msgpack data"))?;
        let (ext, payload) = self
            .r
            .ext_header(m)
            .and_then(|(ext, n)| Some((ext, self.r.take(n)?)))
            .ok_or_else(|| self.err("truncated msgpack extension"))?;
        // Any extension is an unknown (wire format doc); only type 12 with a
        // payload carries refinements. go-cty errors on other types with a
        // payload longer than one byte; the protocol says to ignore them.
        if payload.len() <= 1 || ext != REFINED_EXT {
            return Ok(Value::unknown());
        }
        if payload.len() > MAX_PAYLOAD {
            return Err(self.err("oversize unknown value refinement"));
        }
        // Refinements of a dynamic unknown are reserved; go-cty drops them.
        if *ty == Type::Dynamic {
            return Ok(Value::unknown());
        }
        match decode_refinements(payload, ty) {
            Ok(Some(r)) => Ok(Value::Unknown(r)),
            Ok(None) => Ok(Value::Null),
            Err(msg) => Err(self.err(format!("invalid unknown value refinements: {msg}"))),
        }
    }
}

pub(super) fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, ValueError> {
    let mut e = Encoder {
        out: Vec::new(),
        path: Vec::new(),
    };
    e.value(value, ty)?;
    Ok(e.out)
}

struct Encoder {
    out: Vec<u8>,
    path: Vec<PathStep>,
}

impl Encoder {
    fn err(&self, msg: impl Into<String>) -> ValueError {
        ValueError::new(AttributePath(self.path.clone()), msg)
    }

    fn mismatch(&self, ty: &Type, v: &Value) -> ValueError {
        self.err(format!("expected a value of type {ty}, found {}", v.kind()))
    }

    fn unknown(&mut self, r: &Refinements, ty: &Type) -> Result<(), ValueError> {
        encode_unknown(&mut self.out, r, ty).map_err(|m| self.err(m))
    }

    fn value(&mut self, v: &Value, ty: &Type) -> Result<(), ValueError> {
        match (ty, v) {
            (_, Value::Unknown(r)) => self.unknown(r, ty),
            (_, Value::Null) => {
                let _ = rmp::encode::write_nil(&mut self.out);
                Ok(())
            }
            (Type::Dynamic, Value::Dynamic(t, inner)) => {
                if *t == Type::Dynamic {
                    return self.value(inner, t);
                }
                let _ = rmp::encode::write_array_len(&mut self.out, 2);
                let _ = rmp::encode::write_bin(&mut self.out, &t.to_json());
                self.value(inner, t)
            }
            (Type::Dynamic, _) => Err(self.err(format!(
                "a {} at a dynamic position must be wrapped in Value::Dynamic with its type",
                v.kind()
            ))),
            (_, Value::Dynamic(t, inner)) if t == ty => self.value(inner, ty),
            (Type::Bool, Value::Bool(b)) => {
                let _ = rmp::encode::write_bool(&mut self.out, *b);
                Ok(())
            }
            (Type::Number, Value::Number(n)) => {
                write_number(&mut self.out, n);
                Ok(())
            }
            (Type::String, Value::String(s)) => {
                let _ = rmp::encode::write_str(&mut self.out, s);
                Ok(())
            }
            (Type::List(ety), Value::List(items)) | (Type::Set(ety), Value::Set(items)) => {
                self.len(items.len(), true)?;
                for (i, item) in items.iter().enumerate() {
                    self.path.push(PathStep::ElementKeyInt(i as i64));
                    self.value(item, ety)?;
                    self.path.pop();
                }
                Ok(())
            }
            (Type::Tuple(etys), Value::Tuple(items)) => {
                if etys.len() != items.len() {
                    return Err(self.err(format!(
                        "a tuple of length {} is required ({} given)",
                        etys.len(),
                        items.len()
                    )));
                }
                self.len(items.len(), true)?;
                for (i, (item, ety)) in items.iter().zip(etys).enumerate() {
                    self.path.push(PathStep::ElementKeyInt(i as i64));
                    self.value(item, ety)?;
                    self.path.pop();
                }
                Ok(())
            }
            (Type::Map(ety), Value::Map(m)) => {
                self.len(m.len(), false)?;
                for (k, item) in m {
                    self.path.push(PathStep::ElementKeyString(k.clone()));
                    let _ = rmp::encode::write_str(&mut self.out, k);
                    self.value(item, ety)?;
                    self.path.pop();
                }
                Ok(())
            }
            (Type::Object { attrs, .. }, Value::Object(m)) => {
                if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                    self.path.push(PathStep::Attribute(extra.clone()));
                    return Err(self.err("unsupported attribute"));
                }
                self.len(attrs.len(), false)?;
                // Every attribute of the type, sorted by name like go-cty.
                for (name, aty) in attrs {
                    self.path.push(PathStep::Attribute(name.clone()));
                    let Some(item) = m.get(name) else {
                        return Err(self.err("missing attribute (use Value::Null for null)"));
                    };
                    let _ = rmp::encode::write_str(&mut self.out, name);
                    self.value(item, aty)?;
                    self.path.pop();
                }
                Ok(())
            }
            _ => Err(self.mismatch(ty, v)),
        }
    }

    fn len(&mut self, n: usize, array: bool) -> Result<(), ValueError> {
        let n = u32::try_from(n).map_err(|_| self.err("too many elements for msgpack"))?;
        if array {
            let _ = rmp::encode::write_array_len(&mut self.out, n);
        } else {
            let _ = rmp::encode::write_map_len(&mut self.out, n);
        }
        Ok(())
    }
}
