//! Property tests: random (type, value) pairs round-trip through both
//! codecs, and no input makes a decoder panic.

use proptest::prelude::*;

use super::*;

fn attr_name() -> impl Strategy<Value = String> {
    "[a-z_]{1,6}"
}

/// A type constraint, as in a schema: may contain `dynamic` and optional
/// attributes.
fn arb_type() -> impl Strategy<Value = Type> {
    types(true)
}

/// A concrete type for a value at a dynamic position. cty value types have
/// neither `dynamic` parts nor optional attributes; leaving out `dynamic`
/// also keeps generation from recursing without bound.
fn concrete_type() -> impl Strategy<Value = Type> {
    types(false)
}

fn types(constraint: bool) -> impl Strategy<Value = Type> {
    let leaf = if constraint {
        prop_oneof![
            Just(Type::Bool),
            Just(Type::Number),
            Just(Type::String),
            Just(Type::Dynamic)
        ]
        .boxed()
    } else {
        prop_oneof![Just(Type::Bool), Just(Type::Number), Just(Type::String)].boxed()
    };
    leaf.prop_recursive(3, 24, 4, move |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            prop::collection::btree_map(attr_name(), inner.clone(), 0..4).prop_flat_map(
                move |attrs| {
                    let names: Vec<String> = attrs.keys().cloned().collect();
                    let max = if constraint { names.len() } else { 0 };
                    prop::sample::subsequence(names, 0..=max).prop_map(move |opt| Type::Object {
                        attrs: attrs.clone(),
                        optional: opt.into_iter().collect(),
                    })
                }
            ),
            prop::collection::vec(inner, 0..4).prop_map(Type::Tuple),
        ]
    })
}

fn arb_number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from_i64),
        any::<u64>().prop_map(Number::from_u64),
        any::<f64>().prop_filter_map("finite", Number::from_f64),
        "-?[1-9][0-9]{19,40}".prop_map(|s| Number::parse(&s).unwrap()),
        "-?[0-9]{1,5}\\.[0-9]{1,30}".prop_map(|s| Number::parse(&s).unwrap()),
        "-?[1-9]e-?[1-4][0-9]{0,2}".prop_map(|s| Number::parse(&s).unwrap()),
    ]
}

fn arb_refinements(ty: &Type) -> BoxedStrategy<Refinements> {
    let nn = any::<bool>();
    match ty {
        Type::Dynamic => Just(Refinements::default()).boxed(),
        Type::String => (nn, prop::option::of(".{1,20}"))
            .prop_map(|(not_null, string_prefix)| Refinements {
                not_null,
                string_prefix,
                ..Default::default()
            })
            .boxed(),
        Type::Number => (
            nn,
            prop::option::of((arb_number(), any::<bool>())),
            prop::option::of((arb_number(), any::<bool>())),
        )
            .prop_map(|(not_null, mut lo, mut hi)| {
                if let (Some((a, ai)), Some((b, bi))) = (&mut lo, &mut hi) {
                    if a.cmp_exact(b) == std::cmp::Ordering::Greater {
                        std::mem::swap(a, b);
                    }
                    if a.cmp_exact(b) == std::cmp::Ordering::Equal {
                        *bi = *ai; // equal bounds must agree on inclusivity
                    }
                }
                Refinements {
                    not_null,
                    number_lower: lo,
                    number_upper: hi,
                    ..Default::default()
                }
            })
            .boxed(),
        t if t.is_collection() => (nn, prop::option::of(1u64..10), prop::option::of(0u64..10))
            .prop_map(|(not_null, lo, extra)| Refinements {
                not_null,
                length_lower: lo,
                length_upper: extra.map(|e| lo.unwrap_or(0) + e),
                ..Default::default()
            })
            .boxed(),
        _ => nn
            .prop_map(|not_null| Refinements {
                not_null,
                ..Default::default()
            })
            .boxed(),
    }
}

/// Null, unknown (refined as the type allows) or a known value.
fn arb_value(ty: &Type) -> BoxedStrategy<Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => arb_refinements(ty).prop_map(Value::Unknown),
        4 => known_value(ty),
    ]
    .boxed()
}

fn known_value(ty: &Type) -> BoxedStrategy<Value> {
    match ty {
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number => arb_number().prop_map(Value::Number).boxed(),
        Type::String => ".{0,12}".prop_map(Value::String).boxed(),
        Type::Dynamic => concrete_type()
            .prop_flat_map(|t| {
                known_value(&t).prop_map(move |v| Value::Dynamic(t.clone(), Box::new(v)))
            })
            .boxed(),
        Type::List(e) => prop::collection::vec(arb_value(e), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(e) => prop::collection::vec(arb_value(e), 0..4)
            .prop_map(Value::Set)
            .boxed(),
        Type::Map(e) => prop::collection::btree_map("[a-z]{0,4}", arb_value(e), 0..4)
            .prop_map(Value::Map)
            .boxed(),
        Type::Tuple(ts) => ts
            .iter()
            .map(arb_value)
            .collect::<Vec<_>>()
            .prop_map(Value::Tuple)
            .boxed(),
        Type::Object { attrs, .. } => attrs
            .iter()
            .map(|(k, t)| {
                arb_value(t).prop_map({
                    let k = k.clone();
                    move |v| (k.clone(), v)
                })
            })
            .collect::<Vec<_>>()
            .prop_map(|kvs| Value::Object(kvs.into_iter().collect()))
            .boxed(),
    }
}

fn type_and_value() -> impl Strategy<Value = (Type, Value)> {
    arb_type().prop_flat_map(|t| arb_value(&t).prop_map(move |v| (t.clone(), v)))
}

/// What a value looks like after passing through JSON: numbers are carried
/// as their decimal text, so they come back as parsed decimals.
fn via_json_text(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::Number(Number::parse(&n.to_string()).unwrap()),
        Value::List(xs) => Value::List(xs.iter().map(via_json_text).collect()),
        Value::Set(xs) => Value::Set(xs.iter().map(via_json_text).collect()),
        Value::Tuple(xs) => Value::Tuple(xs.iter().map(via_json_text).collect()),
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, v)| (k.clone(), via_json_text(v)))
                .collect(),
        ),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), via_json_text(v)))
                .collect(),
        ),
        Value::Dynamic(t, inner) => Value::Dynamic(t.clone(), Box::new(via_json_text(inner))),
        other => other.clone(),
    }
}

/// Flip, drop or insert a few bytes of a valid encoding, to reach deeper
/// decoder paths than uniformly random bytes would.
fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    for &(pos, op, byte) in edits {
        if bytes.is_empty() {
            bytes.push(byte);
            continue;
        }
        let i = pos % bytes.len();
        match op % 3 {
            0 => bytes[i] = byte,
            1 => {
                bytes.remove(i);
            }
            _ => bytes.insert(i, byte),
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn msgpack_round_trip((ty, v) in type_and_value()) {
        let bytes = encode_msgpack(&v, &ty).unwrap();
        let back = decode_msgpack(&bytes, &ty).unwrap();
        prop_assert_eq!(&back, &v);
        // Encoding is deterministic given equal values in the same order.
        prop_assert_eq!(encode_msgpack(&back, &ty).unwrap(), bytes);
    }

    #[test]
    fn json_round_trip((ty, v) in type_and_value().prop_filter("wholly known", |(_, v)| v.is_wholly_known())) {
        let text = encode_json(&v, &ty).unwrap();
        let back = decode_json(&text, &ty).unwrap();
        prop_assert_eq!(&back, &via_json_text(&v));
        prop_assert_eq!(decode_json_ignoring_undefined(&text, &ty).unwrap(), back);
    }

    #[test]
    fn type_json_round_trip(ty in arb_type()) {
        prop_assert_eq!(Type::from_json(&ty.to_json()).unwrap(), ty);
    }

    #[test]
    fn number_text_round_trip(n in arb_number()) {
        let text = n.to_string();
        prop_assert_eq!(Number::parse(&text).unwrap().to_string(), text.clone());
        // Exact for integers and decimals; a float's shortest text reads
        // back as the same f64.
        prop_assert_eq!(Number::parse(&text).unwrap().as_f64(), n.as_f64());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn msgpack_random_bytes_never_panic(ty in arb_type(), bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = decode_msgpack(&bytes, &ty);
    }

    #[test]
    fn msgpack_mutated_never_panics(
        (ty, v) in type_and_value(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..4),
    ) {
        let bytes = mutate(encode_msgpack(&v, &ty).unwrap(), &edits);
        let _ = decode_msgpack(&bytes, &ty);
        let _ = decode_msgpack(&bytes, &Type::Dynamic);
    }

    #[test]
    fn json_random_never_panics(ty in arb_type(), text in "[\\[\\]{}\",:0-9a-z .eE+\\\\-]{0,40}", raw in prop::collection::vec(any::<u8>(), 0..40)) {
        let _ = Type::from_json(text.as_bytes());
        let _ = Type::from_json(&raw);
        let _ = decode_json(text.as_bytes(), &ty);
        let _ = decode_json(&raw, &ty);
        let _ = decode_json_ignoring_undefined(text.as_bytes(), &ty);
    }

    #[test]
    fn json_mutated_never_panics(
        (ty, v) in type_and_value().prop_filter("wholly known", |(_, v)| v.is_wholly_known()),
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..4),
    ) {
        let text = mutate(encode_json(&v, &ty).unwrap(), &edits);
        let _ = decode_json(&text, &ty);
        let _ = decode_json(&text, &Type::Dynamic);
        let type_text = mutate(ty.to_json(), &edits);
        let _ = Type::from_json(&type_text);
    }
}
