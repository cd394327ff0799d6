//! Attribute paths, shaped like the plugin protocol's `AttributePath`.

use std::fmt;

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AttributePath(pub Vec<PathStep>);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathStep {
    Attribute(String),
    ElementKeyString(String),
    ElementKeyInt(i64),
}

impl AttributePath {
    pub fn root() -> AttributePath {
        AttributePath(Vec::new())
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// A new path with an attribute step appended.
    pub fn attribute(&self, name: impl Into<String>) -> AttributePath {
        self.with(PathStep::Attribute(name.into()))
    }

    /// A new path with a map-key step appended.
    pub fn key_string(&self, key: impl Into<String>) -> AttributePath {
        self.with(PathStep::ElementKeyString(key.into()))
    }

    /// A new path with a list/tuple index step appended.
    pub fn key_int(&self, index: i64) -> AttributePath {
        self.with(PathStep::ElementKeyInt(index))
    }

    fn with(&self, step: PathStep) -> AttributePath {
        let mut steps = Vec::with_capacity(self.0.len() + 1);
        steps.extend_from_slice(&self.0);
        steps.push(step);
        AttributePath(steps)
    }
}

impl fmt::Display for AttributePath {
    /// `name[0]["k"].sub`; the root path displays as nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attribute(name) if i == 0 => f.write_str(name)?,
                PathStep::Attribute(name) => write!(f, ".{name}")?,
                PathStep::ElementKeyString(key) => write!(f, "[{key:?}]")?,
                PathStep::ElementKeyInt(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}
