//! Plain-text tables: a title, column headers, rows of cells, and notes.
//! Text columns are left-aligned, numbers right-aligned.

use std::fmt;

/// A table ready to print.
#[derive(Clone, Debug, Default)]
pub struct Table {
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    notes: Vec<String>,
}

impl Table {
    /// An empty table with a title and column headers.
    pub fn new(title: impl Into<String>, headers: &[&str]) -> Self {
        Table {
            title: title.into(),
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Adds a row; missing cells print empty, extra cells are dropped.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Adds a line printed under the table.
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }
}

fn numeric(cell: &str) -> bool {
    let t = cell
        .trim_end_matches(['x', '%'])
        .trim_start_matches(['-', '+']);
    !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let columns = self.headers.len();
        let cell = |row: &Vec<String>, i: usize| row.get(i).cloned().unwrap_or_default();
        let widths: Vec<usize> = (0..columns)
            .map(|i| {
                self.rows
                    .iter()
                    .map(|r| cell(r, i).chars().count())
                    .chain([self.headers[i].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        writeln!(f, "{}", self.title)?;
        let line = |f: &mut fmt::Formatter<'_>, cells: &[String], header: bool| {
            let mut out = String::from("|");
            for (i, width) in widths.iter().enumerate() {
                let text = cells.get(i).cloned().unwrap_or_default();
                let pad = width.saturating_sub(text.chars().count());
                if !header && numeric(&text) {
                    out.push_str(&format!(" {}{} |", " ".repeat(pad), text));
                } else {
                    out.push_str(&format!(" {}{} |", text, " ".repeat(pad)));
                }
            }
            writeln!(f, "{out}")
        };
        line(f, &self.headers, true)?;
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        writeln!(f, "|-{}-|", rule.join("-|-"))?;
        for row in &self.rows {
            line(f, row, false)?;
        }
        for note in &self.notes {
            writeln!(f, "  {note}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_and_numbers_go_right() {
        let mut t = Table::new("T", &["name", "ms"]);
        t.row(vec!["a".into(), "1.5".into()]);
        t.row(vec!["long name".into(), "12.25".into()]);
        t.note("median of 3");
        let text = t.to_string();
        assert!(text.contains("| a         |   1.5 |"), "{text}");
        assert!(text.contains("| long name | 12.25 |"), "{text}");
        assert!(text.ends_with("  median of 3\n"));
    }
}
