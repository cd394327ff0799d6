//! Golden vectors written by hand from the wire format document and the
//! go-cty encoder, plus error-path checks.

use std::collections::BTreeMap;

use super::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn num(s: &str) -> Number {
    Number::parse(s).unwrap()
}

/// Decode, compare, and re-encode to the very same bytes.
fn golden(bytes: &[u8], ty: &Type, want: &Value) {
    let got = decode_msgpack(bytes, ty).unwrap();
    assert_eq!(&got, want);
    assert_eq!(encode_msgpack(want, ty).unwrap(), bytes);
}

#[test]
fn wholly_unknown_is_d40000() {
    for ty in [
        Type::String,
        Type::Number,
        Type::Dynamic,
        Type::list(Type::Bool),
        Type::object([("a", Type::String)]),
    ] {
        golden(&hex("d4 00 00"), &ty, &Value::unknown());
    }
    // Any extension type and payload is an unknown.
    for bytes in ["c7 00 05", "d5 07 01 02", "c7 03 2a 01 02 03", "d4 0c 00"] {
        assert_eq!(
            decode_msgpack(&hex(bytes), &Type::String).unwrap(),
            Value::unknown()
        );
    }
    // Refinements cannot apply to a dynamic unknown: dropped, as go-cty does.
    let r = Refinements {
        not_null: true,
        ..Default::default()
    };
    assert_eq!(
        encode_msgpack(&Value::Unknown(r), &Type::Dynamic).unwrap(),
        hex("d4 00 00")
    );
}

#[test]
fn refined_unknown_string() {
    // ext8, len 7, type 12: {1: false, 2: "hi"}
    let bytes = hex("c7 07 0c 82 01 c2 02 a2 68 69");
    let want = Value::Unknown(Refinements {
        not_null: true,
        string_prefix: Some("hi".into()),
        ..Default::default()
    });
    golden(&bytes, &Type::String, &want);
    // Only not-null: {1: false}
    let only = Value::Unknown(Refinements {
        not_null: true,
        ..Default::default()
    });
    golden(&hex("c7 03 0c 81 01 c2"), &Type::String, &only);
    // A future key (7) is skipped, value and all.
    let future = hex("c7 0a 0c 83 07 92 01 02 01 c2 02 a1 68");
    assert_eq!(
        decode_msgpack(&future, &Type::String).unwrap(),
        Value::Unknown(Refinements {
            not_null: true,
            string_prefix: Some("h".into()),
            ..Default::default()
        })
    );
    // {1: true} is a known null, as go-cty's refinement builder makes it.
    assert_eq!(
        decode_msgpack(&hex("c7 03 0c 81 01 c3"), &Type::String).unwrap(),
        Value::Null
    );
    // A string prefix on a number is rejected.
    assert!(decode_msgpack(&bytes, &Type::Number).is_err());
}

#[test]
fn refined_unknown_number_and_collection() {
    // {1: false, 3: [0, true], 4: [1.5, false]}
    let bytes = hex("c7 13 0c 83 01 c2 03 92 00 c3 04 92 cb 3f f8 00 00 00 00 00 00 c2");
    let want = Value::Unknown(Refinements {
        not_null: true,
        number_lower: Some((Number::from_i64(0), true)),
        number_upper: Some((Number::from_f64(1.5).unwrap(), false)),
        ..Default::default()
    });
    golden(&bytes, &Type::Number, &want);
    // Older go-cty sent [-inf, false] for "no lower bound".
    let neg_inf = hex("c7 0d 0c 81 03 92 cb ff f0 00 00 00 00 00 00 c2");
    assert_eq!(
        decode_msgpack(&neg_inf, &Type::Number).unwrap(),
        Value::unknown()
    );
    // Lower above upper is rejected rather than trusted.
    let bad = hex("c7 09 0c 82 03 92 05 c3 04 92 01 c3");
    assert!(decode_msgpack(&bad, &Type::Number).is_err());

    // {5: 1, 6: 3}
    let bytes = hex("c7 05 0c 82 05 01 06 03");
    let want = Value::Unknown(Refinements {
        length_lower: Some(1),
        length_upper: Some(3),
        ..Default::default()
    });
    golden(&bytes, &Type::list(Type::String), &want);
    golden(&bytes, &Type::map(Type::String), &want);
    assert!(decode_msgpack(&bytes, &Type::object([("a", Type::String)])).is_err());
}

#[test]
fn long_prefix_is_truncated_like_go_cty() {
    let long = "x".repeat(300);
    let v = Value::Unknown(Refinements {
        string_prefix: Some(long.clone()),
        ..Default::default()
    });
    let bytes = encode_msgpack(&v, &Type::String).unwrap();
    assert!(bytes.len() <= 1024 + 6);
    let got = decode_msgpack(&bytes, &Type::String).unwrap();
    let Value::Unknown(r) = got else { panic!() };
    assert_eq!(r.string_prefix.unwrap(), long[..255]);
    // Multi-byte characters are never split.
    let v = Value::Unknown(Refinements {
        string_prefix: Some("é".repeat(200)),
        ..Default::default()
    });
    let Value::Unknown(r) =
        decode_msgpack(&encode_msgpack(&v, &Type::String).unwrap(), &Type::String).unwrap()
    else {
        panic!()
    };
    assert_eq!(r.string_prefix.unwrap(), "é".repeat(127));
}

#[test]
fn numbers() {
    // A 30-digit integer is sent as its decimal string.
    let digits = "123456789012345678901234567890";
    let mut bytes = vec![0xa0 | 30];
    bytes.extend_from_slice(digits.as_bytes());
    golden(&bytes, &Type::Number, &Value::Number(num(digits)));
    assert_eq!(num(digits).to_string(), digits);

    // 1e400 decodes; go-cty re-encodes it in positional form.
    let sent = rmp_str("1e400");
    let v = decode_msgpack(&sent, &Type::Number).unwrap();
    let positional = format!("1{}", "0".repeat(400));
    assert_eq!(v, Value::Number(num(&positional)));
    assert_eq!(
        encode_msgpack(&v, &Type::Number).unwrap(),
        rmp_str(&positional)
    );

    // A decimal that no f64 equals stays a string (precision matters to
    // Terraform); one that an f64 equals becomes float64.
    golden(&rmp_str("0.1"), &Type::Number, &Value::Number(num("0.1")));
    assert_eq!(
        encode_msgpack(&Value::Number(num("0.5")), &Type::Number).unwrap(),
        hex("cb 3f e0 00 00 00 00 00 00")
    );

    // float64 1.5 and 0.1 stay floats.
    golden(
        &hex("cb 3f f8 00 00 00 00 00 00"),
        &Type::Number,
        &Value::Number(Number::from_f64(1.5).unwrap()),
    );
    golden(
        &hex("cb 3f b9 99 99 99 99 99 9a"),
        &Type::Number,
        &Value::Number(Number::from_f64(0.1).unwrap()),
    );
    // An integral float is sent back as an int (go-cty does the same).
    let one = decode_msgpack(&hex("cb 3f f0 00 00 00 00 00 00"), &Type::Number).unwrap();
    assert_eq!(encode_msgpack(&one, &Type::Number).unwrap(), hex("01"));
    // float32, uint64, negative ints.
    assert_eq!(
        decode_msgpack(&hex("ca 3f c0 00 00"), &Type::Number).unwrap(),
        Value::Number(Number::from_f64(1.5).unwrap())
    );
    // uint64 beyond i64 decodes; go-cty sends it back as a string because
    // it is neither an i64 nor exactly an f64.
    let max = decode_msgpack(&hex("cf ff ff ff ff ff ff ff ff"), &Type::Number).unwrap();
    assert_eq!(max, Value::Number(Number::from_u64(u64::MAX)));
    assert_eq!(
        encode_msgpack(&max, &Type::Number).unwrap(),
        rmp_str("18446744073709551615")
    );
    // 2^63 is exactly a float64.
    let two63 = Value::Number(Number::from_u64(1 << 63));
    golden(&hex("cb 43 e0 00 00 00 00 00 00"), &Type::Number, &two63);
    assert_eq!(
        decode_msgpack(&hex("cf 80 00 00 00 00 00 00 00"), &Type::Number).unwrap(),
        two63
    );
    golden(
        &hex("d0 9c"),
        &Type::Number,
        &Value::Number(Number::from_i64(-100)),
    );
    golden(
        &hex("cd 01 2c"),
        &Type::Number,
        &Value::Number(Number::from_i64(300)),
    );
    // Not numbers.
    for bad in [
        "a3 61 62 63",
        "cb 7f f8 00 00 00 00 00 00",
        "cb 7f f0 00 00 00 00 00 00",
        "c3",
    ] {
        assert!(decode_msgpack(&hex(bad), &Type::Number).is_err(), "{bad}");
    }
}

fn rmp_str(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    rmp::encode::write_str(&mut out, s).unwrap();
    out
}

#[test]
fn dynamic_string() {
    // [bin "\"string\"", "hi"]
    let bytes = hex("92 c4 08 22 73 74 72 69 6e 67 22 a2 68 69");
    let want = Value::Dynamic(Type::String, Box::new(Value::String("hi".into())));
    golden(&bytes, &Type::Dynamic, &want);
    // The type may also come as a msgpack str.
    let as_str = hex("92 a8 22 73 74 72 69 6e 67 22 a2 68 69");
    assert_eq!(decode_msgpack(&as_str, &Type::Dynamic).unwrap(), want);
    // Null at a dynamic position is plain nil.
    golden(&hex("c0"), &Type::Dynamic, &Value::Null);
    // A bare value at a dynamic position cannot be encoded without its type.
    assert!(encode_msgpack(&Value::String("hi".into()), &Type::Dynamic).is_err());
    assert_eq!(
        encode_json(&want, &Type::Dynamic).unwrap(),
        br#"{"value":"hi","type":"string"}"#
    );
    assert_eq!(
        decode_json(br#"{"type":"string","value":"hi"}"#, &Type::Dynamic).unwrap(),
        want
    );
}

#[test]
fn object_with_null_attribute() {
    let ty = Type::object([("a", Type::String), ("b", Type::Number)]);
    // {"a": "x", "b": nil}
    let bytes = hex("82 a1 61 a1 78 a1 62 c0");
    let want = Value::object([("a", Value::from("x")), ("b", Value::Null)]);
    golden(&bytes, &ty, &want);
    assert_eq!(encode_json(&want, &ty).unwrap(), br#"{"a":"x","b":null}"#);
    // Missing and extra attributes are errors in msgpack.
    let missing = decode_msgpack(&hex("81 a1 61 a1 78"), &ty).unwrap_err();
    assert!(missing.message.contains("2 attributes"), "{missing}");
    let extra = decode_msgpack(&hex("82 a1 61 a1 78 a1 63 c0"), &ty).unwrap_err();
    assert_eq!(extra.to_string(), "c: unsupported attribute");
    let dup = decode_msgpack(&hex("82 a1 61 a1 78 a1 61 c0"), &ty).unwrap_err();
    assert_eq!(dup.path, AttributePath::root().attribute("a"));
    // Encoding needs every attribute.
    let partial = Value::object([("a", Value::from("x"))]);
    assert_eq!(
        encode_msgpack(&partial, &ty).unwrap_err().to_string(),
        "b: missing attribute (use Value::Null for null)"
    );
}

#[test]
fn set_of_strings() {
    let ty = Type::set(Type::String);
    let bytes = hex("92 a1 61 a1 62");
    let want = Value::Set(vec![Value::from("a"), Value::from("b")]);
    golden(&bytes, &ty, &want);
    // Sets compare without regard to order.
    assert_eq!(decode_msgpack(&hex("92 a1 62 a1 61"), &ty).unwrap(), want);
    assert_ne!(
        Value::List(vec![Value::from("a"), Value::from("b")]),
        Value::List(vec![Value::from("b"), Value::from("a")])
    );
}

#[test]
fn error_paths() {
    let ty = Type::object([("items", Type::list(Type::map(Type::Bool)))]);
    // {"items": [{"k": true}, {"k": "no"}]}
    let bytes = hex("81 a5 69 74 65 6d 73 92 81 a1 6b c3 81 a1 6b a2 6e 6f");
    let e = decode_msgpack(&bytes, &ty).unwrap_err();
    assert_eq!(
        e.path,
        AttributePath::root()
            .attribute("items")
            .key_int(1)
            .key_string("k")
    );
    assert_eq!(e.to_string(), "items[1][\"k\"]: bool is required");
    let j = decode_json(br#"{"items":[{"k":true},{"k":[]}]}"#, &ty).unwrap_err();
    assert_eq!(j.path, e.path);
    // Tuple length is checked.
    let tt = Type::Tuple(vec![Type::String, Type::Bool]);
    assert!(decode_msgpack(&hex("91 a1 61"), &tt).is_err());
    assert!(decode_json(br#"["a"]"#, &tt).is_err());
    // Trailing bytes and truncation are errors.
    assert!(decode_msgpack(&hex("c3 c3"), &Type::Bool).is_err());
    assert!(decode_msgpack(&hex("92 c3"), &Type::list(Type::Bool)).is_err());
    assert!(decode_msgpack(&[], &Type::Bool).is_err());
    // Huge declared lengths do not allocate.
    assert!(decode_msgpack(&hex("dd ff ff ff ff"), &Type::list(Type::Bool)).is_err());
}

#[test]
fn type_json() {
    let ty = Type::Object {
        attrs: BTreeMap::from([
            ("b".to_string(), Type::list(Type::String)),
            (
                "a".to_string(),
                Type::Tuple(vec![Type::Number, Type::Dynamic]),
            ),
            ("c".to_string(), Type::map(Type::set(Type::Bool))),
        ]),
        optional: ["c".to_string(), "a".to_string()].into(),
    };
    let text = r#"["object",{"a":["tuple",["number","dynamic"]],"b":["list","string"],"c":["map",["set","bool"]]},["a","c"]]"#;
    assert_eq!(String::from_utf8(ty.to_json()).unwrap(), text);
    assert_eq!(Type::from_json(text.as_bytes()).unwrap(), ty);
    assert_eq!(Type::from_json(b" \"string\" ").unwrap(), Type::String);
    assert_eq!(
        Type::object(Vec::<(String, Type)>::new()).to_json(),
        br#"["object",{}]"#
    );
    for bad in [
        "",
        "\"str\"",
        "[\"list\"]",
        "[\"list\",\"string\",1]",
        "[\"object\",{\"a\":\"string\"},[\"b\"]]",
        "[\"foo\",\"string\"]",
        "5",
        "\"string\" x",
        "[\"tuple\",{}]",
    ] {
        assert!(Type::from_json(bad.as_bytes()).is_err(), "{bad}");
    }
    // 64 levels of nesting are allowed, 65 are not.
    let nested = |n: usize| format!("{}\"string\"{}", "[\"list\",".repeat(n), "]".repeat(n));
    assert!(Type::from_json(nested(64).as_bytes()).is_ok());
    assert!(Type::from_json(nested(65).as_bytes()).is_err());
    assert!(Type::from_json(nested(100_000).as_bytes()).is_err());
}

#[test]
fn json_values() {
    let ty = Type::object([
        ("n", Type::Number),
        ("s", Type::String),
        ("b", Type::Bool),
        ("m", Type::map(Type::Number)),
    ]);
    let v = decode_json(
        br#"{"n": 123456789012345678901234567890, "s": "a<b>\u00e9", "m": {"x": 1.50}}"#,
        &ty,
    )
    .unwrap();
    assert_eq!(
        v.attr("n"),
        Some(&Value::Number(num("123456789012345678901234567890")))
    );
    assert_eq!(v.attr("s").and_then(Value::as_str), Some("a<b>é"));
    assert_eq!(v.attr("b"), Some(&Value::Null)); // missing attribute
    assert_eq!(
        encode_json(&v, &ty).unwrap(),
        r#"{"b":null,"m":{"x":1.5},"n":123456789012345678901234567890,"s":"a\u003cb\u003eé"}"#
            .as_bytes()
    );
    // Strict vs. ignoring undefined attributes, at any depth.
    let nested = Type::object([("o", Type::object([("a", Type::String)]))]);
    let input = br#"{"o": {"a": "x", "gone": 1}, "old": true}"#;
    assert_eq!(
        decode_json(input, &nested).unwrap_err().to_string(),
        "o: unsupported attribute \"gone\""
    );
    assert_eq!(
        decode_json_ignoring_undefined(input, &nested).unwrap(),
        Value::object([("o", Value::object([("a", Value::from("x"))]))])
    );
    // go-cty's primitive conversions.
    assert_eq!(
        decode_json(b"\"12.5\"", &Type::Number).unwrap(),
        Value::Number(num("12.5"))
    );
    assert_eq!(
        decode_json(b"\"1\"", &Type::Bool).unwrap(),
        Value::Bool(true)
    );
    assert_eq!(
        decode_json(b"1.50", &Type::String).unwrap(),
        Value::from("1.50")
    );
    assert_eq!(
        decode_json(b"false", &Type::String).unwrap(),
        Value::from("false")
    );
    assert!(decode_json(b"\"yes\"", &Type::Bool).is_err());
    assert!(decode_json(b"\"abc\"", &Type::Number).is_err());
    // Unknowns cannot be JSON.
    assert!(encode_json(&Value::unknown(), &Type::String).is_err());
    // Lone surrogates become U+FFFD, as in Go.
    assert_eq!(
        decode_json(br#""\ud800x""#, &Type::String).unwrap(),
        Value::from("\u{FFFD}x")
    );
    assert_eq!(
        decode_json(br#""\ud83d\ude00""#, &Type::String).unwrap(),
        Value::from("😀")
    );
}

/// Run `f` on a thread with a quarter of Rust's default 2 MiB stack, so a
/// test fails (rather than passing by luck) if decoding at the maximum depth
/// needs too much stack. Debug builds need far more than release builds.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(512 << 10)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn deep_values_are_bounded_within_a_small_stack() {
    on_small_stack(|| {
        // ["dynamic", ["dynamic", ...]] nested far beyond the limit.
        let mut bytes = Vec::new();
        for _ in 0..10_000 {
            bytes.extend_from_slice(&hex("92 c4 09 22 64 79 6e 61 6d 69 63 22"));
        }
        bytes.push(0xc0);
        let e = decode_msgpack(&bytes, &Type::Dynamic).unwrap_err();
        assert!(e.message.contains("too deep"), "{e}");

        // A (programmatic) type deeper than the value limit.
        let ty = (0..MAX_VALUE_DEPTH + 10).fold(Type::String, |t, _| Type::list(t));
        let mut bytes = vec![0x91u8; MAX_VALUE_DEPTH + 10];
        bytes.push(0xa0);
        let e = decode_msgpack(&bytes, &ty).unwrap_err();
        assert!(e.message.contains("too deep"), "{e}");
        // Just inside the limit works.
        let ok_ty = (0..MAX_VALUE_DEPTH).fold(Type::String, |t, _| Type::list(t));
        let mut ok = vec![0x91u8; MAX_VALUE_DEPTH];
        ok.push(0xa0);
        let v = decode_msgpack(&ok, &ok_ty).unwrap();
        assert_eq!(encode_msgpack(&v, &ok_ty).unwrap(), ok);
        assert_eq!(
            decode_json(&encode_json(&v, &ok_ty).unwrap(), &ok_ty).unwrap(),
            v
        );

        // JSON: deep arrays, deep dynamic wrappers.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(decode_json(deep.as_bytes(), &Type::Dynamic).is_err());
        assert!(decode_json(deep.as_bytes(), &ty).is_err());
        let wrapper = r#"{"type":"dynamic","value":"#;
        let deep = format!("{}null{}", wrapper.repeat(10_000), "}".repeat(10_000));
        assert!(decode_json(deep.as_bytes(), &Type::Dynamic).is_err());
        let max_type = format!("{}\"string\"{}", "[\"list\",".repeat(64), "]".repeat(64));
        assert!(Type::from_json(max_type.as_bytes()).is_ok());
    });
}

#[test]
fn value_helpers() {
    let v = Value::object([
        ("a", Value::List(vec![Value::unknown()])),
        ("b", Value::from(true)),
    ]);
    assert!(v.is_known());
    assert!(!v.is_wholly_known());
    assert_eq!(v.attr("b").and_then(Value::as_bool), Some(true));
    assert!(!Value::unknown().is_known());
    assert!(Value::null_of(&Type::String).is_null());
    assert_eq!(
        AttributePath::root()
            .attribute("a")
            .key_int(0)
            .key_string("k")
            .attribute("s")
            .to_string(),
        "a[0][\"k\"].s"
    );
}
