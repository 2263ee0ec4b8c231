//! The Prometheus text exposition format (version 0.0.4): metric families
//! with `# HELP` and `# TYPE`, every sample of a family together, label
//! values escaped and bounded.

use std::fmt::Write;

use crate::output::sanitize;

/// The longest label value written, in characters; longer values are cut
/// and end in `…`. Subjects and name lists come from the server.
pub const MAX_LABEL_CHARS: usize = 256;

/// A metric family's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A value that can go up and down.
    Gauge,
    /// A value that only grows.
    Counter,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
        }
    }
}

/// One metric family's description.
#[derive(Clone, Copy, Debug)]
pub struct FamilyDef {
    /// The metric name.
    pub name: &'static str,
    /// The `# HELP` text (our own, no escaping needed).
    pub help: &'static str,
    /// The `# TYPE`.
    pub kind: Kind,
}

/// Label pairs of one sample: names are ours, values may come from a server.
pub type Labels<'a> = [(&'a str, &'a str)];

/// Collects samples per family and writes them in the order the families
/// were declared; families without samples are left out.
#[derive(Debug)]
pub struct Exposition {
    families: Vec<(FamilyDef, String)>,
}

impl Exposition {
    /// An exposition of the families in `defs`, in that order.
    pub fn new(defs: &[FamilyDef]) -> Self {
        Exposition {
            families: defs.iter().map(|d| (*d, String::new())).collect(),
        }
    }

    /// Adds a sample of family `name` with `common` labels first (such as
    /// the target), then `labels`. A name not declared is ignored, which
    /// the tests rule out.
    pub fn sample(&mut self, name: &str, common: &Labels<'_>, labels: &Labels<'_>, value: f64) {
        debug_assert!(
            self.families.iter().any(|(d, _)| d.name == name),
            "undeclared family {name}"
        );
        let Some((_, lines)) = self.families.iter_mut().find(|(d, _)| d.name == name) else {
            return;
        };
        lines.push_str(name);
        let mut first = true;
        for (key, val) in common.iter().chain(labels) {
            lines.push(if first { '{' } else { ',' });
            first = false;
            lines.push_str(key);
            lines.push_str("=\"");
            escape_label_value(val, lines);
            lines.push('"');
        }
        if !first {
            lines.push('}');
        }
        lines.push(' ');
        lines.push_str(&format_value(value));
        lines.push('\n');
    }

    /// The exposition text.
    pub fn finish(self) -> String {
        let mut out = String::new();
        for (def, lines) in self.families {
            if lines.is_empty() {
                continue;
            }
            let _ = writeln!(out, "# HELP {} {}", def.name, def.help);
            let _ = writeln!(out, "# TYPE {} {}", def.name, def.kind.word());
            out.push_str(&lines);
        }
        out
    }
}

/// A sample value: integers without a fraction, `NaN` and `+Inf` as the
/// format spells them.
pub fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// Writes `value` as a label value: control and line-breaking characters
/// as visible escapes (src/output/sanitize.rs), then `\`, `"` and newline
/// escaped as the format requires, cut to [`MAX_LABEL_CHARS`].
pub fn escape_label_value(value: &str, out: &mut String) {
    let safe = sanitize::escape(value);
    let mut chars = safe.chars();
    let kept: String = chars.by_ref().take(MAX_LABEL_CHARS).collect();
    let cut = chars.next().is_some();
    for c in kept.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    if cut {
        out.push('…');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFS: &[FamilyDef] = &[
        FamilyDef {
            name: "a_total",
            help: "Counts a.",
            kind: Kind::Counter,
        },
        FamilyDef {
            name: "b",
            help: "Shows b.",
            kind: Kind::Gauge,
        },
    ];

    #[test]
    fn samples_are_grouped_by_family_in_declared_order() {
        let mut e = Exposition::new(DEFS);
        e.sample("b", &[("target", "x:1")], &[], 1.5);
        e.sample("a_total", &[], &[("k", "v")], 3.0);
        e.sample("b", &[("target", "y:2")], &[], 2.0);
        assert_eq!(
            e.finish(),
            "# HELP a_total Counts a.\n# TYPE a_total counter\na_total{k=\"v\"} 3\n\
             # HELP b Shows b.\n# TYPE b gauge\nb{target=\"x:1\"} 1.5\nb{target=\"y:2\"} 2\n"
        );
    }

    #[test]
    fn families_without_samples_are_left_out() {
        assert_eq!(Exposition::new(DEFS).finish(), "");
    }

    #[test]
    fn label_values_escape_quotes_backslashes_and_controls() {
        let mut out = String::new();
        escape_label_value("CN=\"a\\b\"\nx\u{7}\u{202e}", &mut out);
        assert_eq!(out, "CN=\\\"a\\\\b\\\"\\\\x0ax\\\\x07\\\\u{202e}");
        assert!(!out.contains('\n'));
    }

    #[test]
    fn long_label_values_are_cut() {
        let mut out = String::new();
        escape_label_value(&"a".repeat(1000), &mut out);
        assert_eq!(out.chars().count(), MAX_LABEL_CHARS + 1);
        assert!(out.ends_with('…'));
    }

    #[test]
    fn values_are_written_as_the_format_spells_them() {
        assert_eq!(format_value(1_893_456_000.0), "1893456000");
        assert_eq!(format_value(0.25), "0.25");
        assert_eq!(format_value(-3.0), "-3");
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(f64::INFINITY), "+Inf");
    }
}
