//! The `starttls-cert` command as a library: argument handling in every style
//! PRTG and the old sensors use, trust store loading, the check itself over
//! the mio driver, the verdict and the output formats. `main.rs` only wires
//! these up, so end-to-end tests and fuzz targets call the same code.

pub mod args;
pub mod assess;
pub mod cli;
pub mod demo;
pub mod fleet;
pub mod hostname;
pub mod idn;
pub mod output;
pub mod params;
pub mod request;
pub mod run;
pub mod serve;
pub mod shell_words;
pub mod stdin_line;
pub mod time_arg;
pub mod trust;
