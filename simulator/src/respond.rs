//! Building answers: JSON bodies, `{"message": …}` errors, fault pages.

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};
use serde::Serialize;
use serde_json::json;

pub const JSON_TYPE: &str = "application/json; charset=utf-8";

/// An answer not yet turned into a response, so fault rules can alter it.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: Bytes,
    pub headers: Vec<(String, String)>,
}

/// Serializes with the struct field order kept.
pub(crate) fn to_json(value: &impl Serialize) -> Bytes {
    Bytes::from(serde_json::to_vec(value).expect("serializable"))
}

pub(crate) fn status_code(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl Answer {
    pub fn json(status: StatusCode, value: &impl Serialize) -> Self {
        Answer::json_bytes(status, to_json(value))
    }

    pub fn json_bytes(status: StatusCode, body: Bytes) -> Self {
        Answer {
            status,
            content_type: JSON_TYPE,
            body,
            headers: Vec::new(),
        }
    }

    pub fn message(status: StatusCode, message: &str) -> Self {
        Answer::json(status, &json!({ "message": message }))
    }

    /// `{"message": "<reason phrase>"}` for an injected status.
    pub fn fault_status(code: u16) -> Self {
        let status = status_code(code);
        Answer::message(status, status.canonical_reason().unwrap_or("Error"))
    }

    /// An HTML page as a proxy (non-2xx) or a captive portal (2xx) sends it.
    pub fn html(code: u16) -> Self {
        let status = status_code(code);
        let page = if status.is_success() {
            "<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\
             <body><h1>Sign in to continue</h1><form method=\"post\"></form></body></html>\n"
                .to_owned()
        } else {
            let title = format!(
                "{} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("Error")
            );
            format!(
                "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n\
                 <center><h1>{title}</h1></center>\r\n<hr><center>cloudflare</center>\r\n\
                 </body>\r\n</html>\r\n"
            )
        };
        Answer {
            status,
            content_type: "text/html; charset=UTF-8",
            body: Bytes::from(page),
            headers: Vec::new(),
        }
    }

    /// Keeps the first half of the body.
    pub fn truncate(mut self) -> Self {
        let half = self.body.len() / 2;
        self.body = self.body.slice(..half);
        self
    }

    /// Adds a header, replacing any earlier one of the same name.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers
            .push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }

    pub fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.body.clone()));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        headers.insert(CONTENT_LENGTH, HeaderValue::from(self.body.len()));
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                headers.insert(name, value);
            }
        }
        response
    }
}
