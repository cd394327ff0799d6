//! cty's JSON type notation (go-cty `cty/json.go`).

use std::collections::{BTreeMap, BTreeSet};

use super::jsontext::{self, Json};
use super::{Type, MAX_TYPE_DEPTH};

/// Compact form, as Go's `json.Marshal` of a `cty.Type` writes it.
pub(super) fn write_type(t: &Type, out: &mut String) {
    match t {
        Type::Bool => out.push_str("\"bool\""),
        Type::Number => out.push_str("\"number\""),
        Type::String => out.push_str("\"string\""),
        Type::Dynamic => out.push_str("\"dynamic\""),
        Type::List(e) | Type::Set(e) | Type::Map(e) => {
            out.push_str(match t {
                Type::List(_) => "[\"list\",",
                Type::Set(_) => "[\"set\",",
                _ => "[\"map\",",
            });
            write_type(e, out);
            out.push(']');
        }
        Type::Object { attrs, optional } => {
            out.push_str("[\"object\",{");
            for (i, (name, aty)) in attrs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                jsontext::write_string(out, name);
                out.push(':');
                write_type(aty, out);
            }
            out.push('}');
            if !optional.is_empty() {
                out.push_str(",[");
                for (i, name) in optional.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    jsontext::write_string(out, name);
                }
                out.push(']');
            }
            out.push(']');
        }
        Type::Tuple(elems) => {
            out.push_str("[\"tuple\",[");
            for (i, e) in elems.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_type(e, out);
            }
            out.push_str("]]");
        }
    }
}

pub(super) fn parse_type(bytes: &[u8]) -> Result<Type, String> {
    // Each type level is at most two JSON levels (["object",{...}]).
    let tree = jsontext::parse(bytes, 2 * MAX_TYPE_DEPTH + 2)?;
    type_from_tree(&tree, 0)
}

/// Build a type from parsed JSON; also used for the "type" member of a
/// dynamic JSON value.
pub(super) fn type_from_tree(j: &Json, depth: usize) -> Result<Type, String> {
    match j {
        Json::String(name) => match name.as_str() {
            "bool" => Ok(Type::Bool),
            "number" => Ok(Type::Number),
            "string" => Ok(Type::String),
            "dynamic" => Ok(Type::Dynamic),
            _ => Err(format!("invalid primitive type name {name:?}")),
        },
        Json::Array(items) => {
            if depth >= MAX_TYPE_DEPTH {
                return Err(format!("type nesting deeper than {MAX_TYPE_DEPTH}"));
            }
            let Some(Json::String(kind)) = items.first() else {
                return Err("invalid complex type kind name".into());
            };
            let arity_ok = match kind.as_str() {
                "object" => items.len() == 2 || items.len() == 3,
                _ => items.len() == 2,
            };
            if !arity_ok {
                return Err(format!(
                    "wrong number of elements in {kind:?} type description"
                ));
            }
            let arg = &items[1];
            match kind.as_str() {
                "list" => Ok(Type::List(Box::new(type_from_tree(arg, depth + 1)?))),
                "set" => Ok(Type::Set(Box::new(type_from_tree(arg, depth + 1)?))),
                "map" => Ok(Type::Map(Box::new(type_from_tree(arg, depth + 1)?))),
                "object" => {
                    let mut attrs = BTreeMap::new();
                    match arg {
                        // Go decodes `null` into an empty map.
                        Json::Null => {}
                        Json::Object(members) => {
                            for (name, aty) in members {
                                attrs.insert(name.clone(), type_from_tree(aty, depth + 1)?);
                            }
                        }
                        _ => return Err("object attribute types must be a JSON object".into()),
                    }
                    let mut optional = BTreeSet::new();
                    match items.get(2) {
                        None | Some(Json::Null) => {}
                        Some(Json::Array(names)) => {
                            for n in names {
                                let Json::String(n) = n else {
                                    return Err("optional attribute names must be strings".into());
                                };
                                // go-cty panics here; we report it.
                                if !attrs.contains_key(n) {
                                    return Err(format!(
                                        "optional attribute {n:?} is not an attribute of the object"
                                    ));
                                }
                                optional.insert(n.clone());
                            }
                        }
                        Some(_) => return Err("optional attributes must be a JSON array".into()),
                    }
                    Ok(Type::Object { attrs, optional })
                }
                "tuple" => match arg {
                    Json::Null => Ok(Type::Tuple(Vec::new())),
                    Json::Array(elems) => Ok(Type::Tuple(
                        elems
                            .iter()
                            .map(|e| type_from_tree(e, depth + 1))
                            .collect::<Result<_, _>>()?,
                    )),
                    _ => Err("tuple element types must be a JSON array".into()),
                },
                _ => Err(format!("invalid complex type kind name {kind:?}")),
            }
        }
        _ => Err("invalid type description".into()),
    }
}
