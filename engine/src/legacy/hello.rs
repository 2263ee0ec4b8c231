//! The hand-built ClientHello of a legacy capture: what an old server needs
//! to see to answer with its certificate.

/// The suites offered, most preferred first: ECDHE and DHE with AES-GCM and
/// ChaCha20, then the CBC suites, plain-RSA key exchange, 3DES and RC4 last.
/// Nothing is ever encrypted with them: they only have to make the server
/// pick one and send its certificate.
pub const OFFERED_SUITES: &[u16] = &[
    0xc02c, 0xc030, 0xc02b, 0xc02f, // ECDHE-ECDSA/RSA AES-GCM
    0xcca9, 0xcca8, 0xccaa, // ChaCha20-Poly1305 (ECDHE-ECDSA, ECDHE-RSA, DHE-RSA)
    0x009f, 0x009e, // DHE-RSA AES-GCM
    0xc024, 0xc028, 0xc023, 0xc027, // ECDHE AES-CBC SHA-2
    0xc00a, 0xc014, 0xc009, 0xc013, // ECDHE AES-CBC SHA-1
    0x006b, 0x0067, 0x0039, 0x0033, // DHE-RSA AES-CBC
    0x009d, 0x009c, // RSA AES-GCM
    0x003d, 0x003c, 0x0035, 0x002f, // RSA AES-CBC
    0x0084, 0x0041, // RSA Camellia-CBC
    0xc012, 0xc008, 0x0016, 0x000a, // 3DES-EDE-CBC
    0xc011, 0xc007, 0x0005, 0x0004, // RC4
    0x0032, 0x0038, 0x0013, // DHE-DSS
];

/// The IANA names of [`OFFERED_SUITES`] (rustls names only the suites it
/// implements), for reports of a legacy capture.
pub fn suite_name(suite: u16) -> Option<&'static str> {
    Some(match suite {
        0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xcca9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0xcca8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xccaa => "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0x009f => "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        0x009e => "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        0xc024 => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        0xc028 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        0xc023 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        0xc027 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        0xc00a => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        0xc014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        0xc009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        0xc013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        0x006b => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
        0x0067 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
        0x0039 => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
        0x0033 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
        0x009d => "TLS_RSA_WITH_AES_256_GCM_SHA384",
        0x009c => "TLS_RSA_WITH_AES_128_GCM_SHA256",
        0x003d => "TLS_RSA_WITH_AES_256_CBC_SHA256",
        0x003c => "TLS_RSA_WITH_AES_128_CBC_SHA256",
        0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
        0x002f => "TLS_RSA_WITH_AES_128_CBC_SHA",
        0x0084 => "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA",
        0x0041 => "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA",
        0xc012 => "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
        0xc008 => "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
        0x0016 => "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
        0x000a => "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        0xc011 => "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
        0xc007 => "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
        0x0005 => "TLS_RSA_WITH_RC4_128_SHA",
        0x0004 => "TLS_RSA_WITH_RC4_128_MD5",
        0x0032 => "TLS_DHE_DSS_WITH_AES_128_CBC_SHA",
        0x0038 => "TLS_DHE_DSS_WITH_AES_256_CBC_SHA",
        0x0013 => "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA",
        _ => return None,
    })
}

/// Every signature scheme a certificate or handshake may use, TLS 1.3 and
/// TLS 1.2 codes alike (RFC 8446 4.2.3, RFC 8734, RFC 5246 7.4.1.4.1).
const SIGNATURE_SCHEMES: &[u16] = &[
    0x0403, 0x0503, 0x0603, // ECDSA SHA-2
    0x0807, 0x0808, // Ed25519, Ed448
    0x0804, 0x0805, 0x0806, // RSA-PSS with rsaEncryption keys
    0x0809, 0x080a, 0x080b, // RSA-PSS with id-RSASSA-PSS keys
    0x081a, 0x081b, 0x081c, // ECDSA brainpool (TLS 1.3)
    0x0401, 0x0501, 0x0601, // RSA PKCS#1 SHA-2
    0x0303, 0x0301, 0x0302, // SHA-224
    0x0201, 0x0203, 0x0202, // SHA-1 (RSA, ECDSA, DSA)
    0x0402, 0x0502, 0x0602, // DSA SHA-2
];

/// Every named group: X25519, NIST curves, X448, brainpool, secp256k1,
/// then finite-field groups (RFC 8422, RFC 7919, RFC 7027).
const GROUPS: &[u16] = &[
    29, 23, 24, 25, 30, 26, 27, 28, 22, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104,
];

/// A fatal `user_canceled` alert in a record of the negotiated `version`:
/// how a capture ends the connection once the certificate is in. (OpenSSL
/// refuses a record whose version differs from the one it chose: "wrong
/// version number" instead of the alert in its log.)
pub fn abort_alert(version: u16) -> [u8; 7] {
    let [major, minor] = version.to_be_bytes();
    [0x15, major, minor, 0x00, 0x02, 0x02, 90]
}

fn u16_be(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Appends `body` preceded by its length in `width` bytes (1, 2 or 3).
fn with_length(out: &mut Vec<u8>, width: usize, body: &[u8]) {
    let len = body.len().to_be_bytes();
    out.extend_from_slice(&len[len.len() - width..]);
    out.extend_from_slice(body);
}

fn extension(out: &mut Vec<u8>, kind: u16, body: &[u8]) {
    u16_be(out, kind);
    with_length(out, 2, body);
}

fn u16_list(items: &[u16]) -> Vec<u8> {
    let mut body = Vec::with_capacity(items.len() * 2);
    for &v in items {
        u16_be(&mut body, v);
    }
    body
}

/// The ClientHello record: record version TLS 1.0 (what the oldest servers
/// accept), `client_version` TLS 1.2, no session ID, [`OFFERED_SUITES`],
/// no compression, and the extensions server_name (when `sni` is a DNS
/// name), supported_groups, ec_point_formats, signature_algorithms,
/// renegotiation_info and extended_master_secret. A message of 256 to 511
/// bytes gets a padding extension up to 512, as OpenSSL and rustls do for
/// servers that hang on that size.
pub fn client_hello(sni: Option<&str>, random: [u8; 32]) -> Vec<u8> {
    let mut ext = Vec::with_capacity(256);
    if let Some(name) = sni {
        let mut entry = vec![0u8]; // host_name
        with_length(&mut entry, 2, name.as_bytes());
        let mut list = Vec::new();
        with_length(&mut list, 2, &entry);
        extension(&mut ext, 0, &list);
    }
    let mut groups = Vec::new();
    with_length(&mut groups, 2, &u16_list(GROUPS));
    extension(&mut ext, 10, &groups);
    extension(&mut ext, 11, &[1, 0]); // uncompressed points only
    let mut schemes = Vec::new();
    with_length(&mut schemes, 2, &u16_list(SIGNATURE_SCHEMES));
    extension(&mut ext, 13, &schemes);
    extension(&mut ext, 0xff01, &[0]); // renegotiation_info, initial
    extension(&mut ext, 23, &[]); // extended_master_secret

    let mut body = Vec::with_capacity(512);
    u16_be(&mut body, 0x0303);
    body.extend_from_slice(&random);
    body.push(0); // no session ID
    with_length(&mut body, 2, &u16_list(OFFERED_SUITES));
    body.extend_from_slice(&[1, 0]); // null compression
                                     // Handshake header (4) + body + extensions length (2) + extensions.
    let size = 4 + body.len() + 2 + ext.len();
    if (256..512).contains(&size) {
        let pad = (512 - size).saturating_sub(4);
        extension(&mut ext, 21, &vec![0; pad]);
    }
    with_length(&mut body, 2, &ext);

    let mut message = vec![1u8]; // client_hello
    with_length(&mut message, 3, &body);
    let mut record = vec![22u8, 0x03, 0x01];
    with_length(&mut record, 2, &message);
    record
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hello_is_one_tls10_record_holding_one_client_hello() {
        let hello = client_hello(Some("mail.example.com"), [7; 32]);
        assert_eq!(&hello[..3], &[22, 3, 1]);
        let record_len = usize::from(u16::from_be_bytes([hello[3], hello[4]]));
        assert_eq!(record_len, hello.len() - 5);
        assert_eq!(hello[5], 1, "client_hello");
        let msg_len = usize::from(hello[7]) << 8 | usize::from(hello[8]);
        assert_eq!(msg_len, record_len - 4);
        assert_eq!(&hello[9..11], &[3, 3], "client_version TLS 1.2");
        assert_eq!(&hello[11..43], &[7; 32]);
    }

    #[test]
    fn every_offered_suite_has_a_name() {
        for &suite in OFFERED_SUITES {
            assert!(suite_name(suite).is_some(), "{suite:#06x}");
        }
    }

    #[test]
    fn sni_is_sent_only_when_given() {
        let with = client_hello(Some("mail.example.com"), [0; 32]);
        let without = client_hello(None, [0; 32]);
        let find = |h: &[u8]| h.windows(16).any(|w| w == b"mail.example.com");
        assert!(find(&with));
        assert!(!find(&without));
    }

    #[test]
    fn no_hello_falls_in_the_size_range_that_hangs_old_servers() {
        for name in [
            None,
            Some("a.example"),
            Some("a-much-longer-name.mail.example.com"),
        ] {
            let hello = client_hello(name, [0; 32]);
            let message = hello.len() - 5;
            assert!(!(256..512).contains(&message), "{message} bytes");
        }
    }

    #[test]
    fn every_listed_scheme_and_suite_is_on_the_wire() {
        let hello = client_hello(None, [0; 32]);
        for scheme in [0x0809u16, 0x0808, 0x081a, 0x0201] {
            assert!(hello.windows(2).any(|w| w == scheme.to_be_bytes()));
        }
        let suites = u16_list(OFFERED_SUITES);
        assert!(hello.windows(suites.len()).any(|w| w == suites));
    }
}
