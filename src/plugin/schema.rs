//! The schema model: what a provider, resource, data source or ephemeral resource accepts, with the
//! behaviour attached to each attribute (validators, plan modifiers, defaults), and its encoding
//! for GetProviderSchema; and a resource's identity schema, for GetResourceIdentitySchemas.

use std::sync::Arc;

use super::diag::Diagnostics;
use super::proto::tfplugin6 as pb;
use super::value::path::AttributePath;
use super::value::{Type, Value};

/// A versioned top-level schema. `version` is the state schema version for resources.
#[derive(Clone, Default)]
pub struct Schema {
    pub version: i64,
    pub description: String,
    pub deprecation: Option<String>,
    pub attributes: Vec<Attribute>,
}

/// How an attribute's value is shaped: a plain type, or nested attributes (sent as NestedType
/// only, because Terraform >= 1.3 rejects a schema that sets both).
#[derive(Clone)]
pub enum AttributeKind {
    Plain(Type),
    Nested(Nesting, Vec<Attribute>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    Single,
    List,
    Set,
    Map,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    Required,
    Optional,
    /// Optional, and set by the provider when the configuration leaves it null.
    OptionalComputed,
    /// Set by the provider only; configuring it is an error.
    Computed,
}

#[derive(Clone)]
pub struct Attribute {
    pub name: String,
    pub kind: AttributeKind,
    pub presence: Presence,
    pub sensitive: bool,
    pub write_only: bool,
    pub description: String,
    pub deprecation: Option<String>,
    pub validators: Vec<Arc<dyn Validator>>,
    pub plan_modifiers: Vec<Arc<dyn PlanModifier>>,
    /// The value planned when the configuration leaves the attribute null (needs OptionalComputed).
    pub default: Option<Value>,
    /// Whether two values mean the same (JSON with its keys reordered, say): a planned value
    /// equal in meaning to the prior one keeps the prior spelling, so it never shows as a change.
    pub semantic_equality: Option<fn(&Value, &Value) -> bool>,
}

/// Checks a known, non-null configuration value. Validators never see unknown values: those
/// are checked again once they are known.
pub trait Validator: Send + Sync {
    /// One sentence for documentation, e.g. "must be 4 to 64 characters".
    fn description(&self) -> String;
    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics);
}

/// What a plan modifier sees for one attribute of an update or create plan.
pub struct AttributePlan<'a> {
    pub config: &'a Value,
    /// Null when the resource is being created.
    pub prior: &'a Value,
    pub is_create: bool,
}

/// Adjusts the planned value of one attribute.
pub trait PlanModifier: Send + Sync {
    fn description(&self) -> String;
    fn modify(&self, plan: &AttributePlan<'_>, planned: &mut Value, requires_replace: &mut bool);
}

/// Changing this attribute destroys and recreates the resource.
pub struct RequiresReplace;

impl PlanModifier for RequiresReplace {
    fn description(&self) -> String {
        "Changing this value forces replacement.".into()
    }

    fn modify(&self, plan: &AttributePlan<'_>, planned: &mut Value, requires_replace: &mut bool) {
        if !plan.is_create && planned != plan.prior {
            *requires_replace = true;
        }
    }
}

/// Keeps the prior value of a computed attribute on update, instead of showing
/// "(known after apply)" for a value that does not change.
pub struct UseStateForUnknown;

impl PlanModifier for UseStateForUnknown {
    fn description(&self) -> String {
        "The value does not change after creation.".into()
    }

    fn modify(&self, plan: &AttributePlan<'_>, planned: &mut Value, _: &mut bool) {
        if !plan.is_create && !planned.is_known() && plan.config.is_null() && !plan.prior.is_null()
        {
            *planned = plan.prior.clone();
        }
    }
}

impl Attribute {
    fn new(name: &str, kind: AttributeKind, presence: Presence) -> Self {
        Attribute {
            name: name.to_string(),
            kind,
            presence,
            sensitive: false,
            write_only: false,
            description: String::new(),
            deprecation: None,
            validators: Vec::new(),
            plan_modifiers: Vec::new(),
            default: None,
            semantic_equality: None,
        }
    }

    pub fn required(name: &str, ty: Type) -> Self {
        Self::new(name, AttributeKind::Plain(ty), Presence::Required)
    }

    pub fn optional(name: &str, ty: Type) -> Self {
        Self::new(name, AttributeKind::Plain(ty), Presence::Optional)
    }

    pub fn optional_computed(name: &str, ty: Type) -> Self {
        Self::new(name, AttributeKind::Plain(ty), Presence::OptionalComputed)
    }

    pub fn computed(name: &str, ty: Type) -> Self {
        Self::new(name, AttributeKind::Plain(ty), Presence::Computed)
    }

    pub fn nested(name: &str, nesting: Nesting, presence: Presence, attrs: Vec<Attribute>) -> Self {
        Self::new(name, AttributeKind::Nested(nesting, attrs), presence)
    }

    pub fn description(mut self, markdown: &str) -> Self {
        self.description = markdown.to_string();
        self
    }

    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }

    pub fn deprecated(mut self, message: &str) -> Self {
        self.deprecation = Some(message.to_string());
        self
    }

    pub fn validator(mut self, validator: impl Validator + 'static) -> Self {
        self.validators.push(Arc::new(validator));
        self
    }

    pub fn plan_modifier(mut self, modifier: impl PlanModifier + 'static) -> Self {
        self.plan_modifiers.push(Arc::new(modifier));
        self
    }

    pub fn semantic_equality(mut self, equal: fn(&Value, &Value) -> bool) -> Self {
        self.semantic_equality = Some(equal);
        self
    }

    pub fn default_value(mut self, value: Value) -> Self {
        self.default = Some(value);
        self
    }

    pub fn is_computed(&self) -> bool {
        matches!(
            self.presence,
            Presence::Computed | Presence::OptionalComputed
        )
    }

    /// The cty type of the attribute's value.
    pub fn value_type(&self) -> Type {
        match &self.kind {
            AttributeKind::Plain(ty) => ty.clone(),
            AttributeKind::Nested(nesting, attrs) => {
                let object = object_type(attrs);
                match nesting {
                    Nesting::Single => object,
                    Nesting::List => Type::List(Box::new(object)),
                    Nesting::Set => Type::Set(Box::new(object)),
                    Nesting::Map => Type::Map(Box::new(object)),
                }
            }
        }
    }

    fn to_proto(&self) -> pb::schema::Attribute {
        let (ty, nested_type) = match &self.kind {
            AttributeKind::Plain(ty) => (ty.to_json(), None),
            AttributeKind::Nested(nesting, attrs) => (
                Vec::new(),
                Some(pb::schema::Object {
                    attributes: attrs.iter().map(Attribute::to_proto).collect(),
                    nesting: match nesting {
                        Nesting::Single => pb::schema::object::NestingMode::Single,
                        Nesting::List => pb::schema::object::NestingMode::List,
                        Nesting::Set => pb::schema::object::NestingMode::Set,
                        Nesting::Map => pb::schema::object::NestingMode::Map,
                    } as i32,
                    ..Default::default()
                }),
            ),
        };
        pb::schema::Attribute {
            name: self.name.clone(),
            r#type: ty,
            nested_type,
            description: self.description.clone(),
            required: self.presence == Presence::Required,
            optional: matches!(
                self.presence,
                Presence::Optional | Presence::OptionalComputed
            ),
            computed: self.is_computed(),
            sensitive: self.sensitive,
            description_kind: pb::StringKind::Markdown as i32,
            deprecated: self.deprecation.is_some(),
            write_only: self.write_only,
            deprecation_message: self.deprecation.clone().unwrap_or_default(),
        }
    }
}

pub fn object_type(attrs: &[Attribute]) -> Type {
    Type::object(attrs.iter().map(|a| (a.name.clone(), a.value_type())))
}

impl Schema {
    pub fn new(version: i64, description: &str, attributes: Vec<Attribute>) -> Self {
        Schema {
            version,
            description: description.to_string(),
            deprecation: None,
            attributes,
        }
    }

    pub fn value_type(&self) -> Type {
        object_type(&self.attributes)
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn to_proto(&self) -> pb::Schema {
        pb::Schema {
            version: self.version,
            block: Some(pb::schema::Block {
                version: self.version,
                attributes: self.attributes.iter().map(Attribute::to_proto).collect(),
                block_types: Vec::new(),
                description: self.description.clone(),
                description_kind: pb::StringKind::Markdown as i32,
                deprecated: self.deprecation.is_some(),
                deprecation_message: self.deprecation.clone().unwrap_or_default(),
            }),
        }
    }
}

/// A resource's identity schema (protocol 6.9, Terraform >= 1.12): the attributes that name the
/// remote object, stored beside the state and shown in plans, by which an `import` block may
/// name the object (`identity = {...}`). Identity data never changes while the object exists.
/// Its version is independent of the state schema's; attributes take primitive or list types.
#[derive(Clone, Default)]
pub struct IdentitySchema {
    pub version: i64,
    pub attributes: Vec<IdentityAttribute>,
}

#[derive(Clone)]
pub struct IdentityAttribute {
    pub name: String,
    pub ty: Type,
    /// An import by identity must give it (known, not null); otherwise it may be null there.
    pub required_for_import: bool,
    pub description: String,
}

impl IdentityAttribute {
    /// An attribute an import by identity must give.
    pub fn required(name: &str, ty: Type) -> Self {
        IdentityAttribute {
            name: name.to_string(),
            ty,
            required_for_import: true,
            description: String::new(),
        }
    }

    /// An attribute an import by identity may leave null.
    pub fn optional(name: &str, ty: Type) -> Self {
        IdentityAttribute {
            required_for_import: false,
            ..Self::required(name, ty)
        }
    }

    pub fn description(mut self, text: &str) -> Self {
        self.description = text.to_string();
        self
    }

    fn to_proto(&self) -> pb::resource_identity_schema::IdentityAttribute {
        pb::resource_identity_schema::IdentityAttribute {
            name: self.name.clone(),
            r#type: self.ty.to_json(),
            required_for_import: self.required_for_import,
            optional_for_import: !self.required_for_import,
            description: self.description.clone(),
        }
    }
}

impl IdentitySchema {
    pub fn new(version: i64, attributes: Vec<IdentityAttribute>) -> Self {
        IdentitySchema {
            version,
            attributes,
        }
    }

    /// The cty type of identity data: an object of the attributes.
    pub fn value_type(&self) -> Type {
        Type::object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.ty.clone())),
        )
    }

    pub fn to_proto(&self) -> pb::ResourceIdentitySchema {
        pb::ResourceIdentitySchema {
            version: self.version,
            identity_attributes: self
                .attributes
                .iter()
                .map(IdentityAttribute::to_proto)
                .collect(),
        }
    }
}
