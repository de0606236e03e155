//! PLACEHOLDER: being written.

use std::io::Write;

use super::Doc;
use crate::error::{Error, Result};

pub fn write(_doc: &Doc, _out: &mut dyn Write) -> Result<()> {
    Err(Error::user("not written yet"))
}
