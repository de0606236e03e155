//! `--where ATTR=VALUE`: choosing transcripts by participant attributes.

use rusqlite::Connection;

use crate::error::{Error, Result};

/// One condition: the attribute, whether it must (or must not) be one of the values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Where {
    pub key: String,
    pub negate: bool,
    pub values: Vec<String>,
}

impl Where {
    /// `role=manager`, `role=manager,lead`, `sector!=IT`.
    pub fn parse(s: &str) -> Result<Where> {
        let bad = || {
            Error::usage(format!("\"{s}\" is not a condition"))
                .with_hint("write ATTR=VALUE, ATTR=V1,V2 or ATTR!=VALUE, e.g. --where role=manager")
        };
        let (key, negate, rest) = match s.split_once("!=") {
            Some((k, v)) => (k, true, v),
            None => {
                let (k, v) = s.split_once('=').ok_or_else(bad)?;
                (k, false, v)
            }
        };
        let key = key.trim();
        let values: Vec<String> = rest
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        if key.is_empty() || values.is_empty() {
            return Err(bad());
        }
        Ok(Where {
            key: key.to_string(),
            negate,
            values,
        })
    }

    pub fn describe(&self) -> String {
        format!(
            "{}{}{}",
            self.key,
            if self.negate { "!=" } else { "=" },
            self.values.join(",")
        )
    }
}

/// The names of the transcripts every condition holds for, in import order, or None when
/// there are no conditions. A transcript without the attribute fails `=` and passes `!=`.
/// An attribute no transcript has is an error that lists the attributes there are.
pub fn transcripts_where(conn: &Connection, conds: &[Where]) -> Result<Option<Vec<String>>> {
    if conds.is_empty() {
        return Ok(None);
    }
    let mut keys = conn.prepare("SELECT DISTINCT key FROM attribute ORDER BY key")?;
    let known: Vec<String> = keys
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for c in conds {
        if !known.iter().any(|k| k == &c.key) {
            return Err(Error::user(format!(
                "no transcript has the attribute \"{}\"",
                c.key
            ))
            .with_hint(if known.is_empty() {
                "set attributes with \"tana attr set\" or \"tana attr import participants.csv\""
                    .to_string()
            } else {
                format!("attributes in this project: {}", known.join(", "))
            }));
        }
    }
    let mut stmt = conn.prepare(
        "SELECT t.name, (SELECT value FROM attribute a WHERE a.transcript_id = t.id AND a.key = ?1)
         FROM transcript t ORDER BY t.id",
    )?;
    let mut keep: Option<Vec<String>> = None;
    for c in conds {
        let rows: Vec<(String, Option<String>)> = stmt
            .query_map([&c.key], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let pass: Vec<String> = rows
            .into_iter()
            .filter(|(_, v)| v.as_ref().is_some_and(|v| c.values.contains(v)) != c.negate)
            .map(|(n, _)| n)
            .collect();
        keep = Some(match keep {
            None => pass,
            Some(k) => k.into_iter().filter(|n| pass.contains(n)).collect(),
        });
    }
    let keep = keep.unwrap_or_default();
    if keep.is_empty() {
        let what: Vec<String> = conds.iter().map(Where::describe).collect();
        let mut values =
            conn.prepare("SELECT DISTINCT value FROM attribute WHERE key = ?1 ORDER BY value")?;
        let hints: Vec<String> = conds
            .iter()
            .map(|c| {
                let v: Vec<String> = values
                    .query_map([&c.key], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                Ok(format!("{}: {}", c.key, v.join(", ")))
            })
            .collect::<Result<_>>()?;
        return Err(
            Error::user(format!("no transcript matches {}", what.join(" and ")))
                .with_hint(format!("the values there are: {}", hints.join("; "))),
        );
    }
    Ok(Some(keep))
}

/// The ids of the named transcripts.
pub fn ids_of(conn: &Connection, names: &[String]) -> Result<std::collections::HashSet<i64>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM transcript WHERE name = ?1")?;
    let mut out = std::collections::HashSet::new();
    for n in names {
        if let Some(id) = stmt
            .query_row([n], |r| r.get::<_, i64>(0))
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })?
        {
            out.insert(id);
        }
    }
    Ok(out)
}

/// Combine `--transcripts` and `--where`: the transcripts both allow (None: all).
pub fn combine(named: Option<Vec<String>>, filtered: Option<Vec<String>>) -> Option<Vec<String>> {
    match (named, filtered) {
        (None, f) => f,
        (n, None) => n,
        (Some(n), Some(f)) => Some(n.into_iter().filter(|x| f.contains(x)).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_parse() {
        assert_eq!(
            Where::parse("role=manager, lead").unwrap(),
            Where {
                key: "role".into(),
                negate: false,
                values: vec!["manager".into(), "lead".into()]
            }
        );
        assert!(Where::parse("sector!=IT").unwrap().negate);
        assert!(Where::parse("role").is_err());
        assert!(Where::parse("=x").is_err());
        assert!(Where::parse("role=").is_err());
    }
}
