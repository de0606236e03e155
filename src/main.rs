use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let code = tana::cli::main();
    let _ = std::io::stdout().flush();
    ExitCode::from(code as u8)
}
