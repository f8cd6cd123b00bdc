use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = escalate::cli::Cli::parse();
    match escalate::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` prints the context chain: "DATABASE_URL: cannot connect …: <cause>".
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
