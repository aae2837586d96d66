//! A lead as the marketing system sends it ([`RawLead`]): plain serde structs whose fields
//! accept any JSON value, so that a wrong type or an unknown field becomes a field problem
//! in [`super::LeadInput::parse`] instead of failing the whole body. Strings are borrowed
//! from the parsed request, so reading a lead copies nothing.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use utoipa::ToSchema;

/// One field as sent: absent (or `null`), a value of the expected type, or a value of
/// another type (reported by the validation, never a failure of the whole body).
#[derive(Debug, Clone, PartialEq)]
pub enum Lenient<T> {
    Absent,
    Given(T),
    WrongType,
}

#[expect(
    clippy::derivable_impls,
    reason = "the derive would ask every field type for a Default it does not need"
)]
impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient::Absent
    }
}

impl<T> Lenient<T> {
    /// Whether the field holds anything but `null` (of whatever type).
    pub fn is_present(&self) -> bool {
        !matches!(self, Lenient::Absent)
    }
}

/// A string field.
pub type Text<'a> = Lenient<Cow<'a, str>>;

/// A string field of a lead built in code (a CSV cell): `None` is absent, as `null` is.
impl<'a> From<Option<&'a str>> for Text<'a> {
    fn from(value: Option<&'a str>) -> Self {
        value.map_or(Lenient::Absent, |s| Lenient::Given(Cow::Borrowed(s)))
    }
}

/// A JSON number: a whole number that fits in 64 bits, or another number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Whole(i64),
    Other,
}

/// The JSON values a field type takes; every other value is [`Lenient::WrongType`].
pub trait Accept<'de>: Sized {
    fn string(_: Cow<'de, str>) -> Option<Self> {
        None
    }
    fn boolean(_: bool) -> Option<Self> {
        None
    }
    fn number(_: Number) -> Option<Self> {
        None
    }
    fn map<A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

impl<'de: 'a, 'a> Accept<'de> for Cow<'a, str> {
    fn string(s: Cow<'de, str>) -> Option<Self> {
        Some(s)
    }
}

impl Accept<'_> for bool {
    fn boolean(b: bool) -> Option<Self> {
        Some(b)
    }
}

impl Accept<'_> for Number {
    fn number(n: Number) -> Option<Self> {
        Some(n)
    }
}

impl<'de, T: Accept<'de>> Accept<'de> for Vec<Lenient<T>> {
    fn seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(256));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Some(items))
    }
}

/// Objects of the contract are read field by field with their derived `Deserialize`.
macro_rules! accept_object {
    ($($object:ident),+) => {$(
        impl<'de: 'a, 'a> Accept<'de> for $object<'a> {
            fn map<A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
                $object::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
            }
        }
    )+};
}
accept_object!(
    RawLead,
    RawContact,
    RawLocation,
    RawQualification,
    RawConsent,
    RawTouchpoint,
    RawAddedTouchpoint,
    RawBatch
);

impl<'de, T: Accept<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LenientVisitor(PhantomData))
    }
}

struct LenientVisitor<T>(PhantomData<T>);

impl<T> LenientVisitor<T> {
    fn given(value: Option<T>) -> Lenient<T> {
        value.map_or(Lenient::WrongType, Lenient::Given)
    }
}

impl<'de, T: Accept<'de>> Visitor<'de> for LenientVisitor<T> {
    type Value = Lenient<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Lenient::Absent)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Lenient::Absent)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Self::given(T::boolean(b)))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Self::given(T::number(Number::Whole(n))))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        let n = i64::try_from(n).map_or(Number::Other, Number::Whole);
        Ok(Self::given(T::number(n)))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Self::given(T::number(Number::Other)))
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Self::given(T::string(Cow::Borrowed(s))))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Self::given(T::string(Cow::Owned(s.to_owned()))))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
        Ok(Self::given(T::string(Cow::Owned(s))))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::map(map).map(Self::given)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        T::seq(seq).map(Self::given)
    }
}

/// The names of the fields an object has that the contract does not know (in the order
/// the object lists them). The contract refuses them; see [`RefuseUnknownFields`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnknownFields<'a>(pub Vec<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for UnknownFields<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Keys<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Keys<'a> {
            type Value = UnknownFields<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the remaining fields of an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut keys = Vec::new();
                while let Some((key, IgnoredAny)) = map.next_entry::<Cow<'de, str>, IgnoredAny>()? {
                    keys.push(key);
                }
                Ok(UnknownFields(keys))
            }
        }
        deserializer.deserialize_map(Keys(PhantomData))
    }
}

/// The objects of the contract that refuse fields they do not know (their schema names).
const REFUSE_UNKNOWN_FIELDS: [&str; 9] = [
    "Lead",
    "Contact",
    "Location",
    "Qualification",
    "Consent",
    "Touchpoint",
    "LeadBatch",
    "AddedTouchpoint",
    "AddedTouchpoints",
];

/// Says in an OpenAPI document that the objects of [`REFUSE_UNKNOWN_FIELDS`] refuse fields
/// they do not know (`additionalProperties: false`), which the derive cannot say: each of
/// them keeps the unknown ones in [`UnknownFields`] to report them.
pub struct RefuseUnknownFields;

impl utoipa::Modify for RefuseUnknownFields {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::AdditionalProperties;
        use utoipa::openapi::{RefOr, Schema};
        let Some(components) = doc.components.as_mut() else {
            return;
        };
        for name in REFUSE_UNKNOWN_FIELDS {
            if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(name) {
                object.additional_properties =
                    Some(Box::new(AdditionalProperties::FreeForm(false)));
            }
        }
    }
}

/// One lead as the marketing system sends it (`POST /api/v1/leads`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = Lead)]
pub struct RawLead<'a> {
    /// Unique per source; re-sending the same lead is harmless, a different lead with the
    /// same id is a 409.
    #[serde(borrow, default)]
    #[schema(value_type = String, required = true, max_length = 100, pattern = r"^[A-Za-z0-9._:/-]+$")]
    pub external_id: Text<'a>,
    #[serde(borrow, default)]
    #[schema(value_type = String, format = DateTime, required = true)]
    pub received_at: Text<'a>,
    #[serde(borrow, default)]
    #[schema(value_type = RawContact, required = true)]
    pub contact: Lenient<RawContact<'a>>,
    #[serde(borrow, default)]
    #[schema(value_type = RawLocation, required = true)]
    pub location: Lenient<RawLocation<'a>>,
    #[serde(borrow, default)]
    #[schema(value_type = String, required = true, pattern = r"^[a-z0-9][a-z0-9-]{1,39}$")]
    pub product_line: Text<'a>,
    #[serde(borrow, default)]
    #[schema(value_type = Option<RawQualification>)]
    pub qualification: Lenient<RawQualification<'a>>,
    #[serde(borrow, default)]
    #[schema(value_type = RawConsent, required = true)]
    pub consent: Lenient<RawConsent<'a>>,
    #[serde(borrow, default)]
    #[schema(value_type = Option<Vec<RawTouchpoint>>, max_items = 200)]
    pub touchpoints: Lenient<Vec<Lenient<RawTouchpoint<'a>>>>,
    #[serde(borrow, flatten)]
    #[schema(ignore)]
    pub unknown: UnknownFields<'a>,
}

/// The customer. An email or a phone is required.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = Contact)]
pub struct RawContact<'a> {
    #[serde(borrow, default)]
    #[schema(value_type = String, required = true, max_length = 200)]
    pub name: Text<'a>,
    #[serde(borrow, default)]
    #[schema(value_type = Option<String>, format = Email, max_length = 254)]
    pub email: Text<'a>,
    #[serde(borrow, default)]
    #[schema(value_type = Option<String>, max_length = 30)]
    pub phone: Text<'a>,
    #[serde(borrow, default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub company: Text<'a>,
    #[serde(borrow, flatten)]
    #[schema(ignore)]
    pub unknown: UnknownFields<'a>,
}

/// Where the customer is. A postcode or a region is required. Italian postcodes are five
/// digits.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = Location)]
pub struct RawLocation<'a> {
    #[serde(borrow, default)]
    #[schema(value_type = String, required = true, pattern = "^[A-Za-z]{2}$")]
    pub country: Text<'a>,
    #[serde(borrow, default)]
    #[schema(value_type = Option<String>, max_length = 10)]
    pub postcode: Text<'a>,
    #[serde(borrow, default)]
    #[schema(value_type = Option<String>, max_length = 60)]
    pub region: Text<'a>,
    #[serde(borrow, flatten)]
    #[schema(ignore)]
    pub unknown: UnknownFields<'a>,
}

/// How marketing qualified the lead.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = Qualification)]
pub struct RawQualification<'a> {
    #[serde(borrow, default)]
    #[schema(value_type = Option<String>, max_length = 10)]
    pub grade: Text<'a>,
    #[serde(default)]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 100)]
    pub score: Lenient<Number>,
    #[serde(borrow, flatten)]
    #[schema(ignore)]
    pub unknown: UnknownFields<'a>,
}

/// What the customer agreed to.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = Consent)]
pub struct RawConsent<'a> {
    /// Without consent the lead is stored and never offered.
    #[serde(default)]
    #[schema(value_type = bool, required = true)]
    pub share_with_dealers: Lenient<bool>,
    #[serde(borrow, flatten)]
    #[schema(ignore)]
    pub unknown: UnknownFields<'a>,
}

/// A marketing touchpoint that led to the lead.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = Touchpoint)]
pub struct RawTouchpoint<'a> {
    #[serde(borrow, default)]
    #[schema(value_type = String, format = DateTime, required = true)]
    pub occurred_at: Text<'a>,
    #[serde(borrow, default)]
    #[schema(value_type = String, required = true, max_length = 50,
        examples("paid_search", "linkedin", "trade_fair", "email_nurturing", "organic", "webinar", "referral"))]
    pub channel: Text<'a>,
    #[serde(borrow, default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub source: Text<'a>,
    #[serde(borrow, default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub medium: Text<'a>,
    #[serde(borrow, default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub campaign: Text<'a>,
    #[serde(borrow, default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub content: Text<'a>,
    #[serde(borrow, default)]
    #[schema(value_type = Option<String>, max_length = 50)]
    pub kind: Text<'a>,
    #[serde(borrow, flatten)]
    #[schema(ignore)]
    pub unknown: UnknownFields<'a>,
}

/// A touchpoint that happened after the lead was handed over (a webinar, a trade-fair
/// visit, a nurturing email), with the client's own id for it: re-sending the same id is
/// harmless, the same id with different content is a conflict.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = AddedTouchpoint)]
pub struct RawAddedTouchpoint<'a> {
    #[serde(borrow, default)]
    #[schema(value_type = String, required = true, max_length = 100, examples("evt-2026-11-webinar-0042"))]
    pub touchpoint_id: Text<'a>,
    #[serde(borrow, default)]
    #[schema(value_type = String, format = DateTime, required = true)]
    pub occurred_at: Text<'a>,
    #[serde(borrow, default)]
    #[schema(value_type = String, required = true, max_length = 50,
        examples("webinar", "trade_fair", "email_nurturing"))]
    pub channel: Text<'a>,
    #[serde(borrow, default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub source: Text<'a>,
    #[serde(borrow, default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub medium: Text<'a>,
    #[serde(borrow, default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub campaign: Text<'a>,
    #[serde(borrow, default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub content: Text<'a>,
    #[serde(borrow, default)]
    #[schema(value_type = Option<String>, max_length = 50)]
    pub kind: Text<'a>,
    #[serde(borrow, flatten)]
    #[schema(ignore)]
    pub unknown: UnknownFields<'a>,
}

impl<'a> RawAddedTouchpoint<'a> {
    /// The touchpoint's own fields, checked as a lead's touchpoints are.
    pub fn touchpoint(&self) -> RawTouchpoint<'a> {
        RawTouchpoint {
            occurred_at: self.occurred_at.clone(),
            channel: self.channel.clone(),
            source: self.source.clone(),
            medium: self.medium.clone(),
            campaign: self.campaign.clone(),
            content: self.content.clone(),
            kind: self.kind.clone(),
            unknown: self.unknown.clone(),
        }
    }
}

/// The body of `POST /api/v1/leads/{external_id}/touchpoints`: `{"touchpoints": [...]}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = AddedTouchpoints)]
pub struct RawAddedTouchpoints<'a> {
    #[serde(borrow, default)]
    #[schema(value_type = Vec<RawAddedTouchpoint>, required = true, min_items = 1, max_items = 200)]
    pub touchpoints: Lenient<Vec<Lenient<RawAddedTouchpoint<'a>>>>,
    #[serde(borrow, flatten)]
    #[schema(ignore)]
    pub unknown: UnknownFields<'a>,
}

/// A batch of leads: `{"leads": [...]}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = LeadBatch)]
pub struct RawBatch<'a> {
    #[serde(borrow, default)]
    #[schema(value_type = Vec<RawLead>, required = true, min_items = 1, max_items = 1000)]
    pub leads: Lenient<Vec<Lenient<RawLead<'a>>>>,
    #[serde(borrow, flatten)]
    #[schema(ignore)]
    pub unknown: UnknownFields<'a>,
}

/// The body of `POST /api/v1/leads`: one lead, or a batch of up to 1,000.
#[derive(ToSchema)]
#[serde(untagged)]
#[expect(
    clippy::large_enum_variant,
    reason = "never built: the body is read by `Submission::read`; this is its schema"
)]
pub enum IntakeBody<'a> {
    One(RawLead<'a>),
    Batch(RawBatch<'a>),
}
