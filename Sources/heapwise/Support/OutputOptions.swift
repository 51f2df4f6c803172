import ArgumentParser

/// Options every subcommand that prints a report shares.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON for scripts.")
    var json = false
}
