import ArgumentParser
import HeapwiseBroker
import HeapwiseClient
import HeapwiseCore
import HeapwiseLinux
import HeapwiseLoading
import Logging

/// `heapwise serve`: the allocation broker, in the foreground (systemd runs it so too).
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the allocation broker: programs that cannot open the heaps get dma-bufs under a policy.",
        discussion: """
            Listens on --socket (or the socket systemd passes, LISTEN_FDS) for the protocol of docs/protocol.md. \
            Each client is identified by the kernel (SO_PEERCRED, SO_PEERGROUPS) and served by the first rule of \
            --policy that matches it; no rule means refused. SIGTERM stops it, SIGHUP reloads the policy (an \
            invalid one is refused and the old one stays). Logs go to standard error (the journal, under systemd).
            """
    )

    @Option(help: "The socket to listen on, unless systemd passes one.")
    var socket = BrokerClient.defaultSocket

    @Option(help: "The policy file (YAML): who may allocate what.")
    var policy = "/etc/heapwise/policy.yaml"

    @Option(help: "Plan against this heap catalog (YAML) instead of this machine's heaps; nothing can then be allocated.")
    var heaps: String?

    @Option(help: "Seconds a buffer given back waits in the pool for a new owner before it is freed.")
    var poolIdleSeconds = 60

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard (1...86_400).contains(poolIdleSeconds) else { throw ValidationError("--pool-idle-seconds takes 1 to 86400, got \(poolIdleSeconds)") }
    }

    func run() throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "heapwise.broker")
        let rules: BrokerPolicy
        let catalog: HeapCatalog?
        do {
            rules = try BrokerServer.loadPolicy(policy)
            catalog = try heaps.map(Loader.heapCatalog) ?? HeapDiscovery.liveCatalog()
        } catch {
            throw reportInvalidInput(error)
        }
        let server: BrokerServer
        do {
            let signals = try BrokerServer.signals()  // blocked before the socket can be connected to
            let listener = try SystemdSocket.listener() ?? UnixListener.bind(socket)
            server = try BrokerServer(listener: listener, signals: signals, options: .init(policyPath: policy, allocates: heaps == nil, poolIdleAge: .seconds(poolIdleSeconds)), policy: rules,
                                      pool: BufferPool(maxIdleAge: .seconds(poolIdleSeconds)), logger: logger, catalog: catalog, hints: try? Loader.heapHints(file: nil))
        } catch {
            printError("heapwise: error: \(error)")
            throw Exit.allocationFailed
        }
        server.run()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
