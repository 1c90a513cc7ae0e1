//! Binary-mode header values: the decoding vectors and how a bad value is
//! reported.

use bindery_http_cloudevents::{Config, header, respond};

/// `(raw header value, decoded attribute value or None if rejected)`.
const VECTORS: &[(&[u8], Option<&str>)] = &[
    (b"Euro%20%E2%82%AC%20%F0%9F%98%80", Some("Euro € 😀")),
    (b"plain", Some("plain")),
    (b"", Some("")),
    (b"lower%c3%a9", Some("loweré")),
    (b"%41%42%43", Some("ABC")),
    (b"\"quoted value\"", Some("quoted value")),
    (b"\"esc\\\"aped\\\\\"", Some("esc\"aped\\")),
    (b"\"quoted%20then%25decoded\"", Some("quoted then%decoded")),
    (b"\"not\" one \"string\"", Some("\"not\" one \"string\"")),
    (b"\"unterminated", Some("\"unterminated")),
    (b"100%", Some("100%")),
    (b"50%zz", Some("50%zz")),
    (b"%2", Some("%2")),
    (b"%252F", Some("%2F")),
    ("raw UTF-8 ✓".as_bytes(), Some("raw UTF-8 ✓")),
    (b"%C0%A0", None),
    (b"%E2", None),
    (b"%E2%82", None),
    (b"%FF", None),
    (b"%ED%A0%80", None),
    (b"\xC3", None),
];

#[test]
fn header_value_decoding_vectors() {
    assert!(VECTORS.len() >= 15);
    for (raw, expected) in VECTORS {
        let decoded = header::decode(raw);
        match expected {
            Some(expected) => assert_eq!(
                decoded.as_deref(),
                Ok(*expected),
                "{}",
                String::from_utf8_lossy(raw)
            ),
            None => assert!(
                decoded.is_err(),
                "{} must be rejected",
                String::from_utf8_lossy(raw)
            ),
        }
    }
}

#[test]
fn the_specs_percent_encoding_example() {
    assert_eq!(
        header::encode("Euro € 😀"),
        "Euro%20%E2%82%AC%20%F0%9F%98%80"
    );
    assert_eq!(
        header::decode(b"Euro%20%E2%82%AC%20%F0%9F%98%80").unwrap(),
        "Euro € 😀"
    );
}

#[test]
fn encoding_escapes_space_quote_percent_and_non_printables() {
    assert_eq!(
        header::encode("a \"b\" 100%\u{7f}"),
        "a%20%22b%22%20100%25%7F"
    );
    for text in ["", "é", "tab\tline", "~!#$&'()*+,/:;=?@[]"] {
        assert_eq!(
            header::decode(header::encode(text).as_bytes()).unwrap(),
            text
        );
    }
}

#[test]
fn a_bad_header_value_is_a_400_that_names_the_header() {
    let headers = vec![
        ("ce-specversion".to_owned(), b"1.0".to_vec()),
        ("ce-id".to_owned(), b"1".to_vec()),
        ("ce-source".to_owned(), b"/s".to_vec()),
        ("ce-type".to_owned(), b"t".to_vec()),
        ("CE-Note".to_owned(), b"%C0%A0".to_vec()),
    ];
    let response = respond(
        &Config::default(),
        "POST",
        &headers,
        |_| Ok(Vec::new()),
        |_| Ok(None),
    );
    assert_eq!(response.status, 400);
    let problem: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(problem["error"], "invalid-event");
    assert!(
        problem["detail"].as_str().unwrap().contains("`ce-note`"),
        "{problem}"
    );
}
