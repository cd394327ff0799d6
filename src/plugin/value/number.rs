//! cty numbers without a bignum crate.
//!
//! go-cty keeps a `big.Float` whose precision depends on where the number
//! came from: 53 bits for a msgpack float, 512 bits for a parsed decimal
//! string. That shows on the wire (go-cty sends the float64 `0.1` back as a
//! float64 but the decimal `0.1` as the string `"0.1"`, since no float64
//! equals it), so this type keeps the source form: an integer, an `f64`, or
//! an exact decimal (go-cty rounds decimals beyond 512 bits; we do not).

use std::cmp::Ordering;
use std::fmt;

/// Decimal exponents beyond this are rejected, so input like `1e999999999`
/// cannot make `Display` allocate gigabytes.
const MAX_DECIMAL_EXP: i64 = 10_000;

const TWO_63: f64 = 9_223_372_036_854_775_808.0;
const TWO_64: f64 = 18_446_744_073_709_551_616.0;

#[derive(Clone, Debug)]
pub struct Number(Repr);

/// Canonical: every integer that fits `i64` is `Int`, the remaining ones
/// that fit `u64` are `UInt`; `Float` is finite and not such an integer;
/// `Dec` is never zero nor such an integer.
#[derive(Clone, Debug)]
enum Repr {
    Int(i64),
    UInt(u64),
    Float(f64),
    Dec(Decimal),
}

/// `digits` × 10^`exp`; `digits` are ASCII without leading or trailing
/// zeros, empty for zero.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Decimal {
    neg: bool,
    digits: Vec<u8>,
    exp: i64,
}

impl Decimal {
    fn new(neg: bool, mut digits: Vec<u8>, mut exp: i64) -> Decimal {
        let lead = digits.iter().take_while(|&&d| d == b'0').count();
        digits.drain(..lead);
        while digits.last() == Some(&b'0') {
            digits.pop();
            exp += 1;
        }
        if digits.is_empty() {
            return Decimal {
                neg: false,
                digits,
                exp: 0,
            };
        }
        Decimal { neg, digits, exp }
    }

    fn from_u128(neg: bool, v: u128) -> Decimal {
        Decimal::new(neg, v.to_string().into_bytes(), 0)
    }

    fn signum(&self) -> i8 {
        match (self.digits.is_empty(), self.neg) {
            (true, _) => 0,
            (false, true) => -1,
            (false, false) => 1,
        }
    }

    fn cmp_magnitude(&self, other: &Decimal) -> Ordering {
        // Position of the most significant digit decides first.
        let a = self.digits.len() as i64 + self.exp;
        let b = other.digits.len() as i64 + other.exp;
        a.cmp(&b).then_with(|| self.digits.cmp(&other.digits))
    }

    fn cmp_value(&self, other: &Decimal) -> Ordering {
        let (sa, sb) = (self.signum(), other.signum());
        if sa != sb || sa == 0 {
            return sa.cmp(&sb);
        }
        let m = self.cmp_magnitude(other);
        if sa < 0 {
            m.reverse()
        } else {
            m
        }
    }

    /// The integer value, if it is one and fits in 128 bits of magnitude.
    fn as_integer(&self) -> Option<(bool, u128)> {
        if self.exp < 0 || self.digits.len() as i64 + self.exp > 38 {
            return None;
        }
        let mut v: u128 = 0;
        for &d in &self.digits {
            v = v * 10 + u128::from(d - b'0');
        }
        for _ in 0..self.exp {
            v *= 10;
        }
        Some((self.neg, v))
    }

    /// Correctly rounded nearest `f64` (Rust's parser rounds exactly).
    fn to_f64(&self) -> f64 {
        if self.digits.is_empty() {
            return 0.0;
        }
        let s = format!(
            "{}{}e{}",
            if self.neg { "-" } else { "" },
            std::str::from_utf8(&self.digits).unwrap_or("0"),
            self.exp
        );
        s.parse().unwrap_or(0.0)
    }
}

impl fmt::Display for Decimal {
    /// Plain positional notation, like Go's `big.Float.Text('f', -1)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.digits.is_empty() {
            return f.write_str("0");
        }
        let digits = std::str::from_utf8(&self.digits).map_err(|_| fmt::Error)?;
        if self.neg {
            f.write_str("-")?;
        }
        if self.exp >= 0 {
            f.write_str(digits)?;
            for _ in 0..self.exp {
                f.write_str("0")?;
            }
            return Ok(());
        }
        let point = digits.len() as i64 + self.exp;
        if point > 0 {
            let (int, frac) = digits.split_at(point as usize);
            write!(f, "{int}.{frac}")
        } else {
            f.write_str("0.")?;
            for _ in 0..-point {
                f.write_str("0")?;
            }
            f.write_str(digits)
        }
    }
}

/// The exact decimal value of a finite `f64` (every binary fraction has a
/// finite decimal expansion). Uses base-1e9 limbs; at most ~770 digits.
fn f64_exact(x: f64) -> Decimal {
    const BASE: u64 = 1_000_000_000;
    let bits = x.to_bits();
    let neg = bits >> 63 == 1;
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    let (mut mant, mut e) = if biased == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), biased - 1075)
    };
    if mant == 0 {
        return Decimal::new(false, Vec::new(), 0);
    }
    let tz = mant.trailing_zeros();
    mant >>= tz;
    e += i64::from(tz);

    let mut limbs = Vec::new(); // little-endian
    while mant > 0 {
        limbs.push(mant % BASE);
        mant /= BASE;
    }
    // m × 2^e: for e < 0 that is m × 5^-e × 10^e.
    let (mut remaining, step, base, exp10) = if e >= 0 {
        (e, 29u32, 2u64, 0)
    } else {
        (-e, 13u32, 5u64, e)
    };
    while remaining > 0 {
        let k = remaining.min(i64::from(step)) as u32;
        let factor = base.pow(k);
        let mut carry = 0u64;
        for limb in limbs.iter_mut() {
            let t = *limb * factor + carry;
            *limb = t % BASE;
            carry = t / BASE;
        }
        while carry > 0 {
            limbs.push(carry % BASE);
            carry /= BASE;
        }
        remaining -= i64::from(k);
    }
    let mut s = String::new();
    for (i, limb) in limbs.iter().rev().enumerate() {
        if i == 0 {
            s.push_str(&limb.to_string());
        } else {
            s.push_str(&format!("{limb:09}"));
        }
    }
    Decimal::new(neg, s.into_bytes(), exp10)
}

impl Number {
    pub fn from_i64(v: i64) -> Number {
        Number(Repr::Int(v))
    }

    pub fn from_u64(v: u64) -> Number {
        match i64::try_from(v) {
            Ok(i) => Number(Repr::Int(i)),
            Err(_) => Number(Repr::UInt(v)),
        }
    }

    /// `None` for NaN and infinities, which cty numbers cannot hold here.
    pub fn from_f64(v: f64) -> Option<Number> {
        if !v.is_finite() {
            return None;
        }
        if v.fract() == 0.0 {
            // Integral floats behave exactly like integers on the wire
            // (go-cty sends them as msgpack ints when they fit in i64).
            if (-TWO_63..TWO_63).contains(&v) {
                return Some(Number(Repr::Int(v as i64)));
            }
            if (0.0..TWO_64).contains(&v) {
                return Some(Number(Repr::UInt(v as u64)));
            }
        }
        Some(Number(Repr::Float(v)))
    }

    /// Parse a decimal number: optional sign, digits with an optional
    /// fraction, optional exponent (`1`, `-0.5`, `.5`, `1e400`, `+2E-3`).
    /// Rejects everything else, including `inf`, `NaN`, hex and whitespace.
    pub fn parse(s: &str) -> Option<Number> {
        let b = s.as_bytes();
        let mut i = 0;
        let neg = match b.first() {
            Some(b'-') => {
                i = 1;
                true
            }
            Some(b'+') => {
                i = 1;
                false
            }
            _ => false,
        };
        let mut digits = Vec::new();
        while i < b.len() && b[i].is_ascii_digit() {
            digits.push(b[i]);
            i += 1;
        }
        let mut frac_len: i64 = 0;
        if i < b.len() && b[i] == b'.' {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                digits.push(b[i]);
                frac_len += 1;
                i += 1;
            }
        }
        if digits.is_empty() {
            return None;
        }
        let mut exp: i64 = 0;
        if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            i += 1;
            let exp_neg = match b.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                // Saturate: anything this large is rejected below anyway.
                exp = (exp * 10 + i64::from(b[i] - b'0')).min(1_000_000_000_000);
                i += 1;
            }
            if i == start {
                return None;
            }
            if exp_neg {
                exp = -exp;
            }
        }
        if i != b.len() {
            return None;
        }
        Number::from_decimal(Decimal::new(neg, digits, exp - frac_len))
    }

    fn from_decimal(d: Decimal) -> Option<Number> {
        if d.digits.is_empty() {
            return Some(Number(Repr::Int(0)));
        }
        if d.exp.abs() > MAX_DECIMAL_EXP {
            return None;
        }
        if let Some((neg, v)) = d.as_integer() {
            if neg {
                if let Ok(i) = i64::try_from(-(v as i128)) {
                    return Some(Number(Repr::Int(i)));
                }
            } else if let Ok(u) = u64::try_from(v) {
                return Some(Number::from_u64(u));
            }
        }
        Some(Number(Repr::Dec(d)))
    }

    /// The value as `i64`, if it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self.0 {
            Repr::Int(i) => Some(i),
            _ => None,
        }
    }

    /// The value as `u64`, if it is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        match self.0 {
            Repr::Int(i) => u64::try_from(i).ok(),
            Repr::UInt(u) => Some(u),
            _ => None,
        }
    }

    /// The nearest `f64` (infinite if out of range).
    pub fn as_f64(&self) -> f64 {
        match &self.0 {
            Repr::Int(i) => *i as f64,
            Repr::UInt(u) => *u as f64,
            Repr::Float(f) => *f,
            Repr::Dec(d) => d.to_f64(),
        }
    }

    /// The `f64` that equals this number exactly, if any: such numbers are
    /// sent as msgpack float64, like go-cty does.
    pub(crate) fn exact_f64(&self) -> Option<f64> {
        match &self.0 {
            Repr::Float(f) => Some(*f),
            Repr::Int(i) => {
                let f = *i as f64;
                ((-TWO_63..TWO_63).contains(&f) && f as i64 == *i).then_some(f)
            }
            Repr::UInt(u) => {
                let f = *u as f64;
                (f < TWO_64 && f as u64 == *u).then_some(f)
            }
            Repr::Dec(d) => {
                let f = d.to_f64();
                (f.is_finite() && f64_exact(f) == *d).then_some(f)
            }
        }
    }

    /// True if the value is a whole number.
    pub fn is_integer(&self) -> bool {
        match &self.0 {
            Repr::Int(_) | Repr::UInt(_) => true,
            Repr::Float(f) => f.fract() == 0.0,
            Repr::Dec(d) => d.exp >= 0,
        }
    }

    /// Compare exact values, as cty's `LessThan`/`GreaterThan` do.
    pub fn cmp_exact(&self, other: &Number) -> Ordering {
        match (&self.0, &other.0) {
            (Repr::Int(a), Repr::Int(b)) => a.cmp(b),
            (Repr::Float(a), Repr::Float(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
            _ => self.to_decimal().cmp_value(&other.to_decimal()),
        }
    }

    fn to_decimal(&self) -> Decimal {
        match &self.0 {
            Repr::Int(i) => Decimal::from_u128(*i < 0, u128::from(i.unsigned_abs())),
            Repr::UInt(u) => Decimal::from_u128(false, u128::from(*u)),
            Repr::Float(f) => f64_exact(*f),
            Repr::Dec(d) => d.clone(),
        }
    }
}

impl fmt::Display for Number {
    /// Canonical positional decimal, matching go-cty's
    /// `big.Float.Text('f', -1)`: shortest round-trip digits for floats,
    /// all digits for decimals, never an exponent.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Int(i) => write!(f, "{i}"),
            Repr::UInt(u) => write!(f, "{u}"),
            Repr::Float(x) => write!(f, "{x}"),
            Repr::Dec(d) => write!(f, "{d}"),
        }
    }
}

/// cty's number equality (`rawNumberEqual`): integers compare exactly;
/// other numbers compare by their shortest text at their own precision, so
/// a float64 `0.1` equals the decimal `0.1`, as Terraform sees it. Ordering
/// is exact instead (see [`Number::cmp_exact`]), which is why `Number` has
/// no `Ord`: the two notions disagree on such pairs.
impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        match (self.is_integer(), other.is_integer()) {
            (true, true) => self.cmp_exact(other) == Ordering::Equal,
            (false, false) => match (&self.0, &other.0) {
                (Repr::Float(a), Repr::Float(b)) => a == b,
                (Repr::Dec(a), Repr::Dec(b)) => a == b,
                _ => self.to_string() == other.to_string(),
            },
            _ => false,
        }
    }
}

impl Eq for Number {}

impl From<i64> for Number {
    fn from(v: i64) -> Number {
        Number::from_i64(v)
    }
}

impl From<u64> for Number {
    fn from(v: u64) -> Number {
        Number::from_u64(v)
    }
}

impl From<i32> for Number {
    fn from(v: i32) -> Number {
        Number::from_i64(i64::from(v))
    }
}

impl From<u32> for Number {
    fn from(v: u32) -> Number {
        Number::from_i64(i64::from(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn parse_and_display_canonical() {
        assert_eq!(p("1.0").to_string(), "1");
        assert_eq!(p("-0").to_string(), "0");
        assert_eq!(p("+2E-3").to_string(), "0.002");
        assert_eq!(p(".5").to_string(), "0.5");
        assert_eq!(p("5.").to_string(), "5");
        assert_eq!(p("12.3400e1").to_string(), "123.4");
        assert_eq!(p("1e3").as_i64(), Some(1000));
        assert_eq!(p("1e400").to_string(), format!("1{}", "0".repeat(400)));
        assert_eq!(p("-1.5e-3").to_string(), "-0.0015");
        assert_eq!(p("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(p("-9223372036854775808").as_i64(), Some(i64::MIN));
        for bad in [
            "", "-", ".", "e5", "1e", "1e+", "inf", "NaN", "0x10", " 1", "1 ", "1_0", "1.2.3",
            "--1", "1e99999",
        ] {
            assert!(Number::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn numeric_equality_across_forms() {
        assert_eq!(Number::from_i64(1), Number::from_f64(1.0).unwrap());
        assert_eq!(Number::from_i64(1), p("1"));
        assert_eq!(p("0.5"), Number::from_f64(0.5).unwrap());
        // cty compares non-integers by shortest text: float64 0.1 equals the
        // decimal 0.1, though their exact values differ.
        let f = Number::from_f64(0.1).unwrap();
        let exact = p("0.1000000000000000055511151231257827021181583404541015625");
        assert_eq!(p("0.1"), f);
        assert_ne!(exact, f);
        assert_eq!(exact.cmp_exact(&f), Ordering::Equal);
        assert_eq!(p("0.1").cmp_exact(&f), Ordering::Less);
        // Integers compare exactly; an integer never equals a fraction.
        assert_ne!(p("1e300"), Number::from_f64(1e300).unwrap());
        assert_ne!(p("1.5"), p("1"));
        assert_eq!(
            p("-1e400").cmp_exact(&Number::from_i64(i64::MIN)),
            Ordering::Less
        );
        assert_eq!(
            p("1e-400").cmp_exact(&Number::from_i64(0)),
            Ordering::Greater
        );
        assert_eq!(
            p("1e-400").cmp_exact(&Number::from_f64(5e-324).unwrap()),
            Ordering::Less
        );
        assert!(Number::from_f64(f64::NAN).is_none());
        assert!(Number::from_f64(f64::INFINITY).is_none());
    }

    #[test]
    fn exact_f64_detection() {
        assert_eq!(p("0.5").exact_f64(), Some(0.5));
        assert_eq!(p("0.1").exact_f64(), None);
        assert_eq!(p("1e400").exact_f64(), None);
        assert_eq!(Number::from_u64(1 << 63).exact_f64(), Some(TWO_63));
        assert_eq!(Number::from_u64(u64::MAX).exact_f64(), None);
        assert_eq!(Number::from_f64(-0.0).unwrap().to_string(), "0");
        assert_eq!(
            Number::from_f64(1e300).unwrap().to_string(),
            format!("1{}", "0".repeat(300))
        );
    }
}
