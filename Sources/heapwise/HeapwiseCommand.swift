import ArgumentParser

@main
struct HeapwiseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heapwise",
        abstract: "Find, and explain, a buffer layout and dma-buf heap that every device in a pipeline can use.",
        subcommands: [PlanCommand.self, Simulate.self, Heaps.self, Stats.self, Devices.self, Formats.self, Bench.self, Serve.self]
    )
}
