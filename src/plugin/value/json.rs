//! The JSON codec (go-cty `cty/json`), used for state upgrades and as the
//! protocol's fallback encoding.

use std::collections::BTreeMap;

use super::jsontext::{self, write_string, Json};
use super::path::PathStep;
use super::type_json::type_from_tree;
use super::{wrap_dynamic, AttributePath, Number, Type, Value, ValueError, MAX_VALUE_DEPTH};

pub(super) fn decode(bytes: &[u8], ty: &Type, ignore_undefined: bool) -> Result<Value, ValueError> {
    // The tree's depth bounds all recursion below, dynamic values included.
    let tree = jsontext::parse(bytes, MAX_VALUE_DEPTH)
        .map_err(|m| ValueError::new(AttributePath::root(), m))?;
    let mut d = Decoder {
        path: Vec::new(),
        ignore_undefined,
    };
    d.value(&tree, ty)
}

struct Decoder {
    path: Vec<PathStep>,
    ignore_undefined: bool,
}

impl Decoder {
    fn err(&self, msg: impl Into<String>) -> ValueError {
        ValueError::new(AttributePath(self.path.clone()), msg)
    }

    /// A small dispatcher with one function per kind, so that the stack
    /// frames on the recursive path stay small even in debug builds.
    fn value(&mut self, j: &Json, ty: &Type) -> Result<Value, ValueError> {
        if *j == Json::Null {
            return Ok(Value::Null);
        }
        match ty {
            Type::Dynamic => self.dynamic(j),
            Type::Bool | Type::Number | Type::String => self.primitive(j, ty),
            Type::List(ety) => Ok(Value::List(self.list(j, ety, "a list is required")?)),
            Type::Set(ety) => Ok(Value::Set(self.list(j, ety, "a set is required")?)),
            Type::Tuple(etys) => self.tuple(j, etys),
            Type::Map(ety) => self.map(j, ety),
            Type::Object { attrs, .. } => self.object(j, attrs),
        }
    }

    /// go-cty converts strings to bools and numbers, and numbers and bools
    /// to strings, as cty's `convert` package would.
    fn primitive(&self, j: &Json, ty: &Type) -> Result<Value, ValueError> {
        match (ty, j) {
            (Type::Bool, Json::Bool(b)) => Ok(Value::Bool(*b)),
            (Type::Bool, Json::String(s)) => match s.as_str() {
                "true" | "1" => Ok(Value::Bool(true)),
                "false" | "0" => Ok(Value::Bool(false)),
                _ => Err(self.err("a bool is required")),
            },
            (Type::Bool, _) => Err(self.err("bool is required")),
            (Type::Number, Json::Number(s) | Json::String(s)) => Number::parse(s)
                .map(Value::Number)
                .ok_or_else(|| self.err("a number is required")),
            (Type::Number, _) => Err(self.err("number is required")),
            (_, Json::String(s) | Json::Number(s)) => Ok(Value::String(s.clone())),
            (_, Json::Bool(b)) => Ok(Value::String(b.to_string())),
            _ => Err(self.err("string is required")),
        }
    }

    fn list(&mut self, j: &Json, ety: &Type, what: &str) -> Result<Vec<Value>, ValueError> {
        let Json::Array(items) = j else {
            return Err(self.err(what));
        };
        self.elements(items, |_| ety)
    }

    fn tuple(&mut self, j: &Json, etys: &[Type]) -> Result<Value, ValueError> {
        let Json::Array(items) = j else {
            return Err(self.err("a tuple is required"));
        };
        if items.len() > etys.len() {
            return Err(self.err(format!("too many tuple elements (need {})", etys.len())));
        }
        if items.len() < etys.len() {
            return Err(self.err(format!("not enough tuple elements (need {})", etys.len())));
        }
        Ok(Value::Tuple(self.elements(items, |i| &etys[i])?))
    }

    fn map(&mut self, j: &Json, ety: &Type) -> Result<Value, ValueError> {
        let Json::Object(members) = j else {
            return Err(self.err("a map is required"));
        };
        let mut m = BTreeMap::new();
        for (k, v) in members {
            self.path.push(PathStep::ElementKeyString(k.clone()));
            let v = self.value(v, ety)?;
            self.path.pop();
            m.insert(k.clone(), v); // last duplicate wins, as in Go
        }
        Ok(Value::Map(m))
    }

    fn object(&mut self, j: &Json, attrs: &BTreeMap<String, Type>) -> Result<Value, ValueError> {
        let Json::Object(members) = j else {
            return Err(self.err("an object is required"));
        };
        let mut m = BTreeMap::new();
        for (k, v) in members {
            let Some(aty) = attrs.get(k) else {
                if self.ignore_undefined {
                    continue;
                }
                return Err(self.err(format!("unsupported attribute {k:?}")));
            };
            self.path.push(PathStep::Attribute(k.clone()));
            let v = self.value(v, aty)?;
            self.path.pop();
            m.insert(k.clone(), v);
        }
        for name in attrs.keys() {
            m.entry(name.clone()).or_insert(Value::Null);
        }
        Ok(Value::Object(m))
    }

    fn elements<'t>(
        &mut self,
        items: &[Json],
        ety: impl Fn(usize) -> &'t Type,
    ) -> Result<Vec<Value>, ValueError> {
        let mut vals = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            self.path.push(PathStep::ElementKeyInt(i as i64));
            vals.push(self.value(item, ety(i))?);
            self.path.pop();
        }
        Ok(vals)
    }

    /// `{"value": ..., "type": ...}` in either order.
    fn dynamic(&mut self, j: &Json) -> Result<Value, ValueError> {
        let Json::Object(members) = j else {
            return Err(
                self.err("a dynamic value must be a JSON object with \"type\" and \"value\"")
            );
        };
        let (mut ty, mut body) = (None, None);
        for (k, v) in members {
            match k.as_str() {
                "type" => {
                    let t = type_from_tree(v, 0).map_err(|m| {
                        self.err(format!("failed to decode type for dynamic value: {m}"))
                    })?;
                    ty = Some(t);
                }
                "value" => body = Some(v),
                _ => return Err(self.err(format!("invalid key {k:?} in dynamically-typed value"))),
            }
        }
        let ty = ty.ok_or_else(|| self.err("missing type in dynamically-typed value"))?;
        let body = body.ok_or_else(|| self.err("missing value in dynamically-typed value"))?;
        let v = self.value(body, &ty)?;
        Ok(wrap_dynamic(ty, v))
    }
}

pub(super) fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, ValueError> {
    let mut e = Encoder {
        out: String::new(),
        path: Vec::new(),
    };
    e.value(value, ty)?;
    Ok(e.out.into_bytes())
}

struct Encoder {
    out: String,
    path: Vec<PathStep>,
}

impl Encoder {
    fn err(&self, msg: impl Into<String>) -> ValueError {
        ValueError::new(AttributePath(self.path.clone()), msg)
    }

    fn value(&mut self, v: &Value, ty: &Type) -> Result<(), ValueError> {
        match (ty, v) {
            (_, Value::Unknown(_)) => Err(self.err("value is not known")),
            (_, Value::Null) => {
                self.out.push_str("null");
                Ok(())
            }
            (Type::Dynamic, Value::Dynamic(t, inner)) => {
                if *t == Type::Dynamic {
                    return self.value(inner, t);
                }
                // Same member order as go-cty.
                self.out.push_str("{\"value\":");
                self.value(inner, t)?;
                self.out.push_str(",\"type\":");
                self.out.push_str(&t.to_string());
                self.out.push('}');
                Ok(())
            }
            (Type::Dynamic, _) => Err(self.err(format!(
                "a {} at a dynamic position must be wrapped in Value::Dynamic with its type",
                v.kind()
            ))),
            (_, Value::Dynamic(t, inner)) if t == ty => self.value(inner, ty),
            (Type::Bool, Value::Bool(b)) => {
                self.out.push_str(if *b { "true" } else { "false" });
                Ok(())
            }
            (Type::Number, Value::Number(n)) => {
                self.out.push_str(&n.to_string());
                Ok(())
            }
            (Type::String, Value::String(s)) => {
                write_string(&mut self.out, s);
                Ok(())
            }
            (Type::List(ety), Value::List(items)) | (Type::Set(ety), Value::Set(items)) => {
                self.elements(items, |_| ety)
            }
            (Type::Tuple(etys), Value::Tuple(items)) => {
                if etys.len() != items.len() {
                    return Err(self.err(format!(
                        "a tuple of length {} is required ({} given)",
                        etys.len(),
                        items.len()
                    )));
                }
                self.elements(items, |i| &etys[i])
            }
            (Type::Map(ety), Value::Map(m)) => {
                self.out.push('{');
                for (i, (k, item)) in m.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.path.push(PathStep::ElementKeyString(k.clone()));
                    write_string(&mut self.out, k);
                    self.out.push(':');
                    self.value(item, ety)?;
                    self.path.pop();
                }
                self.out.push('}');
                Ok(())
            }
            (Type::Object { attrs, .. }, Value::Object(m)) => {
                if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                    self.path.push(PathStep::Attribute(extra.clone()));
                    return Err(self.err("unsupported attribute"));
                }
                self.out.push('{');
                for (i, (name, aty)) in attrs.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.path.push(PathStep::Attribute(name.clone()));
                    let Some(item) = m.get(name) else {
                        return Err(self.err("missing attribute (use Value::Null for null)"));
                    };
                    write_string(&mut self.out, name);
                    self.out.push(':');
                    self.value(item, aty)?;
                    self.path.pop();
                }
                self.out.push('}');
                Ok(())
            }
            _ => Err(self.err(format!("expected a value of type {ty}, found {}", v.kind()))),
        }
    }

    fn elements<'t>(
        &mut self,
        items: &[Value],
        ety: impl Fn(usize) -> &'t Type,
    ) -> Result<(), ValueError> {
        self.out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.path.push(PathStep::ElementKeyInt(i as i64));
            self.value(item, ety(i))?;
            self.path.pop();
        }
        self.out.push(']');
        Ok(())
    }
}
