//! Unknown values and their refinements on the msgpack wire
//! (go-cty `cty/msgpack/unknown.go`, meanings from `unknown_refinement.go`).
//!
//! Wholly unknown is `d4 00 00` (fixext1, type 0). A refined unknown is
//! extension type 12 whose payload is a msgpack map with small-int keys.

use std::cmp::Ordering;

use super::msgpack::{read_number, write_number, NumRead, Reader};
use super::{Number, Refinements, Type};

pub(super) const WHOLLY_UNKNOWN: [u8; 3] = [0xd4, 0, 0];
pub(super) const REFINED_EXT: i8 = 12;
/// go-cty rejects larger refinement payloads.
pub(super) const MAX_PAYLOAD: usize = 1024;
/// go-cty truncates longer prefixes (to 255 bytes) so the payload stays small.
const MAX_PREFIX: usize = 256;

const KEY_NULLNESS: i128 = 1;
const KEY_STRING_PREFIX: i128 = 2;
const KEY_NUMBER_MIN: i128 = 3;
const KEY_NUMBER_MAX: i128 = 4;
const KEY_LENGTH_MIN: i128 = 5;
const KEY_LENGTH_MAX: i128 = 6;

/// go-cty's consistency rule for number bounds (`assertConsistentBounds`).
fn bounds_consistent(lower: &Option<(Number, bool)>, upper: &Option<(Number, bool)>) -> bool {
    match (lower, upper) {
        (Some((lo, lo_inc)), Some((hi, hi_inc))) => {
            let ord = lo.cmp_exact(hi);
            if lo_inc != hi_inc {
                ord == Ordering::Less
            } else {
                ord != Ordering::Greater
            }
        }
        _ => true,
    }
}

fn length_consistent(lower: Option<u64>, upper: Option<u64>) -> bool {
    match (lower, upper) {
        (Some(lo), Some(hi)) => lo <= hi,
        _ => true,
    }
}

/// Append an unknown value of type `ty`. Refinements that do not apply to
/// the type are left out, as go-cty's encoder does; contradictory ones are
/// an error because Terraform would panic decoding them.
pub(super) fn encode_unknown(out: &mut Vec<u8>, r: &Refinements, ty: &Type) -> Result<(), String> {
    // cty.DynamicVal can never be refined.
    if *ty == Type::Dynamic {
        out.extend_from_slice(&WHOLLY_UNKNOWN);
        return Ok(());
    }
    let mut fixed: Vec<Vec<u8>> = Vec::new();
    let mut bounds: Vec<Vec<u8>> = Vec::new();
    if r.not_null {
        let mut e = Vec::new();
        let _ = rmp::encode::write_sint(&mut e, KEY_NULLNESS as i64);
        let _ = rmp::encode::write_bool(&mut e, false);
        fixed.push(e);
    }
    match ty {
        Type::Number => {
            if !bounds_consistent(&r.number_lower, &r.number_upper) {
                return Err("number lower bound refinement is above the upper bound".into());
            }
            for (key, bound) in [
                (KEY_NUMBER_MIN, &r.number_lower),
                (KEY_NUMBER_MAX, &r.number_upper),
            ] {
                if let Some((n, inclusive)) = bound {
                    let mut e = Vec::new();
                    let _ = rmp::encode::write_sint(&mut e, key as i64);
                    let _ = rmp::encode::write_array_len(&mut e, 2);
                    write_number(&mut e, n);
                    let _ = rmp::encode::write_bool(&mut e, *inclusive);
                    bounds.push(e);
                }
            }
        }
        Type::String => {
            if let Some(prefix) = r.string_prefix.as_deref().filter(|p| !p.is_empty()) {
                let mut e = Vec::new();
                let _ = rmp::encode::write_sint(&mut e, KEY_STRING_PREFIX as i64);
                let _ = rmp::encode::write_str(&mut e, truncate_prefix(prefix));
                fixed.push(e);
            }
        }
        t if t.is_collection() => {
            if !length_consistent(r.length_lower, r.length_upper) {
                return Err(
                    "collection length lower bound refinement is above the upper bound".into(),
                );
            }
            // Go reads these as `int`: clamp the lower bound (a looser
            // constraint) and drop an upper bound it could not represent.
            if let Some(lo) = r.length_lower.filter(|&l| l > 0) {
                let mut e = Vec::new();
                let _ = rmp::encode::write_sint(&mut e, KEY_LENGTH_MIN as i64);
                let _ = rmp::encode::write_uint(&mut e, lo.min(i64::MAX as u64));
                fixed.push(e);
            }
            if let Some(hi) = r.length_upper.filter(|&h| h <= i64::MAX as u64) {
                let mut e = Vec::new();
                let _ = rmp::encode::write_sint(&mut e, KEY_LENGTH_MAX as i64);
                let _ = rmp::encode::write_uint(&mut e, hi);
                fixed.push(e);
            }
        }
        _ => {}
    }
    // Huge decimal bounds could push the payload past what go-cty accepts;
    // dropping a bound only loosens the constraint, which is always safe.
    loop {
        let entries: Vec<&Vec<u8>> = fixed.iter().chain(bounds.iter()).collect();
        if entries.is_empty() {
            out.extend_from_slice(&WHOLLY_UNKNOWN);
            return Ok(());
        }
        let mut payload = Vec::new();
        let _ = rmp::encode::write_map_len(&mut payload, entries.len() as u32);
        for e in &entries {
            payload.extend_from_slice(e);
        }
        if payload.len() <= MAX_PAYLOAD || bounds.is_empty() {
            let _ = rmp::encode::write_ext_meta(out, payload.len() as u32, REFINED_EXT);
            out.extend_from_slice(&payload);
            return Ok(());
        }
        bounds.pop();
    }
}

/// At most 255 bytes, cut at a character boundary. go-cty additionally
/// trims a trailing grapheme cluster with Unicode tables we do not have;
/// any byte prefix of a valid prefix is still a valid prefix.
fn truncate_prefix(p: &str) -> &str {
    if p.len() <= MAX_PREFIX {
        return p;
    }
    let mut end = MAX_PREFIX - 1;
    while !p.is_char_boundary(end) {
        end -= 1;
    }
    &p[..end]
}

/// Parse an ext-12 payload for a value of type `ty`. `Ok(None)` means the
/// refinements say "definitely null", which go-cty turns into a known null.
/// Unknown keys are skipped; keys that cannot apply to `ty` are errors, as
/// in go-cty. Trailing bytes after the map are ignored (reserved by go-cty).
pub(super) fn decode_refinements(payload: &[u8], ty: &Type) -> Result<Option<Refinements>, String> {
    let mut r = Reader::new(payload);
    let n = r
        .map_len_or_nil()
        .ok_or("refinements payload is not a msgpack map")?
        .unwrap_or(0);
    let mut out = Refinements::default();
    let mut null: Option<bool> = None;
    for _ in 0..n {
        let key = r.int().ok_or("refinement key is not an integer")?;
        match key {
            KEY_NULLNESS => {
                let b = r.bool().ok_or("null refinement is not boolean")?;
                if null.is_some_and(|prev| prev != b) {
                    return Err("contradictory null refinements".into());
                }
                null = Some(b);
            }
            KEY_STRING_PREFIX => {
                if *ty != Type::String {
                    return Err("string prefix refinement for non-string type".into());
                }
                let raw = r
                    .str_or_bin()
                    .ok_or("string prefix refinement is not a string")?;
                let p = std::str::from_utf8(raw)
                    .map_err(|_| "string prefix refinement is not valid UTF-8")?;
                // Several prefixes must agree where they overlap; the
                // longest wins.
                let cur = out.string_prefix.as_deref().unwrap_or("");
                let common = cur.len().min(p.len());
                if cur.as_bytes()[..common] != p.as_bytes()[..common] {
                    return Err("inconsistent string prefix refinements".into());
                }
                if p.len() > cur.len() {
                    out.string_prefix = Some(p.to_owned());
                }
            }
            KEY_NUMBER_MIN | KEY_NUMBER_MAX => {
                if *ty != Type::Number {
                    return Err("numeric bound refinement for non-number type".into());
                }
                let bad = "number bound refinement must be a [number, bool] array";
                if r.array_len().ok_or(bad)? != 2 {
                    return Err(bad.into());
                }
                let n = read_number(&mut r).map_err(|_| bad)?;
                let inclusive = r.bool().ok_or(bad)?;
                let n = match n {
                    NumRead::Finite(n) => n,
                    // An infinite bound on the open side is no bound at all
                    // (older go-cty versions sent those).
                    NumRead::NegInf if key == KEY_NUMBER_MIN => continue,
                    NumRead::PosInf if key == KEY_NUMBER_MAX => continue,
                    _ => return Err("unsupported infinite number bound refinement".into()),
                };
                if key == KEY_NUMBER_MIN {
                    tighten(&mut out.number_lower, n, inclusive, Ordering::Greater);
                } else {
                    tighten(&mut out.number_upper, n, inclusive, Ordering::Less);
                }
                if !bounds_consistent(&out.number_lower, &out.number_upper) {
                    return Err("number lower bound refinement is above the upper bound".into());
                }
            }
            KEY_LENGTH_MIN | KEY_LENGTH_MAX => {
                if !ty.is_collection() {
                    return Err("collection length refinement for non-collection type".into());
                }
                let v = r
                    .int()
                    .ok_or("length bound refinement must be an integer")?;
                if key == KEY_LENGTH_MIN {
                    // A lower bound of zero or less says nothing.
                    let cur = out.length_lower.unwrap_or(0);
                    if v > i128::from(cur) {
                        out.length_lower = u64::try_from(v).ok();
                    }
                } else {
                    let v =
                        u64::try_from(v).map_err(|_| "negative length upper bound refinement")?;
                    if out.length_upper.is_none_or(|cur| v < cur) {
                        out.length_upper = Some(v);
                    }
                }
                if !length_consistent(out.length_lower, out.length_upper) {
                    return Err("length lower bound refinement is above the upper bound".into());
                }
            }
            // Future refinements: skip the value we do not understand.
            _ => r.skip().ok_or("malformed refinement value")?,
        }
    }
    if null == Some(true) {
        return Ok(None);
    }
    out.not_null = null == Some(false);
    Ok(Some(out))
}

/// Keep whichever bound is more constraining, as go-cty's builder does.
/// `stricter` is the direction in which a bound is tighter.
fn tighten(cur: &mut Option<(Number, bool)>, n: Number, inclusive: bool, stricter: Ordering) {
    if let Some((c, c_inc)) = cur {
        let ord = n.cmp_exact(c);
        let replace = if inclusive && !*c_inc {
            ord == stricter
        } else {
            ord == stricter || ord == Ordering::Equal
        };
        if !replace {
            return;
        }
    }
    *cur = Some((n, inclusive));
}
