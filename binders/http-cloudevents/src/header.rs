//! HTTP header values of binary mode (HTTP binding section 3.1.3.2).

use std::fmt::Write as _;

/// Decodes a `ce-` header value into the attribute's string form.
///
/// Steps, in order:
/// 1. A value that is one RFC 7230 quoted-string as a whole is unquoted
///    (backslash escapes included); any other value is taken as it is.
/// 2. One round of percent-decoding. A `%` that starts no valid escape is
///    kept as it is, and raw UTF-8 bytes pass through, as the main SDKs send
///    both.
/// 3. The bytes must be valid UTF-8: overlong forms such as `%C0%A0` and
///    truncated sequences such as `%E2` are rejected.
pub fn decode(raw: &[u8]) -> Result<String, String> {
    let unquoted = unquote(raw);
    let raw = unquoted.as_deref().unwrap_or(raw);
    let mut bytes = Vec::with_capacity(raw.len());
    let mut index = 0;
    while index < raw.len() {
        let escape = (raw[index] == b'%')
            .then(|| {
                Some((
                    hex_value(*raw.get(index + 1)?)?,
                    hex_value(*raw.get(index + 2)?)?,
                ))
            })
            .flatten();
        match escape {
            Some((high, low)) => {
                bytes.push(high << 4 | low);
                index += 3;
            }
            None => {
                bytes.push(raw[index]);
                index += 1;
            }
        }
    }
    String::from_utf8(bytes).map_err(|err| {
        format!(
            "the decoded value is not valid UTF-8 (invalid byte sequence at offset {})",
            err.utf8_error().valid_up_to()
        )
    })
}

/// Encodes an attribute's string form as a header value: space, `"`, `%` and
/// every character outside printable ASCII become upper-case `%XY` escapes of
/// their UTF-8 bytes.
pub fn encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if (0x21..=0x7E).contains(&byte) && byte != b'"' && byte != b'%' {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

/// The content of `raw` if it is exactly one quoted-string, unescaped.
fn unquote(raw: &[u8]) -> Option<Vec<u8>> {
    let inner = raw.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    let mut unescaped = Vec::with_capacity(inner.len());
    let mut bytes = inner.iter();
    while let Some(&byte) = bytes.next() {
        match byte {
            b'\\' => unescaped.push(*bytes.next()?),
            b'"' => return None,
            _ => unescaped.push(byte),
        }
    }
    Some(unescaped)
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit).to_digit(16).map(|value| value as u8)
}
