//! Why an analysis could not produce a report at all.

use std::fmt;

/// Most certificates a chain may hold before the analysis refuses it.
///
/// Real servers send two to four; the limit bounds the work of issuer
/// matching, which is quadratic in the chain length.
pub const MAX_CHAIN_LEN: usize = 64;

/// The chain could not be analysed. Every problem *of* a readable chain (not
/// trusted, expired, wrong name ...) is part of the report instead.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnalysisError {
    /// The server sent no certificate.
    EmptyChain,
    /// A certificate is not valid DER X.509.
    MalformedCertificate {
        /// Position in the chain as sent, 0 is the leaf.
        index: usize,
        /// What the parser said.
        detail: String,
    },
    /// More certificates than [`MAX_CHAIN_LEN`].
    ChainTooLong {
        /// How many the server sent.
        len: usize,
        /// The limit.
        max: usize,
    },
}

impl fmt::Display for AnalysisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnalysisError::EmptyChain => f.write_str("the server sent no certificate"),
            AnalysisError::MalformedCertificate { index, detail } => write!(
                f,
                "certificate #{index} sent by the server cannot be read: {detail}"
            ),
            AnalysisError::ChainTooLong { len, max } => write!(
                f,
                "the server sent {len} certificates; at most {max} are analysed"
            ),
        }
    }
}

impl std::error::Error for AnalysisError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line() {
        let errors = [
            AnalysisError::EmptyChain,
            AnalysisError::MalformedCertificate {
                index: 1,
                detail: "Parsing Error: unexpected end".into(),
            },
            AnalysisError::ChainTooLong { len: 70, max: 64 },
        ];
        for e in errors {
            let text = e.to_string();
            assert!(!text.contains('\n'), "{text}");
        }
        assert_eq!(
            AnalysisError::ChainTooLong { len: 70, max: 64 }.to_string(),
            "the server sent 70 certificates; at most 64 are analysed"
        );
    }
}
